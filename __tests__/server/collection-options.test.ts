// Each normalisation in compare-options.ts, proved against a real mongod: what the server itself
// rewrites or fills in compares equal; what changes behaviour does not. Two databases on one
// server stand for the source and the target.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BSON, MongoClient, type Db } from 'mongodb'
import {
  binaries,
  createUser,
  runTool,
  SERVER_VERSIONS,
  startServer,
  stopAllServers,
  withClient
} from '../support/testbed.ts'
import { seedSpecial, SPECIAL } from '../support/collections.ts'
import { compareOptions } from '../../src/report/compare-options.ts'
import {
  readCollections,
  readWith,
  type CollectionInfo
} from '../../src/server/collection-options.ts'
import { inspectDump } from '../../src/tools/dump-files.ts'
import { MongoUri } from '../../src/secrets.ts'

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

test("a dump's metadata (Go maps: fields in varying order, longs) compares by meaning; a reordered view stage is flagged", async (t) => {
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
    await db.createCollection('v', { viewOn: 'c', pipeline: [{ $match: { a: 1 } }] })
    // Where field order is meaning: a sort on three keys.
    await db.createCollection('sorted', {
      viewOn: 'c',
      pipeline: [{ $sort: { a: 1, b: -1, c: 1 } }]
    })
  })
  const listed = await readCollections(
    new MongoUri(server.rootUri, 'test'),
    ['one.c', 'one.v', 'one.sorted'],
    5000
  )
  const pairs = ['one.c', 'one.v', 'one.sorted'].map((ns) => ({ source: ns, target: ns }))
  const keyOrder = (info: CollectionInfo | undefined, option: string) =>
    JSON.stringify(info?.options[option])
  const sortOrders = new Set<string>()
  let collationReordered = false
  // mongodump 100.7.0 writes these options from Go maps: each dump may order fields differently
  // (the $sort in about 1 dump of 5, measured here). Dump until both reorderings were seen.
  for (let i = 0; i < 60 && (sortOrders.size < 2 || !collationReordered); i++) {
    const out = join(dir, String(i))
    await runTool(binaries().mongodump, server.rootUri, ['--db=one', `--out=${out}`], dir)
    const dump = await inspectDump(out)
    assert.equal(dump.collections.get('one.v')?.type, 'view')
    const sorted = dump.collections.get('one.sorted')
    sortOrders.add(keyOrder(sorted, 'pipeline'))
    collationReordered ||=
      keyOrder(dump.collections.get('one.c'), 'collation') !==
      keyOrder(listed.get('one.c'), 'collation')
    const reordered =
      keyOrder(sorted, 'pipeline') !== keyOrder(listed.get('one.sorted'), 'pipeline')
    // The collation, the indexes and the one-field view always compare equal; the sort only
    // when the dump kept its order.
    assert.deepEqual(
      compareOptions(pairs, dump.collections, listed).map((d) => `${d.namespace} ${d.option}`),
      reordered ? ['one.sorted pipeline'] : []
    )
  }
  // The premise, seen across the dumps: the order of these fields varies (TOOLS-3411).
  assert.ok(collationReordered, 'no dump reordered the collation')
  assert.ok(sortOrders.size > 1, `every dump kept the $sort order: ${[...sortOrders].join(' ')}`)
})

/** readWith through a client that notes the name of every command it sends. */
async function readNoting(uri: string, namespaces: string[]) {
  const client = new MongoClient(uri, { monitorCommands: true, maxPoolSize: 8 })
  const commands: string[] = []
  client.on('commandStarted', (event) => commands.push(event.commandName))
  try {
    const found = await readWith(client, namespaces)
    // The catalog keeps an index's fields in the order they were given, listIndexes puts `key`
    // and `name` first: the checks compare an index field by field, so its fields are sorted
    // here (the order inside `key`, which is meaning, is kept and compared).
    const infos = [...found.values()]
      .sort((a, b) => a.namespace.localeCompare(b.namespace))
      .map((info) => ({
        ...info,
        indexes: info.indexes.map((index) =>
          Object.fromEntries(Object.entries(index).sort(([a], [b]) => a.localeCompare(b)))
        )
      }))
    return { json: BSON.EJSON.stringify(infos, { relaxed: false }), commands }
  } finally {
    await client.close()
  }
}

