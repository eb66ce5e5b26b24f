// admin.tempusers / admin.temproles on a real mongod: counted (never read) with a user that may
// read admin; skipped with the reason for one that may not.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createUser, startServer, stopAllServers, withClient } from '../support/testbed.ts'
import { findLeftovers } from '../../src/server/leftovers.ts'
import { MongoUri } from '../../src/secrets.ts'

after(stopAllServers)

test('leftovers of an interrupted restore are counted, or skipped with the reason', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())
  const root = new MongoUri(server.rootUri, 'target-admin-uri')
  assert.deepEqual(await findLeftovers(root, 5000), {
    checked: true,
    reason: undefined,
    tempusers: 0,
    temproles: 0
  })
  await withClient(server.rootUri, async (c) => {
    await c
      .db('admin')
      .collection('tempusers')
      .insertMany([{ user: 'a' }, { user: 'b' }])
    await c.db('admin').collection('temproles').insertOne({ role: 'r' })
  })
  assert.deepEqual(await findLeftovers(root, 5000), {
    checked: true,
    reason: undefined,
    tempusers: 2,
    temproles: 1
  })
  await createUser(server, 'appdb', 'limited', 'limited-pw', ['readWrite'])
  const limited = new MongoUri(server.uri('limited', 'limited-pw', 'appdb'), 'target-uri')
  const skipped = await findLeftovers(limited, 5000)
  assert.equal(skipped.checked, false)
  assert.equal(skipped.reason, 'target-uri may not read the admin database')
})
