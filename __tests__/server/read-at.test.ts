// Reading the source as of a cluster time T (src/server/read-at.ts): the counts of
// readCollections and the sampled documents are those of T, not of now, on a real replica set.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { Timestamp } from 'mongodb'
import { readCollections } from '../../src/server/collection-options.ts'
import { withSessionAt } from '../../src/server/read-at.ts'
import { serverSample } from '../../src/server/sample.ts'
import { MongoUri } from '../../src/secrets.ts'
import { startReplicaSet, stopAllServers, withClient } from '../support/testbed.ts'

after(stopAllServers)

test('counts and the sample read at T see the source as it was at T', async (t) => {
  const rs = await startReplicaSet(1)
  t.after(() => rs.stop())
  const T = await withClient(rs.rootUri, async (c) => {
    const items = c.db('appdb').collection('items')
    await items.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, v: 'then' })) as never[])
    const { operationTime } = await c.db('appdb').command({ ping: 1 })
    await items.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: 10 + i })) as never[])
    await items.updateMany({}, { $set: { v: 'now' } })
    return operationTime as Timestamp
  })
  const uri = new MongoUri(rs.rootUri, 'source-uri')
  const now = await readCollections(uri, ['appdb.items'], 5000)
  const atT = await readCollections(uri, ['appdb.items'], 5000, T)
  assert.equal(now.get('appdb.items')?.documents, 15)
  assert.equal(atT.get('appdb.items')?.documents, 10)
  const values = await withClient(rs.rootUri, (c) =>
    withSessionAt(c, T, async (session) => {
      const out: string[] = []
      const docs = serverSample(c.db('appdb').collection('items'), 'all', undefined, {}, session)
      for await (const raw of docs)
        out.push(Buffer.from(raw).toString('latin1').includes('then') ? 'then' : 'now')
      return out
    })
  )
  assert.deepEqual(values, Array(10).fill('then'))
})
