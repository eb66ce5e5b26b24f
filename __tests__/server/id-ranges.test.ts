// The `_id` ranges of a collection cut into pieces, on a real mongod: whatever the `_id` types
// (comparisons match only within one type bracket), the ranges hold every document exactly once.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { Decimal128, Double, Int32, Long, ObjectId, type Document } from 'mongodb'
import { idRanges, parseNamespaceLines, formatLine } from '../../src/input/parts.ts'
import { MongoUri } from '../../src/secrets.ts'
import { rangeCounts, splitPoints } from '../../src/server/survey.ts'
import { startServer, stopAllServers, withClient } from '../support/testbed.ts'

after(stopAllServers)

/** A few of every other type, beside the bulk of one. */
const OTHERS: unknown[] = [
  null,
  'str-a',
  'str-z',
  '',
  -7,
  new Int32(3),
  new Long(9),
  new Double(2.5),
  Number.NaN,
  new Decimal128('1.5'),
  new Date(0),
  new Date(8.64e15),
  new ObjectId(),
  true,
  false,
  { a: 1 },
  { a: 1, b: 2 },
  new Long(0)
]

const BULK: Record<string, (i: number) => unknown> = {
  objectId: () => new ObjectId(),
  // int, long and double side by side (one bracket), clear of the numbers among OTHERS.
  number: (i) =>
    i % 3 === 0
      ? new Long(10_000 + i * 7)
      : i % 3 === 1
        ? new Double(10_000 + i + 0.5)
        : 10_000 + i,
  string: (i) => `key-${String(i).padStart(6, '0')}`,
  date: (i) => new Date(1_700_000_000_000 + i * 1000)
}

describe('_id ranges', { timeout: 180_000 }, () => {
  for (const [bulk, make] of Object.entries(BULK)) {
    test(`mostly ${bulk} _ids, with every other type: each document in exactly one range`, async (t) => {
      const server = await startServer()
      t.after(() => server.stop())
      const uri = new MongoUri(server.rootUri, 'source-uri')
      const ids = [...Array.from({ length: 3000 }, (_, i) => make(i)), ...OTHERS]
      await withClient(server.rootUri, (c) =>
        c
          .db('d')
          .collection('c')
          .insertMany(ids.map((_id) => ({ _id })) as Document[])
      )
      const points = await splitPoints(uri, 'd.c', 4, 10_000)
      assert.equal(points.length, 3, `3 split points of ${bulk}`)
      const ranges = idRanges(points)
      // Through the line a part job reads, as the plan writes it.
      const lines = parseNamespaceLines(
        ranges.map((range) => formatLine({ database: 'd', collection: 'c', range }))
      )
      const counts = await rangeCounts(
        uri,
        lines.map((l) => ({ namespace: 'd.c', range: l.range })),
        10_000
      )
      assert.equal(
        counts.reduce((n, c) => n + c, 0),
        ids.length
      )
      assert.ok(
        counts.every((c) => c > 0),
        `no empty range: ${counts}`
      )
      const seen = await withClient(server.rootUri, async (c) => {
        const all: string[] = []
        for (const l of lines) {
          const docs = await c.db('d').collection('c').find({ _id: l.range }).toArray()
          all.push(...docs.map((d) => JSON.stringify({ v: d._id, t: typeof d._id })))
        }
        return all
      })
      assert.equal(new Set(seen).size, ids.length, 'every document once, none twice')
    })
  }
})
