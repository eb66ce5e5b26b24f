// Issue 23: rehearsals that prove the recovery objectives. The bundle and the command line
// against real mongods and the real tools: the outputs of a rehearsal within its bounds, the
// manifest beside the action's own dumps (its age and its counts, checked exactly), a dump older
// than max-data-age, a restore slower than max-restore-duration (exit 8 on the command line),
// and a foreign dump whose age is found from its newest ObjectId or is said to be unknown.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type MongoServer,
  binaries,
  createUser,
  runTool,
  serverFor,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'
import { explain, node24, runAction, type ActionRun } from '../support/run-action.ts'
import { fakeTools } from '../support/faults.ts'
import { runCli } from '../support/run-cli.ts'
import { appTarget, tools } from '../support/inputs.ts'

after(stopAllServers)
const node = node24()
const APP = 'rpo-app:pw/7'
const MANIFEST = 'mongo-restore-guard-manifest.json'

/** appdb.orders (ObjectId _ids) and appdb.counters (numeric _ids) on a server with the app user. */
async function seeded(t: TestContext): Promise<MongoServer> {
  const server = await serverFor(t)
  await createUser(server, 'appdb', 'app', APP, ['readWrite'])
  await withClient(server.rootUri, async (c) => {
    await c
      .db('appdb')
      .collection('orders')
      .insertMany(Array.from({ length: 500 }, (_, i) => ({ n: i })))
    await c
      .db('appdb')
      .collection<{ _id: number }>('counters')
      .insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i })))
  })
  return server
}

const emptyTarget = (t: TestContext) => appTarget(t, APP)

function restoreInputs(target: MongoServer, archive: string, more: Record<string, string> = {}) {
  return {
    mode: 'restore',
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    archive,
    ...tools(),
    ...more
  }
}

function failure(run: ActionRun): { kind: string; message: string } {
  const f = run.report?.['failure'] as { kind: string; message: string } | undefined
  assert.ok(f, `the run did not fail: ${explain(run)}`)
  return f
}

const headline = (run: ActionRun) => /<h2>(.*?)<\/h2>/.exec(run.summary)?.[1] ?? ''