// The server answers these: run on every version of the test bed.
for (const version of SERVER_VERSIONS) {
  test(`the batched read ($listCatalog once, $collStats per database) finds what listCollections, listIndexes and count find, for every kind of collection (mongod ${version})`, async (t) => {
    const server = await startServer({ version })
    t.after(() => server.stop())
    const tenants = ['tenant1.a', 'tenant1.b', 'tenant1.c', 'tenant2.a']
    await withClient(server.rootUri, async (c) => {
      await seedSpecial(c)
      // The same kinds of options in a database without views: read from the catalog alone.
      const opts = c.db('opts')
      await opts.createCollection('log', { capped: true, size: 100_000, max: 500 })
      await opts.createCollection('people', {
        validator: { $jsonSchema: { required: ['name'] } },
        validationLevel: 'moderate'
      })
      await opts.createCollection('orders', { collation: { locale: 'fr', strength: 2 } })
      await opts
        .collection('orders')
        .createIndex(
          { who: -1, i: 1 },
          { unique: true, partialFilterExpression: { i: { $gt: 10 } } }
        )
      await opts.createCollection('sessions', { clusteredIndex: { key: { _id: 1 }, unique: true } })
      for (const name of ['log', 'people', 'orders', 'sessions']) {
        await opts.collection(name).insertMany([
          { name: 'a', i: 11 },
          { name: 'b', i: 12 }
        ])
      }
      for (const [i, ns] of tenants.entries()) {
        const [db, name] = ns.split('.') as [string, string]
        await c
          .db(db)
          .collection(name)
          .insertMany(Array.from({ length: 10 + i }, (_, n) => ({ n, tag: `t${n % 3}` })))
        await c
          .db(db)
          .collection(name)
          .createIndex({ tag: 1, n: -1 }, { sparse: i % 2 === 0 })
      }
      // Everything the per-collection read needs, and nothing the batched one does: no
      // listDatabases (so no $listCatalog) and no collStats.
      await c.db('admin').command({
        createRole: 'narrow',
        privileges: [
          {
            resource: { db: '', collection: '' },
            actions: ['find', 'listCollections', 'listIndexes']
          },
          { resource: { db: '', system_buckets: '' }, actions: ['find', 'listIndexes'] }
        ],
        roles: []
      })
    })
    await createUser(server, 'admin', 'narrow', 'narrow-pw', [{ role: 'narrow', db: 'admin' }])
    const namespaces = [
      ...SPECIAL,
      ...tenants,
      'opts.log',
      'opts.people',
      'opts.orders',
      'opts.sessions'
    ]
    // A collection that does not exist is left out, by both ways of reading.
    const asked = [...namespaces, 'tenant2.absent']
    const batched = await readNoting(server.rootUri, asked)
    const single = await readNoting(server.uri('narrow', 'narrow-pw', 'admin'), asked)
    assert.equal(batched.json, single.json)
    assert.equal(JSON.parse(single.json).length, namespaces.length)
    // Batched: only appdb, which holds a view and a time-series collection, and tenant2, where
    // the catalog lacks a collection asked for, are listed; the indexes of the time-series and
    // the clustered collection alone are listed on their own (the catalog holds their buckets'
    // or none, in appdb and opts); no collection is counted alone.
    const alone = (commands: string[]) =>
      ['listCollections', 'listIndexes', 'count'].map(
        (name) => commands.filter((c) => c === name).length
      )
    assert.deepEqual(alone(batched.commands), [2, 3, 0])
    // Per collection: each database listed; every collection but the view listed and counted.
    assert.deepEqual(alone(single.commands), [4, namespaces.length - 1, namespaces.length - 1])
  })
}
