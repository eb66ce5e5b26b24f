// End to end: the bundle run as a runner runs it, against real mongods with auth on and the
// real mongodump/mongorestore, under Node 20 and Node 24.
import { after, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, existsSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type MongoServer,
  binaries,
  createUser,
  pairFor,
  stopAllServers,
  withClient,
  withLogsOnFailure
} from '../support/testbed.ts'
import {
  type ActionRun,
  allRuns,
  credentialsIn,
  explain,
  node24,
  nodeRuntimes,
  runAction,
  secretHits
} from '../support/run-action.ts'

after(stopAllServers)

const ORDERS = 2000
// Passwords with characters that need URL-encoding, so every form of them is searched for.
const A = 'src-A:p@ss/1%'
const B = 'tgt-B:p@ss/2#'
const LEGACY = 'legacy-L:p@ss/3'

interface Incident {
  source: MongoServer
  target: MongoServer
  inputs: Record<string, string>
  secrets: string[]
}

/** The incident: source has app/A and legacy, target has app/B, which the app's string holds. */
async function incident(
  t: TestContext,
  targetApp: { password: string; roles: string[] } | null = { password: B, roles: ['readWrite'] }
): Promise<Incident> {
  const [source, target] = await pairFor(t)
  await createUser(source, 'appdb', 'app', A, ['readWrite'])
  await createUser(source, 'appdb', 'legacy', LEGACY, ['readWrite'])
  await withClient(source.rootUri, async (c) => {
    const orders = c.db('appdb').collection<{ _id: number }>('orders')
    await orders.insertMany(
      Array.from({ length: ORDERS }, (_, i) => ({ _id: i, customer: `c${i % 50}`, total: i }))
    )
    await orders.createIndex({ customer: 1 })
  })
  if (targetApp) await createUser(target, 'appdb', 'app', targetApp.password, targetApp.roles)
  return {
    source,
    target,
    inputs: {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', B, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir
    },
    secrets: [
      A,
      B,
      LEGACY,
      source.rootPassword,
      target.rootPassword,
      source.rootUri,
      target.rootUri
    ]
  }
}

/** A brand-new connection: the error code it fails with, or 'ok'. */
async function login(uri: string): Promise<number | 'ok'> {
  try {
    await withClient(uri, (c) => c.db('admin').command({ connectionStatus: 1 }))
    return 'ok'
  } catch (error) {
    return (error as { code?: number }).code ?? -1
  }
}

async function users(server: MongoServer): Promise<string> {
  return withClient(server.rootUri, async (c) => {
    const info = await c
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    return JSON.stringify(
      (info['users'] as { _id: string }[]).sort((a, b) => a._id.localeCompare(b._id))
    )
  })
}

async function orderCount(server: MongoServer): Promise<number> {
  return withClient(server.rootUri, (c) => c.db('appdb').collection('orders').countDocuments())
}

function assertClean(run: ActionRun, fixture: Incident): void {
  assert.deepEqual(secretHits(run, fixture.secrets), [], 'a secret reached the output')
  const configs = [...run.leftovers.keys()].filter(
    (f) => !f.endsWith('mongo-restore-guard-report.json')
  )
  assert.deepEqual(configs, [], 'files were left in RUNNER_TEMP')
}

test(`test bed: mongod ${binaries().mongodVersion}, tools ${binaries().toolsVersion}`, () => {
  assert.match(binaries().toolsVersion, /^100\./)
})

for (const runtime of nodeRuntimes()) {
  describe(`under ${runtime.name}`, () => {
    test('the incident setup: the guarded migration passes and the target keeps its users', async (t) => {
      const fx = await incident(t)
      const usersBefore = await users(fx.target)
      const run = await withLogsOnFailure([fx.source, fx.target], () =>
        runAction(fx.inputs, { node: runtime.bin })
      )
      assert.equal(run.exitCode, 0, explain(run))
      assert.equal(run.outputs['status'], 'passed')
      assert.equal(run.outputs['probe-result'], 'ok')
      assert.equal(run.outputs['restored-documents'], String(ORDERS))
      assert.equal(run.outputs['failed-documents'], '0')
      assert.equal(await orderCount(fx.target), ORDERS)
      assert.equal(await login(fx.target.uri('app', B, 'appdb')), 'ok')
      assert.notEqual(
        await login(fx.target.uri('legacy', LEGACY, 'appdb')),
        'ok',
        'the source-only user reached the target'
      )
      assert.notEqual(
        await login(fx.target.uri('app', A, 'appdb')),
        'ok',
        "the source's password works on the target"
      )
      assert.equal(await users(fx.target), usersBefore, "the target's users changed")
      assert.match(run.stdout, /--nsExclude=admin\.\*/)
      assert.match(run.summary, /Cold-connection probes/)
      assert.equal((run.report?.['probes'] as { after: unknown[] }).after.length, 1)
      assertClean(run, fx)
    })

    test('an app user already broken before: "already rejected", nothing restored', async (t) => {
      const fx = await incident(t, { password: 'not-what-the-app-has', roles: ['readWrite'] })
      const run = await runAction(fx.inputs, { node: runtime.bin })
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(run.outputs['probe-result'], 'authentication-failed')
      assert.match(run.stdout, /already rejected before the restore/)
      assert.equal(await orderCount(fx.target), 0)
      assertClean(run, fx)
    })
  })
}