test('promise: a rehearsal within both bounds passes and sets the recovery outputs', async (t) => {
  const source = await seeded(t)
  const target = await emptyTarget(t)
  const before = Date.now()
  const archive = join(tempDirFor(t, 'guard-rpo-'), 'rehearsal')
  const run = await runAction(
    {
      mode: 'rehearse',
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'max-restore-duration': '30m',
      'max-data-age': '26h',
      archive,
      ...tools()
    },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  const o = run.outputs
  assert.equal(o['objectives'], 'met')
  assert.equal(o['documents-moved'], '520')
  assert.ok(Number(o['bytes-moved']) > 0, o['bytes-moved'])
  assert.ok(Number(o['restore-seconds']) > 0, o['restore-seconds'])
  assert.ok(Number(o['run-seconds']) >= Number(o['restore-seconds']), o['run-seconds'])
  assert.equal(o['data-as-of-source'], 'dump-started')
  const asOf = Date.parse(o['data-as-of'] ?? '')
  assert.ok(asOf >= before - 1000 && asOf <= Date.now(), o['data-as-of'])
  assert.ok(Number(o['data-age-seconds']) >= 0, o['data-age-seconds'])
  const recovery = run.report?.['recovery'] as {
    objectives: { objective: string; met: boolean; boundSeconds: number }[]
  }
  assert.deepEqual(
    recovery.objectives.map((x) => [x.objective, x.boundSeconds, x.met]),
    [
      ['max-restore-duration', 1800, true],
      ['max-data-age', 93600, true]
    ]
  )
  // The rehearsal's own dump carries its manifest too.
  const manifest = JSON.parse(readFileSync(join(archive, MANIFEST), 'utf8')) as {
    startedAt: string
    namespaces: unknown[]
  }
  assert.equal(manifest.startedAt, o['data-as-of'])
  assert.deepEqual(manifest.namespaces, [
    { namespace: 'appdb.counters', documents: 20 },
    { namespace: 'appdb.orders', documents: 500 }
  ])
  assert.match(run.summary, /<h3>Recovery objectives<\/h3>/)
  assert.match(run.summary, /<td>Restore time<\/td><td>[\d.]+s<\/td><td>30m<\/td><td>✅ met<\/td>/)
  assert.match(run.summary, /<td>Data age<\/td>.*<td>1d 2h<\/td><td>✅ met<\/td>/)
})

test('promise: restore checks a manifest’s counts exactly and fails a dump older than max-data-age', async (t) => {
  const source = await seeded(t)
  const dir = join(tempDirFor(t, 'guard-rpo-'), 'nightly')
  const dumped = await runAction(
    { mode: 'dump', 'source-uri': source.rootUri, archive: dir, ...tools() },
    { node }
  )
  assert.equal(dumped.exitCode, 0, explain(dumped))
  assert.equal(dumped.outputs['documents-moved'], '520')
  assert.equal(dumped.outputs['data-as-of-source'], 'dump-started')
  const file = join(dir, MANIFEST)
  const text = readFileSync(file, 'utf8')
  const manifest = JSON.parse(text) as {
    startedAt: string
    source: { version: string }
    namespaces: { namespace: string; documents: number }[]
  }
  assert.deepEqual(manifest.namespaces, [
    { namespace: 'appdb.counters', documents: 20 },
    { namespace: 'appdb.orders', documents: 500 }
  ])
  assert.match(manifest.source.version, /^\d+\.\d+\.\d+/)
  // No connection string, host or port: the manifest travels with the dump.
  for (const marker of ['127.0.0.1', 'localhost', `:${source.port}`, 'mongodb://']) {
    assert.ok(!text.includes(marker), `the manifest holds ${marker}`)
  }

  // The dump as restored three days later: its manifest says so.
  const taken = new Date(Date.now() - 3 * 86_400_000).toISOString()
  writeFileSync(file, JSON.stringify({ ...manifest, startedAt: taken }))
  const target = await emptyTarget(t)
  const old = await runAction(restoreInputs(target, dir, { 'max-data-age': '1d' }), { node })
  assert.equal(old.exitCode, 1, explain(old))
  const missed = failure(old)
  assert.equal(missed.kind, 'ObjectiveMissed')
  assert.ok(missed.message.includes(`the data is as of ${taken}`), missed.message)
  assert.match(missed.message, /3d(?: 0h)? old when the restore finished at \d{4}-\d\d-\d\dT/)
  assert.match(missed.message, /max-data-age missed by 2d/)
  // After the probes and checks: they ran and passed.
  assert.equal(old.outputs['probe-result'], 'ok')
  assert.deepEqual(old.report?.['mismatches'], [])
  assert.equal(old.outputs['data-as-of'], taken)
  assert.equal(old.outputs['data-as-of-source'], 'manifest')
  assert.equal(old.outputs['objectives'], 'missed: max-data-age')
  assert.match(headline(old), /copy is whole, but max-data-age missed by 2d.*bound 1d/)
  assert.match(old.summary, /<td>Data age<\/td><td>3d.*<td>1d<\/td><td>❌ missed<\/td>/)

  // A count the manifest holds that the files no longer do: the check is exact.
  const wrong = manifest.namespaces.map((n) =>
    n.namespace === 'appdb.orders' ? { ...n, documents: 501 } : n
  )
  writeFileSync(file, JSON.stringify({ ...manifest, namespaces: wrong }))
  const short = await runAction(restoreInputs(target, dir, { drop: 'true' }), { node })
  assert.equal(failure(short).kind, 'DataMismatch', explain(short))
  assert.match(failure(short).message, /appdb\.orders: 500 documents, expected 501/)

  // A collection the manifest lists but the dump lost: refused before anything is written.
  writeFileSync(
    file,
    JSON.stringify({
      ...manifest,
      namespaces: [...manifest.namespaces, { namespace: 'appdb.gone', documents: 3 }]
    })
  )
  const lost = await runAction(restoreInputs(target, dir, { drop: 'true' }), { node })
  assert.equal(failure(lost).kind, 'UnreadableDump', explain(lost))
  assert.match(failure(lost).message, /lacks appdb\.gone, which its manifest says were dumped/)
  assert.equal(lost.report?.['targetWritten'], false)
})

test('promise: the command line exits 8 when the restore takes longer than max-restore-duration', async (t) => {
  const source = await seeded(t)
  const target = await emptyTarget(t)
  // The real tools, the restore made slower than its bound by a pause before it starts.
  const slow = fakeTools({
    mongodump: `exec "${binaries().mongodump}" "$@"`,
    mongorestore: `sleep 2.5; exec "${binaries().mongorestore}" "$@"`
  })
  t.after(() => slow.remove())
  const env = {
    MONGODB_SOURCE_URI: source.rootUri,
    MONGODB_TARGET_URI: target.rootUri,
    MONGODB_APP_URI: target.uri('app', APP, 'appdb')
  }
  const run = await runCli(
    ['rehearse', '--max-restore-duration', '2s', '--tools-path', slow.dir],
    env
  )
  assert.equal(run.code, 8, `exit ${run.code}\n${run.stdout}\n${run.stderr}`)
  const f = run.report?.['failure'] as { kind: string; message: string }
  assert.equal(f.kind, 'ObjectiveMissed')
  assert.match(
    f.message,
    /max-restore-duration missed by [\d.]+s: the restore took [\d.]+s, the bound is 2\.0s/
  )
  assert.match(run.stdout, /mongo-restore-guard rehearse: failed \(ObjectiveMissed\), exit 8/)
  assert.match(run.stdout, /^objectives: missed: max-restore-duration$/m)
  // The probes ran and the scratch databases were still dropped.
  assert.match(run.stdout, /^probe-result: ok$/m)
  assert.equal((run.report?.['rehearsal'] as { dropped: boolean }).dropped, true)
})

test('promise: a foreign dump without a manifest says how its age was found, or that it is unknown', async (t) => {
  const source = await seeded(t)
  const dir = tempDirFor(t, 'guard-rpo-')
  const newest = await withClient(source.rootUri, async (c) => {
    const last = await c.db('appdb').collection('orders').find().sort({ _id: -1 }).limit(1).next()
    return (last?._id as { getTimestamp(): Date }).getTimestamp()
  })
  // Dumped by mongodump itself: an archive file, no manifest.
  const archive = join(dir, 'foreign.archive')
  await runTool(binaries().mongodump, source.rootUri, [`--archive=${archive}`, '--db=appdb'], dir)
  const target = await emptyTarget(t)
  const found = await runAction(restoreInputs(target, archive, { 'max-data-age': '1d' }), { node })
  assert.equal(found.exitCode, 0, explain(found))
  assert.equal(found.outputs['data-as-of-source'], 'newest-objectid')
  assert.equal(found.outputs['data-as-of'], newest.toISOString())
  assert.equal(found.outputs['objectives'], 'met')
  assert.match(
    found.summary,
    /the dump has no manifest: the newest ObjectId _id among the restored documents \(in appdb\.orders\)/
  )

  // Only numeric _ids: nothing tells the data's time, and max-data-age cannot be shown to hold.
  const numeric = join(dir, 'counters.archive')
  await runTool(
    binaries().mongodump,
    source.rootUri,
    [`--archive=${numeric}`, '--db=appdb', '--collection=counters'],
    dir
  )
  const other = await emptyTarget(t)
  const unknown = await runAction(restoreInputs(other, numeric, { 'max-data-age': '1d' }), {
    node
  })
  assert.equal(failure(unknown).kind, 'ObjectiveMissed', explain(unknown))
  assert.equal(unknown.outputs['data-as-of'], '')
  assert.equal(unknown.outputs['data-as-of-source'], 'unknown')
  assert.match(
    failure(unknown).message,
    /max-data-age cannot be shown to hold: the data's age is unknown: the dump has no manifest and no restored document has an ObjectId _id/
  )
  assert.equal(unknown.outputs['probe-result'], 'ok')
})
