// Issue 4's deeper checks through the bundle (Node 24): the users drift check, per-member
// probes on a replica set, and the opt-in repair of the app user.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  binaries,
  createUser,
  startReplicaSet,
  startServer,
  stopAllServers,
  type MongoServer,
  withClient
} from '../support/testbed.ts'
import { nodeRuntimes, runAction, type ActionRun } from '../support/run-action.ts'

after(stopAllServers)
const node = nodeRuntimes()[1]!.bin
const APP = 'app:pw/1'

/** Every user but `except`, with credentials, as one string. */
async function otherUsers(server: MongoServer, except: string): Promise<string> {
  return withClient(server.rootUri, async (c) => {
    const info = await c
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    const users = (info['users'] as { _id: string }[]).filter((u) => u._id !== except)
    return JSON.stringify(users.sort((a, b) => a._id.localeCompare(b._id)))
  })
}

function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`
}

const failure = (run: ActionRun) =>
  run.report?.['failure'] as { kind: string; message: string } | undefined

test('the drift check passes a guarded run and catches a user changed during the restore', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  await createUser(target, 'appdb', 'reporting', 'r-pass', ['read'])
  await withClient(source.rootUri, (c) =>
    c
      .db('appdb')
      .collection('events')
      .insertMany(Array.from({ length: 50_000 }, (_, i) => ({ i, pad: 'x'.repeat(100) })))
  )
  const inputs = {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    'tools-path': binaries().toolsDir,
    drop: 'true'
  }
  const clean = await runAction(inputs, { node })
  assert.equal(clean.exitCode, 0, explain(clean))
  assert.deepEqual(clean.report?.['users'], {
    checked: true,
    drift: { appeared: [], disappeared: [], changed: [] },
    count: 3
  })

  // What a raw restore does to a user, done while the action's restore runs.
  let changed: Promise<unknown> | undefined
  const drifted = await runAction(inputs, {
    node,
    onStdout: (out) => {
      if (!changed && out.includes('::group::Dump')) {
        changed = withClient(target.rootUri, (c) =>
          c.db('appdb').command({ updateUser: 'reporting', pwd: 'replaced' })
        )
      }
    }
  })
  await changed
  assert.ok(changed, 'the restore phase never started')
  assert.equal(drifted.exitCode, 1, explain(drifted))
  assert.equal(failure(drifted)?.kind, 'UsersDrifted')
  assert.match(failure(drifted)?.message ?? '', /appdb\.reporting \(credentials\) changed/)
  assert.doesNotMatch(
    drifted.stdout + JSON.stringify(drifted.report),
    /storedKey|serverKey|replaced/
  )
})

test(
  'a replica-set member that lacks the app user fails the probe, named',
  { timeout: 120_000 },
  async (t) => {
    const rs = await startReplicaSet(2)
    t.after(() => rs.stop())
    const [, secondary] = rs.members as [MongoServer, MongoServer]
    const failPoint = (mode: 'alwaysOn' | 'off') =>
      withClient(secondary.rootUri, (c) =>
        c.db('admin').command({ configureFailPoint: 'rsSyncApplyStop', mode })
      )
    // The secondary stops applying the oplog, so the user created next exists only on the primary.
    await failPoint('alwaysOn')
    try {
      await withClient(rs.rootUri, (c) =>
        c
          .db('appdb')
          .command({ createUser: 'app', pwd: APP, roles: ['readWrite'], writeConcern: { w: 1 } })
      )
      const run = await runAction(
        { mode: 'probe', 'app-uri': rs.uri('app', APP, 'appdb') },
        { node }
      )
      assert.equal(run.exitCode, 1, explain(run))
      const probes = (run.report?.['probes'] as { after: { status: string; member?: string }[] })
        .after
      const onSecondary = probes.find((p) => p.member === secondary.hostPort)
      assert.ok(
        onSecondary && ['user-not-found', 'authentication-failed'].includes(onSecondary.status),
        JSON.stringify(probes)
      )
      assert.equal(probes[0]?.status, 'ok', 'the app itself (the primary) logs in')
      assert.match(run.stdout, new RegExp(`on member ${secondary.hostPort.replace(/\./g, '\\.')}`))
    } finally {
      await failPoint('off')
    }
  }
)

test('repair-app-user turns a failing probe into a passing one and touches no other user', async (t) => {
  const target = await startServer()
  t.after(() => target.stop())
  await createUser(target, 'appdb', 'app', 'what-someone-set', ['readWrite'])
  await createUser(target, 'appdb', 'reporting', 'r-pass', ['read'])
  await createUser(target, 'admin', 'ops', 'o-pass', ['readAnyDatabase'])
  const othersBefore = await otherUsers(target, 'appdb.app')
  const inputs = {
    mode: 'probe',
    'app-uri': target.uri('app', APP, 'appdb'),
    'target-admin-uri': target.rootUri
  }

  const without = await runAction(inputs, { node })
  assert.equal(without.exitCode, 1, 'the probe must fail before the repair')
  assert.equal(without.outputs['probe-result'], 'authentication-failed')

  const repaired = await runAction({ ...inputs, 'repair-app-user': 'true' }, { node })
  assert.equal(repaired.exitCode, 0, explain(repaired))
  assert.equal(repaired.outputs['probe-result'], 'ok')
  assert.deepEqual(repaired.report?.['repairs'], [
    { user: 'app', db: 'appdb', action: 'password-reset', roles: ['readWrite@appdb'] }
  ])
  assert.match(repaired.stdout, /Repaired app@appdb: password-reset/)
  assert.equal(await otherUsers(target, 'appdb.app'), othersBefore, 'another user changed')
})
