// README promises about what moves, run through the bundle (Node 24) against real mongods and
// the real tools: a merge verified "at least", rehearse onto another deployment, `databases`,
// `allow-failed-documents`, several `app-uri` lines and `report-path`. Every run is swept for
// secrets by runAction.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type MongoServer,
  createUser,
  serverFor,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'
import { type ActionRun, explain, node24, runAction } from '../support/run-action.ts'
import { seedOrders } from '../support/faults.ts'
import { count, databaseNames, state } from '../support/observe.ts'
import { MANIFEST_FILE } from '../../src/tools/manifest.ts'
import { appTarget, migrateInputs as migration, tools } from '../support/inputs.ts'

after(stopAllServers)
const node = node24()
const APP = 'app:Pr0mise/pw'

/** A source with appdb.orders (1000), billing.invoices (300) and other.things (20). */
async function source(t: TestContext): Promise<MongoServer> {
  const server = await serverFor(t)
  await seedOrders(server, 1000)
  await withClient(server.rootUri, async (c) => {
    await c
      .db('billing')
      .collection('invoices')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ no: i })))
    await c
      .db('other')
      .collection('things')
      .insertMany(Array.from({ length: 20 }, (_, i) => ({ t: i })))
  })
  return server
}

/** A target with the app user (readWrite on appdb) and nothing else. */
const target = (t: TestContext) => appTarget(t, APP)

const migrateInputs = (from: MongoServer, to: MongoServer) => migration(from.rootUri, to, APP)

const failure = (run: ActionRun) =>
  run.report?.['failure'] as { kind: string; message: string } | undefined

function tempDir(t: TestContext): string {
  const dir = tempDirFor(t, 'guard-promises-')
  return dir
}

/** The user namespaces of a state, with counts (its last line is the users). */
const namespaces = (s: string) =>
  s
    .split('\n')
    .slice(0, -1)
    .filter((line) => !line.startsWith('admin.'))

test('promise: a merge (allow-merge) into a collection that holds other documents passes, counted "at least"', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  await withClient(to.rootUri, (c) =>
    c
      .db('appdb')
      .collection<{ _id: string }>('orders')
      .insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `mine-${i}` })))
  )
  const run = await runAction(
    { ...migrateInputs(from, to), databases: 'appdb', 'allow-merge': 'true' },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  assert.equal(run.outputs['restored-documents'], '1000')
  assert.deepEqual(run.report?.['mismatches'], [])
  assert.equal(await count(to, 'appdb.orders'), 1050, "the target's own documents are kept")
  const mine = await withClient(to.rootUri, (c) =>
    c
      .db('appdb')
      .collection<{ _id: string }>('orders')
      .countDocuments({ _id: { $regex: /^mine-/ } })
  )
  assert.equal(mine, 50)
})

test('promise: rehearse onto another deployment keeps the real names, then drops them; nothing else changes', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  await withClient(to.rootUri, (c) => c.db('keepme').collection('notes').insertOne({ n: 1 }))
  const before = await state(to)
  const run = await runAction(
    { ...migrateInputs(from, to), mode: 'rehearse', databases: 'appdb, billing' },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  assert.deepEqual(run.report?.['rehearsal'], { databases: ['appdb', 'billing'], dropped: true })
  assert.equal(run.outputs['restored-documents'], '1300')
  assert.deepEqual(run.report?.['mismatches'], [], 'the scratch databases were verified')
  const phases = (run.report?.['phases'] as { name: string; status: string }[]).map((p) => p.name)
  assert.ok(phases.includes('Drop the scratch databases'), phases.join())
  assert.deepEqual(await databaseNames(to), ['keepme'], 'a rehearsal database is still there')
  assert.equal(await state(to), before, 'the rehearsal changed something else on the target')
})

test('promise: databases, one streamed: only that database moves', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  const run = await runAction(
    { ...migrateInputs(from, to), databases: 'billing', 'app-privileges': '' },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  assert.deepEqual(namespaces(await state(to)), ['billing.invoices:300'])
  assert.equal(run.outputs['restored-documents'], '300')
})

test('promise: databases, several streamed: only those move', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  const run = await runAction({ ...migrateInputs(from, to), databases: 'appdb\nbilling' }, { node })
  assert.equal(run.exitCode, 0, explain(run))
  assert.deepEqual(namespaces(await state(to)), ['appdb.orders:1000', 'billing.invoices:300'])
  assert.deepEqual(run.report?.['mismatches'], [])
})

