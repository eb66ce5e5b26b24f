// Each normalisation in compare-options.ts, proved against a real mongod: what the server itself
// rewrites or fills in compares equal; what changes behaviour does not. Two databases on one
// server stand for the source and the target.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BSON, type Db } from 'mongodb'
import { binaries, runTool, startServer, stopAllServers, withClient } from './support/testbed.ts'
import { compareOptions } from '../src/report/compare-options.ts'
import { readCollections } from '../src/server/collection-options.ts'
import { inspectDump } from '../src/tools/dump-files.ts'
import { MongoUri } from '../src/secrets.ts'

after(stopAllServers)

/** Creates `c` in databases one and two with each side's options; returns the differences. */
async function differences(
  server: { rootUri: string },
  one: (db: Db) => Promise<unknown>,
  two: (db: Db) => Promise<unknown>
) {
  await withClient(server.rootUri, async (client) => {
    for (const name of ['one', 'two']) await client.db(name).dropDatabase()
    await one(client.db('one'))
    await two(client.db('two'))
  })
  const uri = new MongoUri(server.rootUri, 'test')
  const found = await readCollections(uri, ['one.c', 'two.c'], 5000)
  return compareOptions([{ source: 'one.c', target: 'two.c' }], found, found)
}

test('what the server rewrites compares equal; what changes behaviour does not', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())

  // Collation: the server fills in every default field, so a short spec equals the long one.
  assert.deepEqual(
    await differences(
      server,
      (db) => db.createCollection('c', { collation: { locale: 'fr' } }),
      (db) =>
        db.createCollection('c', { collation: { locale: 'fr', strength: 3, caseLevel: false } })
    ),
    []
  )
  const strength = await differences(
    server,
    (db) => db.createCollection('c', { collation: { locale: 'fr' } }),
    (db) => db.createCollection('c', { collation: { locale: 'fr', strength: 2 } })
  )
  assert.deepEqual(
    strength.map((d) => [d.option, d.source, d.target]),
    [
      ['collation.strength', '3', '2'],
      // The _id index takes the collection's collation.
      ['index _id_.collation.strength', '3', '2']
    ]
  )

  // Capped size: rounded up to a multiple of 256 when stored, on both sides alike.
  assert.deepEqual(
    await differences(
      server,
      (db) => db.createCollection('c', { capped: true, size: 5000 }),
      (db) => db.createCollection('c', { capped: true, size: 5100 })
    ),
    []
  )
  const sizes = await differences(
    server,
    (db) => db.createCollection('c', { capped: true, size: 4000 }),
    (db) => db.createCollection('c', { capped: true, size: 5000 })
  )
  assert.deepEqual(
    sizes.map((d) => [d.option, d.source, d.target]),
    [['size', '4096', '5120']]
  )

  // Numbers: a TTL sent as int or as long is the same TTL.
  assert.deepEqual(
    await differences(
      server,
      (db) =>
        db.createCollection('c', {
          clusteredIndex: { key: { _id: 1 }, unique: true },
          expireAfterSeconds: new BSON.Int32(3600) as unknown as number
        }),
      (db) =>
        db.createCollection('c', {
          clusteredIndex: { key: { _id: 1 }, unique: true },
          expireAfterSeconds: new BSON.Long(3600) as unknown as number
        })
    ),
    []
  )

  // Validator defaults: no level or action behaves as strict/error (an invalid insert fails).
  assert.deepEqual(
    await differences(
      server,
      (db) =>
        db.createCollection('c', {
          validator: { a: { $type: 'int' } },
          validationLevel: 'strict',
          validationAction: 'error'
        }),
      (db) => db.createCollection('c', { validator: { a: { $type: 'int' } } })
    ),
    []
  )
  await withClient(server.rootUri, async (client) => {
    await assert.rejects(client.db('two').collection('c').insertOne({ a: 'text' }), /validation/i)
  })
  const warn = await differences(
    server,
    (db) => db.createCollection('c', { validator: { a: { $type: 'int' } } }),
    (db) =>
      db.createCollection('c', { validator: { a: { $type: 'int' } }, validationAction: 'warn' })
  )
  assert.deepEqual(
    warn.map((d) => [d.option, d.source, d.target]),
    [['validationAction', '"error"', '"warn"']]
  )

  // Index key order is meaning.
  const keys = await differences(
    server,
    (db) => db.collection('c').createIndex({ a: 1, b: -1 }, { name: 'ab' }),
    (db) => db.collection('c').createIndex({ b: -1, a: 1 }, { name: 'ab' })
  )
  assert.deepEqual(
    keys.map((d) => d.option),
    ['index ab.key']
  )
})

test("a dump's metadata (written from Go maps, other key order, longs) equals what the server lists", async (t) => {
  const server = await startServer()
  const dir = mkdtempSync(join(tmpdir(), 'options-dump-'))
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true })
    await server.stop()
  })
  await withClient(server.rootUri, async (client) => {
    const db = client.db('one')
    await db.createCollection('c', { collation: { locale: 'fr', strength: 2 } })
    await db.collection('c').createIndex({ b: -1, a: 1 }, { sparse: true })
    await db.collection('c').createIndex({ at: 1 }, { expireAfterSeconds: 60 })
    await db.createCollection('v', { viewOn: 'c', pipeline: [{ $project: { z: 1, a: 1 } }] })
  })
  await runTool(binaries().mongodump, server.rootUri, ['--db=one', `--out=${dir}`], dir)
  const dump = await inspectDump(dir)
  const listed = await readCollections(
    new MongoUri(server.rootUri, 'test'),
    ['one.c', 'one.v'],
    5000
  )
  const dumped = dump.collections.get('one.c')?.options['collation'] as Record<string, unknown>
  const live = listed.get('one.c')?.options['collation'] as Record<string, unknown>
  // The premise: the metadata lists the collation's fields in another order than the server.
  assert.notDeepEqual(Object.keys(dumped), Object.keys(live))
  const pairs = ['one.c', 'one.v'].map((ns) => ({ source: ns, target: ns }))
  assert.deepEqual(compareOptions(pairs, dump.collections, listed), [])
  assert.equal(dump.collections.get('one.v')?.type, 'view')
})
