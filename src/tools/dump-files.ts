// What a dump on disk holds, read without restoring it: its namespaces, the index definitions in
// its metadata, and whether it carries users or roles (never their content). Reads a mongodump
// directory, or the prelude of an archive file (gzipped or not).
import { BSON } from 'mongodb'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createGunzip, gunzipSync } from 'node:zlib'
import { GuardError } from '../errors.js'
import { isCredentialNamespace } from '../input/namespace.js'
import { indexSpec, type IndexSpec } from '../server/deployment.js'
import type { CollectionInfo, CollectionType } from '../server/collection-options.js'

export interface DumpContents {
  /** Every namespace in the dump, users and roles included. */
  namespaces: string[]
  /** The namespaces that hold users or roles (admin.*, *.system.users, *.system.roles, $admin.*). */
  credentialNamespaces: string[]
  /** Index definitions from the dump's metadata, by namespace. */
  indexes: Map<string, IndexSpec[]>
  /** Each collection's type, options and indexes from its metadata (views included), by namespace. */
  collections: Map<string, CollectionInfo>
  bytes: number
  /** Written with --gzip: mongorestore needs --gzip too. */
  gzipped: boolean
  kind: 'directory' | 'archive'
}

/** Users and roles: the protected namespaces and the `--dumpDbUsersAndRoles` files. */
function carriesCredentials(namespace: string): boolean {
  return isCredentialNamespace(namespace) || namespace.includes('$admin.system.')
}

export async function inspectDump(path: string): Promise<DumpContents> {
  const contents = (await stat(path)).isDirectory()
    ? await readDirectory(path)
    : await readArchive(path)
  return { ...contents, credentialNamespaces: contents.namespaces.filter(carriesCredentials) }
}

/** A mongodump directory: `<db>/<collection>.bson[.gz]` with `<collection>.metadata.json[.gz]`. */
async function readDirectory(root: string): Promise<Omit<DumpContents, 'credentialNamespaces'>> {
  const namespaces: string[] = []
  const indexes = new Map<string, IndexSpec[]>()
  const collections = new Map<string, CollectionInfo>()
  let bytes = 0
  let gzipped = false
  for (const db of await readdir(root, { withFileTypes: true })) {
    if (!db.isDirectory()) continue
    for (const file of await readdir(join(root, db.name))) {
      const path = join(root, db.name, file)
      bytes += (await stat(path)).size
      gzipped ||= file.endsWith('.gz')
      const bson = /^(.*)\.bson(\.gz)?$/.exec(file)
      if (bson) namespaces.push(`${db.name}.${bson[1]}`)
      const meta = /^(.*)\.metadata\.json(\.gz)?$/.exec(file)
      if (meta) {
        const raw = await readFile(path)
        const text = (meta[2] ? gunzipSync(raw) : raw).toString('utf8')
        const info = metadataInfo(`${db.name}.${meta[1]}`, text)
        indexes.set(info.namespace, info.indexes.map(indexSpec))
        collections.set(info.namespace, info)
      }
    }
  }
  return { namespaces: namespaces.sort(), indexes, collections, bytes, gzipped, kind: 'directory' }
}

const ARCHIVE_MAGIC = 0x8199e26d
const TERMINATOR = 0xffffffff

/**
 * An archive file's prelude (mongo-tools common/archive/prelude.go): the magic number, a header
 * document, one metadata document per collection, then a terminator. Only the prelude is read.
 */
async function readArchive(path: string): Promise<Omit<DumpContents, 'credentialNamespaces'>> {
  const bytes = (await stat(path)).size
  const { head, gzipped } = await readStart(path)
  let offset = 4
  if (head.length < 8 || head.readUInt32LE(0) !== ARCHIVE_MAGIC) {
    throw unreadable(path, 'it does not start like a mongodump archive (bad magic number)')
  }
  const documents: BSON.Document[] = []
  for (;;) {
    if (offset + 4 > head.length) throw unreadable(path, 'it ends inside its prelude (truncated)')
    const size = head.readUInt32LE(offset)
    if (size === TERMINATOR) break
    if (offset + size > head.length)
      throw unreadable(path, 'it ends inside its prelude (truncated)')
    documents.push(BSON.deserialize(head.subarray(offset, offset + size)))
    offset += size
  }
  const namespaces: string[] = []
  const indexes = new Map<string, IndexSpec[]>()
  const collections = new Map<string, CollectionInfo>()
  for (const doc of documents.slice(1)) {
    const namespace = `${doc['db']}.${doc['collection']}`
    namespaces.push(namespace)
    if (typeof doc['metadata'] === 'string' && doc['metadata'] !== '') {
      const info = metadataInfo(namespace, doc['metadata'])
      indexes.set(namespace, info.indexes.map(indexSpec))
      collections.set(namespace, info)
    }
  }
  return { namespaces: namespaces.sort(), indexes, collections, bytes, gzipped, kind: 'archive' }
}

function unreadable(path: string, why: string): GuardError {
  return new GuardError(
    'UnreadableDump',
    'The dump cannot be read',
    `archive: ${path} cannot be read: ${why}. Nothing was restored; use a complete, uncorrupted dump.`
  )
}

/** The first bytes of the file, decompressed when it is gzipped; enough for any prelude. */
async function readStart(
  path: string,
  limit = 64 * 1024 * 1024
): Promise<{ head: Buffer; gzipped: boolean }> {
  const first = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    createReadStream(path, { start: 0, end: 1 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject)
  })
  const gzipped = first[0] === 0x1f && first[1] === 0x8b
  const stream = gzipped ? createReadStream(path).pipe(createGunzip()) : createReadStream(path)
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer)
      length += (chunk as Buffer).length
      if (length >= limit || preludeComplete(Buffer.concat(chunks))) break
    }
  } catch (error) {
    // A gzip stream cut short still gives what it had; the prelude check says if that is enough.
    if (chunks.length === 0) throw error
  } finally {
    stream.destroy()
  }
  return { head: Buffer.concat(chunks), gzipped }
}

function preludeComplete(buffer: Buffer): boolean {
  let offset = 4
  while (offset + 4 <= buffer.length) {
    const size = buffer.readUInt32LE(offset)
    if (size === TERMINATOR) return true
    offset += size
  }
  return false
}

/** A collection's metadata (canonical extended JSON): its type, options and indexes. */
function metadataInfo(namespace: string, text: string): CollectionInfo {
  const metadata = BSON.EJSON.parse(text, { relaxed: true }) as {
    type?: string
    options?: Record<string, unknown>
    indexes?: Record<string, unknown>[]
  }
  return {
    namespace,
    type: (metadata.type ?? 'collection') as CollectionType,
    options: metadata.options ?? {},
    indexes: metadata.indexes ?? [],
    documents: undefined
  }
}