test('promise: databases, one dump per database to disk (dump, then restore): only those move', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  const dir = join(tempDir(t), 'dump')
  const dumped = await runAction(
    {
      mode: 'dump',
      'source-uri': from.rootUri,
      archive: dir,
      databases: 'appdb,other',
      ...tools()
    },
    { node }
  )
  assert.equal(dumped.exitCode, 0, explain(dumped))
  assert.deepEqual(
    readdirSync(dir).sort(),
    ['appdb', MANIFEST_FILE, 'other'],
    'one dump per named database, beside the manifest'
  )
  const restored = await runAction(
    {
      mode: 'restore',
      'target-uri': to.rootUri,
      'app-uri': to.uri('app', APP, 'appdb'),
      archive: dir,
      ...tools()
    },
    { node }
  )
  assert.equal(restored.exitCode, 0, explain(restored))
  assert.deepEqual(namespaces(await state(to)), ['appdb.orders:1000', 'other.things:20'])
})

test('promise: allow-failed-documents: true passes a run with failed documents, and the outputs count them', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  // The target already holds exact copies of ten source documents: their inserts fail as
  // duplicates, and what the target keeps is what the source has (the sample agrees).
  const first10 = await withClient(from.rootUri, (c) =>
    c.db('appdb').collection('orders').find().sort({ _id: 1 }).limit(10).toArray()
  )
  const conflicting = () =>
    withClient(to.rootUri, async (c) => {
      const orders = c.db('appdb').collection('orders')
      await orders.deleteMany({})
      await orders.insertMany(first10)
    })
  const inputs = { ...migrateInputs(from, to), databases: 'appdb', 'allow-merge': 'true' }
  await conflicting()
  const strict = await runAction(inputs, { node })
  assert.equal(strict.exitCode, 1, explain(strict))
  assert.equal(failure(strict)?.kind, 'PartialRestore')
  await conflicting()
  const allowed = await runAction({ ...inputs, 'allow-failed-documents': 'true' }, { node })
  assert.equal(allowed.exitCode, 0, explain(allowed))
  assert.equal(allowed.outputs['status'], 'passed')
  assert.equal(allowed.outputs['failed-documents'], '10')
  assert.equal(allowed.outputs['restored-documents'], '990')
  assert.equal(await count(to, 'appdb.orders'), 1000)
})

test('promise: several app-uri lines are each probed; a broken second app fails the step, named', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  await createUser(to, 'appdb', 'reporting', 'rep:pw/2', ['read'])
  const apps = (reportingPassword: string) =>
    `${to.uri('app', APP, 'appdb')}\n${to.uri('reporting', reportingPassword, 'appdb')}`
  const inputs = { ...migrateInputs(from, to), databases: 'appdb', 'app-privileges': 'appdb: find' }
  const both = await runAction({ ...inputs, 'app-uri': apps('rep:pw/2') }, { node })
  assert.equal(both.exitCode, 0, explain(both))
  const probes = both.report?.['probes'] as Record<'before' | 'after', { user: string }[]>
  assert.deepEqual(
    probes.before.map((p) => p.user),
    ['app', 'reporting']
  )
  assert.deepEqual(
    probes.after.map((p) => p.user),
    ['app', 'reporting']
  )

  const broken = await runAction(
    { ...inputs, 'app-uri': apps('wrong-reporting-pw'), drop: 'true' },
    { node }
  )
  assert.equal(broken.exitCode, 1, explain(broken))
  assert.equal(failure(broken)?.kind, 'AlreadyRejected')
  assert.match(failure(broken)?.message ?? '', /reporting@appdb/)
  assert.doesNotMatch(failure(broken)?.message ?? '', /app@appdb/, 'the working app is not blamed')
  assert.equal(broken.outputs['probe-result'], 'authentication-failed')
})

test('promise: report-path: the JSON report is written there, and the output names it', async (t) => {
  const [from, to] = await Promise.all([source(t), target(t)])
  const reportPath = join(tempDir(t), 'reports', 'restore.json')
  const run = await runAction(
    { ...migrateInputs(from, to), databases: 'appdb', 'report-path': reportPath },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  assert.equal(run.outputs['report-path'], reportPath)
  assert.ok(existsSync(reportPath), 'no report at report-path')
  const report = JSON.parse(readFileSync(reportPath, 'utf8'))
  assert.equal(report.status, 'passed')
  assert.equal(report.mode, 'migrate')
  assert.deepEqual([...run.leftovers.keys()], [], 'a report was also written to RUNNER_TEMP')
})
