// Which documents the sample reads, and in how many queries, on a real mongod: a collection no
// larger than the sample is read whole in one query, or with the other small ones of its
// database in one aggregation per side; a larger one from both ends of its _id index.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { BSON, Decimal128, Double, Long, MongoClient, ObjectId, UUID } from 'mongodb'
import { sampleWhole, serverSample } from '../../src/server/sample.ts'
import { startServer, stopAllServers, withClient } from '../support/testbed.ts'

after(stopAllServers)

test('the sample reads a small collection in one query and a large one from both ends', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())
  await withClient(server.rootUri, async (c) => {
    await c
      .db('s')
      .collection<{ _id: number }>('small')
      .insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i })))
    await c
      .db('s')
      .collection<{ _id: number }>('large')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i })))
  })
  const client = new MongoClient(server.rootUri, { monitorCommands: true })
  const finds: string[] = []
  client.on('commandStarted', (e) => {
    if (e.commandName === 'find') finds.push(String(e.command['find']))
  })
  t.after(() => client.close())
  const ids = async (name: string, documents: number) => {
    const read: number[] = []
    for await (const raw of serverSample(client.db('s').collection(name), 100, documents)) {
      read.push(BSON.deserialize(raw)['_id'] as number)
    }
    return read
  }
  assert.deepEqual(
    await ids('small', 30),
    Array.from({ length: 30 }, (_, i) => i)
  )
  assert.deepEqual(finds, ['small'])
  const large = await ids('large', 300)
  assert.deepEqual(large, [
    ...Array.from({ length: 50 }, (_, i) => i),
    ...Array.from({ length: 50 }, (_, i) => 299 - i)
  ])
  assert.deepEqual(finds, ['small', 'large', 'large'])
})

test('small collections of a database are sampled whole in one aggregation per side, byte for byte', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())
  const source = [
    { _id: 1, n: 1 },
    { _id: 2, n: new Double(-0) },
    { _id: 3, n: Long.fromNumber(3) }
  ]
  await withClient(server.rootUri, async (c) => {
    const [s, g] = [c.db('src'), c.db('dst')]
    type Doc = { _id: number; n: unknown }
    await s.collection<Doc>('a').insertMany(source)
    await g.collection<Doc>('a').insertMany(source)
    await s.collection<Doc>('b').insertMany(source)
    // On the target: _id 2 lost its -0.0 (a Double 0 is other bytes), _id 3 is missing.
    await g.collection<Doc>('b').insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 0 }
    ])
    await s.createCollection('empty')
  })
  const client = new MongoClient(server.rootUri, { monitorCommands: true })
  const commands: string[] = []
  client.on('commandStarted', (e) => commands.push(e.commandName))
  t.after(() => client.close())
  const pairs = ['a', 'b', 'empty'].map((name) => ({ source: name, target: name }))
  const outcomes = await sampleWhole(client.db('src'), client.db('dst'), pairs, 100)
  assert.deepEqual(Object.fromEntries(outcomes), {
    a: { compared: 3, differing: 0, differingIds: [], missing: 0, missingIds: [] },
    b: { compared: 3, differing: 1, differingIds: ['2'], missing: 1, missingIds: ['3'] },
    empty: { compared: 0, differing: 0, differingIds: [], missing: 0, missingIds: [] }
  })
  assert.deepEqual(commands, ['aggregate', 'aggregate'])
})

test('every kind of _id is looked up on the target and named as extended JSON', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())
  const ids: unknown[] = [
    new ObjectId('65a000000000000000000001'),
    'text',
    Long.fromNumber(2 ** 40),
    new Double(2.5),
    new Date(Date.UTC(2026, 0, 1)),
    new UUID('0e5a1b1e-0000-4000-8000-000000000001'),
    { region: 'eu', n: 1 },
    new Decimal128('1.10')
  ]
  await withClient(server.rootUri, async (c) => {
    const docs = ids.map((_id, i) => ({ _id, i }))
    await c.db('src').collection<{ _id: unknown }>('k').insertMany(docs)
    // The target lacks the last two.
    await c.db('dst').collection<{ _id: unknown }>('k').insertMany(docs.slice(0, -2))
  })
  const client = new MongoClient(server.rootUri)
  t.after(() => client.close())
  const pairs = [{ source: 'k', target: 'k' }]
  const outcome = (await sampleWhole(client.db('src'), client.db('dst'), pairs, 100)).get('k')
  assert.equal(outcome?.compared, ids.length)
  assert.equal(outcome?.differing, 0)
  assert.deepEqual(outcome?.missingIds.sort(), [
    '{"$numberDecimal":"1.10"}',
    '{"region":"eu","n":1}'
  ])
})