describe('failures (Node 24, the action runtime)', () => {
  const node = node24()

  test('a missing app user is user-not-found', async (t) => {
    const fx = await incident(t, null)
    const run = await runAction(fx.inputs, { node })
    assert.equal(run.exitCode, 1, explain(run))
    assert.equal(run.outputs['probe-result'], 'user-not-found')
    assert.equal(await orderCount(fx.target), 0)
  })

  test('read where readWrite is needed: unauthorized, naming the missing actions', async (t) => {
    const fx = await incident(t, { password: B, roles: ['read'] })
    const run = await runAction(fx.inputs, { node })
    assert.equal(run.exitCode, 1, explain(run))
    assert.equal(run.outputs['probe-result'], 'unauthorized')
    assert.match(run.stdout, /lacks appdb: .*insert/)
    assert.equal(await orderCount(fx.target), 0)
    assertClean(run, fx)
  })

  test('duplicate keys: the partial restore fails the step and reports the count', async (t) => {
    const fx = await incident(t)
    await withClient(fx.target.rootUri, (c) =>
      c
        .db('appdb')
        .collection<{ _id: number }>('orders')
        .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }])
    )
    // The target already holds documents: merging into them must be asked for.
    const run = await runAction({ ...fx.inputs, 'allow-merge': 'true' }, { node })
    assert.equal(run.exitCode, 1, explain(run))
    assert.equal(run.outputs['failed-documents'], '3')
    assert.equal(run.outputs['restored-documents'], String(ORDERS - 3))
    assert.match(run.stdout, /3 document\(s\) failed to restore/)
    assert.equal((run.report?.['failure'] as { kind: string }).kind, 'PartialRestore')
    assertClean(run, fx)
  })

  test('archive file with gzip: dump then restore, no credential in any argv while the tools run', async (t) => {
    const fx = await incident(t)
    const dir = mkdtempSync(join(tmpdir(), 'guard-archive-'))
    const argvs: string[] = []
    const watch = setInterval(() => argvs.push(...toolArgvs()), 10)
    try {
      const run = await runAction(
        { ...fx.inputs, archive: join(dir, 'a.archive'), gzip: 'true' },
        { node }
      )
      assert.equal(run.exitCode, 0, explain(run))
      assert.equal(run.outputs['restored-documents'], String(ORDERS))
      assert.ok(existsSync(join(dir, 'a.archive')))
      assertClean(run, fx)
    } finally {
      clearInterval(watch)
      rmSync(dir, { recursive: true, force: true })
    }
    assert.ok(
      argvs.some((a) => a.includes('mongorestore')),
      'never saw the tools run'
    )
    const leaks = argvs.filter((a) =>
      fx.secrets.some((s) => a.includes(s) || a.includes(encodeURIComponent(s)))
    )
    assert.deepEqual(leaks, [])
  })

  const refusals: [string, Record<string, string>][] = [
    ['--restoreDbUsersAndRoles', { 'mongorestore-options': '--restoreDbUsersAndRoles' }],
    ['--oplogReplay', { 'mongorestore-options': '--oplogReplay' }],
    ['restoring into admin', { databases: 'appdb, admin' }],
    ['an include of admin', { 'mongorestore-options': '--nsInclude=admin.*' }],
    ['a rename into admin', { 'ns-from': 'appdb.$c$', 'ns-to': 'admin.$c$' }],
    ['a rename out of admin', { 'ns-from': 'admin.$c$', 'ns-to': 'copy.$c$' }]
  ]
  test('every forbidden option is refused before anything is written', async (t) => {
    const fx = await incident(t)
    const usersBefore = await users(fx.target)
    const cases = [
      ...refusals,
      ['a target that is the source', { 'target-uri': fx.source.rootUri }] as [
        string,
        Record<string, string>
      ]
    ]
    for (const [name, extra] of cases) {
      const run = await runAction({ ...fx.inputs, ...extra }, { node })
      assert.equal(run.exitCode, 1, `${name}: ${explain(run)}`)
      assert.match(run.stdout, /Refused/, name)
      assert.equal((run.report?.['failure'] as { kind: string }).kind, 'ForbiddenOption', name)
      assert.equal(run.report?.['targetWritten'], false, name)
      assertClean(run, fx)
    }
    assert.equal(await orderCount(fx.target), 0)
    assert.equal(await users(fx.target), usersBefore)
  })
})

test('secret sweep: no password or connection string in anything any run left', () => {
  const secrets = [
    ...new Set([A, B, LEGACY, ...allRuns.flatMap((run) => credentialsIn(run.inputs))])
  ]
  assert.ok(allRuns.length >= 10, `only ${allRuns.length} runs were recorded`)
  for (const run of allRuns) assert.deepEqual(secretHits(run, secrets), [], explain(run))
})

/** The command lines of running mongodump/mongorestore processes, read from /proc. */
function toolArgvs(): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
      if (/mongo(dump|restore)/.test(argv)) found.push(argv)
    } catch {
      // the process ended while we looked
    }
  }
  return found
}
