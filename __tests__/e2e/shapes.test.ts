// The cost follows the data moved (issue 11): with databases named, each is dumped by its own
// `mongodump --db` piped into its own mongorestore, a few at once, and nothing else of the
// deployment is ever dumped. Through the bundle, against real servers and the real tools.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { node24, runAction, secretHits } from '../support/run-action.ts'
import { binaries, createUser, pairFor, stopAllServers, withClient } from '../support/testbed.ts'

after(stopAllServers)
const node = node24()
const APP = 'shapes-app-pw'

interface Report {
  dumped: { namespace: string; documents: number }[]
  restore: { restored: number; failed: number }
  toolRuns: { tool: string; outcome: string }[]
}

test('two of three databases: only those are dumped, each by its own pipeline', async (t) => {
  const [source, target] = await pairFor(t)
  await createUser(target, 'admin', 'app', APP, [{ role: 'readWrite', db: 'tenant1' }])
  await withClient(source.rootUri, async (c) => {
    for (const [db, docs] of [
      ['tenant1', 40],
      ['tenant2', 25],
      ['big', 500]
    ] as const) {
      for (const coll of ['a', 'b']) {
        await c
          .db(db)
          .collection(coll)
          .insertMany(Array.from({ length: docs }, (_, i) => ({ i })))
      }
    }
  })
  const inputs = {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'admin'),
    'app-privileges': 'tenant1: readWrite',
    'tools-path': binaries().toolsDir,
    databases: 'tenant1, tenant2'
  }
  const run = await runAction(inputs, { node })
  assert.equal(run.outputs['status'], 'passed', run.stdout)
  const report = run.report as unknown as Report
  // The big database was never read by mongodump: the cost is the two tenants'.
  assert.deepEqual(report.dumped.map((d) => d.namespace).sort(), [
    'tenant1.a',
    'tenant1.b',
    'tenant2.a',
    'tenant2.b'
  ])
  assert.deepEqual(report.toolRuns.map((r) => `${r.tool} ${r.outcome}`).sort(), [
    'mongodump ok',
    'mongodump ok',
    'mongorestore ok',
    'mongorestore ok'
  ])
  assert.match(run.stdout, /mongodump --config=\S+ --archive --db=tenant1 \|/)
  assert.match(run.stdout, /mongodump --config=\S+ --archive --db=tenant2 \|/)
  // Four collections: the tools' own parallelism, two insertion workers per collection.
  assert.match(run.stdout, / --numInsertionWorkersPerCollection=2\n/)
  assert.doesNotMatch(run.stdout, /--numParallelCollections/)
  // The counts of both pipelines add up, and the target holds exactly the two tenants.
  assert.deepEqual(report.restore, { restored: 130, failed: 0 })
  assert.equal(run.outputs['restored-documents'], '130')
  const onTarget = await withClient(target.rootUri, async (c) => {
    const { databases } = await c.db('admin').admin().listDatabases({ nameOnly: true })
    return databases.map((d) => d.name).filter((n) => !['admin', 'config', 'local'].includes(n))
  })
  assert.deepEqual(onTarget.sort(), ['tenant1', 'tenant2'])
  assert.deepEqual(secretHits(run, [APP]), [])
})

test('many small collections: the whole deployment in one pipeline, eight collections at once, one worker each', async (t) => {
  const [source, target] = await pairFor(t)
  await createUser(target, 'admin', 'app', APP, [{ role: 'readWrite', db: 'tenant0' }])
  const databases = Array.from({ length: 12 }, (_, i) => `tenant${i}`)
  await withClient(source.rootUri, async (c) => {
    for (const db of databases) {
      for (const coll of ['a', 'b']) {
        await c
          .db(db)
          .collection(coll)
          .insertMany(Array.from({ length: 20 }, (_, i) => ({ i })))
      }
    }
  })
  const run = await runAction(
    {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'admin'),
      'app-privileges': 'tenant0: readWrite',
      'tools-path': binaries().toolsDir
    },
    { node }
  )
  assert.equal(run.outputs['status'], 'passed', run.stdout)
  assert.match(run.stdout, /The restore will write 24 namespace\(s\)/)
  // One pipeline for the whole deployment, tuned for many small collections.
  assert.match(
    run.stdout,
    /mongodump --config=\S+ --archive --numParallelCollections=8 \| mongorestore .* --numParallelCollections=8 --numInsertionWorkersPerCollection=1\n/
  )
  const report = run.report as unknown as Report
  assert.equal(report.toolRuns.length, 2)
  assert.deepEqual(report.restore, { restored: 480, failed: 0 })
  assert.deepEqual(secretHits(run, [APP]), [])
})
