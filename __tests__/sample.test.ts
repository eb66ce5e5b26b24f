// Which documents the sample reads from the source, and in how many queries, on a real mongod:
// a collection no larger than the sample is read whole in one query; a larger one from both
// ends of its _id index.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { BSON, MongoClient } from 'mongodb'
import { serverSample } from '../src/server/sample.ts'
import { startServer, stopAllServers, withClient } from './support/testbed.ts'

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
