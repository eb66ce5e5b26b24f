// The documents of one collection in a mongodump directory (`<db>/<collection>.bson[.gz]`), as
// raw BSON in file order: the source side of the sample when the source is a dump on disk.
import { createReadStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createGunzip } from 'node:zlib'
import type { SampleSize } from '../server/sample.js'

/** The collection's `.bson` file in the dump, or undefined when it has none. */
export function bsonFile(root: string, namespace: string): string | undefined {
  const [db, ...rest] = namespace.split('.')
  const base = join(root, db as string, `${rest.join('.')}.bson`)
  return [base, `${base}.gz`].find((path) => existsSync(path))
}

/** The first `size` documents of the file (all of them for `all`): the order mongodump wrote them in. */
export async function* dumpDocuments(path: string, size: SampleSize): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path)
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  let pending = Buffer.alloc(0)
  let yielded = 0
  try {
    for await (const chunk of stream) {
      pending = Buffer.concat([pending, chunk as Buffer])
      // Each BSON document starts with its own length (int32, little-endian).
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0)
        yield pending.subarray(0, length)
        pending = pending.subarray(length)
        yielded += 1
        if (size !== 'all' && yielded >= size) return
      }
    }
  } finally {
    stream.destroy()
    file.destroy()
  }
}
