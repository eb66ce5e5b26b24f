// The pre-flight check against real servers: a target's emptiness costs one listDatabases and
// one listCollections per planned database that exists there, then a query per existing
// collection only; a user who may not list every database gets the same answer, one query per
// planned namespace.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { MongoClient } from 'mongodb'
import { MongoUri } from '../../src/secrets.ts'
import { checkTarget, openSides, plannedNamespaces } from '../../src/server/preflight.ts'
import { createUser, startServer, stopAllServers, withClient } from '../support/testbed.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'

after(stopAllServers)

const plan = DEFAULT_PLAN
const DATABASES = Array.from({ length: 10 }, (_, i) => `t${i}`)

/** The target's count of queries (find commands) served so far. */
const queries = (c: MongoClient) =>
  c
    .db('admin')
    .command({ serverStatus: 1 })
    .then((s) => Number(s['opcounters']['query']))

test('the target is checked for documents in the existing collections alone; a user who may not list the databases gets the same answer', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await withClient(source.rootUri, async (c) => {
    for (const db of DATABASES) {
      for (const name of ['a', 'b', 'c', 'd']) await c.db(db).collection(name).insertOne({ n: 1 })
    }
  })
  await withClient(target.rootUri, async (c) => {
    await c.db('t3').collection('c').insertOne({ mine: true })
    await c.db('t5').createCollection('a')
  })
  // Read and write on each database, nothing on the cluster: no listDatabases.
  const roles = DATABASES.map((db) => ({ role: 'readWrite', db }))
  await createUser(target, 'admin', 'narrow', 'narrow-pw', roles)
  const from = new MongoUri(source.rootUri, 'source-uri')
  const signal = new AbortController().signal

  for (const [who, uri, asked] of [
    ['root', target.rootUri, 2],
    ['a user without listDatabases', target.uri('narrow', 'narrow-pw', 'admin'), 40]
  ] as const) {
    const sides = await openSides(from, new MongoUri(uri, 'target-uri'), 5000)
    try {
      const namespaces = await plannedNamespaces(sides, plan, [])
      assert.equal(namespaces.length, 40)
      const before = await withClient(target.rootUri, queries)
      await assert.rejects(checkTarget(sides, plan, namespaces, signal), (error: Error) => {
        assert.equal(error.name, 'TargetNotEmpty', who)
        assert.match(
          error.message,
          /documents in 1 namespace\(s\) this run would restore into: t3\.c \(1 documents\)\./
        )
        return true
      })
      const after = await withClient(target.rootUri, queries)
      // root: t3.c and the empty t5.a, the only collections that exist; else every namespace.
      assert.equal(after - before, asked, who)
    } finally {
      await sides.close()
    }
  }
})
