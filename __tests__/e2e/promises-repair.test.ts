// The incident's own fix and the replica-set promise, through the bundle (Node 24) against real
// mongods and the real tools: repair-app-user after a real raw `mongorestore --drop` broke the
// app user (reset, and recreated with the roles recorded before the restore), and per-member
// probes after a migration into a replica set. Every run is swept for secrets by runAction.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  type MongoServer,
  binaries,
  createUser,
  pairFor,
  runTool,
  serverFor,
  startReplicaSet,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'
import { explain, node24, runAction } from '../support/run-action.ts'
import { faultyProxy, seedOrders } from '../support/faults.ts'
import { count } from '../support/observe.ts'

after(stopAllServers)
const node = node24()
const APP = 'app:Repair/pw1'
const OLD = 'old-host:pw/0'

/** One user's roles as `role@db`, sorted; undefined when it does not exist. */
async function rolesOf(server: MongoServer, db: string, user: string) {
  const info = await withClient(server.rootUri, (c) => c.db(db).command({ usersInfo: user }))
  const found = (info['users'] as { roles: { role: string; db: string }[] }[])[0]
  return found?.roles.map((r) => `${r.role}@${r.db}`).sort()
}

/**
 * What the incident did, for real: dump appdb with its users from the old host, then restore it
 * onto the target with `--drop --restoreDbUsersAndRoles`, which replaces every appdb user of the
 * target by the old host's (and removes those the old host lacks).
 */
async function rawDropRestore(t: TestContext, oldHost: MongoServer, target: MongoServer) {
  const dir = tempDirFor(t, 'guard-raw-')
  const { mongodump, mongorestore } = binaries()
  const out = join(dir, 'dump')
  await runTool(
    mongodump,
    oldHost.rootUri,
    ['--db=appdb', '--dumpDbUsersAndRoles', `--out=${out}`],
    dir
  )
  await runTool(
    mongorestore,
    target.rootUri,
    ['--drop', '--db=appdb', '--restoreDbUsersAndRoles', join(out, 'appdb')],
    dir
  )
}

/** An old host whose appdb holds one legacy document and, if given, its own app user. */
async function oldHost(t: TestContext, appPassword?: string): Promise<MongoServer> {
  const server = await serverFor(t)
  await withClient(server.rootUri, (c) => c.db('appdb').collection('legacy').insertOne({ old: 1 }))
  if (appPassword) await createUser(server, 'appdb', 'app', appPassword, ['readWrite'])
  return server
}

test('promise: repair-app-user resets the password a raw --drop restore replaced (probe mode)', async (t) => {
  const target = await serverFor(t)
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  await rawDropRestore(t, await oldHost(t, OLD), target)
  const inputs = {
    mode: 'probe',
    'app-uri': target.uri('app', APP, 'appdb'),
    'app-privileges': 'appdb: readWrite',
    'target-admin-uri': target.rootUri
  }
  // The time bomb: the restore "succeeded" and the app's next new connection is rejected.
  const broken = await runAction(inputs, { node })
  assert.equal(broken.exitCode, 1, explain(broken))
  assert.equal(broken.outputs['probe-result'], 'authentication-failed')

  const repaired = await runAction({ ...inputs, 'repair-app-user': 'true' }, { node })
  assert.equal(repaired.exitCode, 0, explain(repaired))
  assert.equal(repaired.outputs['probe-result'], 'ok')
  assert.deepEqual(repaired.report?.['repairs'], [
    { user: 'app', db: 'appdb', action: 'password-reset', roles: ['readWrite@appdb'] }
  ])
  const oldLogin = await runAction(
    { mode: 'probe', 'app-uri': target.uri('app', OLD, 'appdb') },
    { node }
  )
  assert.equal(
    oldLogin.outputs['probe-result'],
    'authentication-failed',
    "the old host's password still works"
  )
})

test('promise: repair-app-user recreates an app user removed during the restore, with the roles recorded before', async (t) => {
  const [source, target] = await pairFor(t)
  const roles = ['readWrite', { role: 'read', db: 'billing' }]
  await Promise.all([seedOrders(source, 30_000), createUser(target, 'appdb', 'app', APP, roles)])
  const old = await oldHost(t) // its appdb has no users: --drop removes the target's
  // Held while the raw restore runs, so the action is surely mid-transfer (after its baseline).
  const proxy = await faultyProxy(source.hostPort)
  t.after(() => proxy.close())
  let broke: Promise<void> | undefined
  const run = await runAction(
    {
      'source-uri': source.rootUri.replace(source.hostPort, proxy.hostPort),
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir,
      databases: 'appdb',
      'repair-app-user': 'true'
    },
    {
      node,
      onStdout: (out) => {
        if (broke || !out.includes('::group::Dump')) return
        proxy.hold()
        broke = rawDropRestore(t, old, target).finally(() => proxy.release())
      }
    }
  )
  await broke
  assert.ok(broke, 'the transfer never started')
  assert.equal(run.exitCode, 0, explain(run))
  assert.deepEqual(run.report?.['repairs'], [
    { user: 'app', db: 'appdb', action: 'created', roles: ['read@billing', 'readWrite@appdb'] }
  ])
  assert.equal(run.outputs['probe-result'], 'ok')
  assert.deepEqual(await rolesOf(target, 'appdb', 'app'), ['read@billing', 'readWrite@appdb'])
  assert.equal(await count(target, 'appdb.orders'), 30_000)
})

test(
  'promise: after a migration into a replica set, every member is probed with the app user',
  { timeout: 180_000 },
  async (t) => {
    const source = await serverFor(t)
    const rs = await startReplicaSet(2)
    t.after(() => rs.stop())
    await seedOrders(source, 2000)
    await withClient(rs.rootUri, (c) =>
      c.db('appdb').command({
        createUser: 'app',
        pwd: APP,
        roles: ['readWrite'],
        writeConcern: { w: 'majority' }
      })
    )
    const run = await runAction(
      {
        'source-uri': source.rootUri,
        'target-uri': rs.rootUri,
        'app-uri': rs.uri('app', APP, 'appdb'),
        'app-privileges': 'appdb: readWrite',
        'tools-path': binaries().toolsDir
      },
      { node }
    )
    assert.equal(run.exitCode, 0, explain(run))
    const after = (run.report?.['probes'] as { after: { status: string; member?: string }[] }).after
    const members = after.filter((p) => p.member !== undefined)
    assert.deepEqual(
      members.map((p) => p.member).sort(),
      rs.members.map((m) => m.hostPort).sort(),
      'not every member was probed'
    )
    assert.ok(
      after.every((p) => p.status === 'ok'),
      JSON.stringify(after)
    )
    for (const member of rs.members) {
      assert.match(
        run.stdout,
        new RegExp(`app@appdb on member ${member.hostPort.replace(/\./g, '\\.')}: ok`)
      )
    }
  }
)
