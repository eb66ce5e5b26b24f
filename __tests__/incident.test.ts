// Reproduces the incident with the real tools: a whole-deployment dump restored into another
// deployment rewrites its users, and only a brand-new connection shows it. Also shows the fix
// (exclude admin.* and legacy system.users/roles) keeps the target's users untouched.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient, MongoServerError, type Document } from 'mongodb'
import {
  binaries,
  createUser,
  resolveBinaries,
  startServer,
  stopAllServers,
  withLogsOnFailure,
  type MongoServer,
  withClient,
  runTool
} from './support/testbed.ts'

const PASSWORD_A = 'src-A@:/%pass' // the app's password on the source
const PASSWORD_B = 'tgt-B@:/%pass' // the app's password on the target
const LEGACY_PASSWORD = 'legacy@:/%pass'
const ORDERS = [
  { orderNo: 1, item: 'tea' },
  { orderNo: 2, item: 'milk' },
  { orderNo: 3, item: 'sugar' }
]
const CLIENT_OPTS = { maxPoolSize: 1, serverSelectionTimeoutMS: 5000, appName: 'incident-test' }
const AUTH_FAILED = [18, 11] // AuthenticationFailed, or UserNotFound on some paths
const UNAUTHORIZED = 13

type Login = { ok: true } | { ok: false; code: number | undefined; error: string }

/** A brand-new client, one command, closed: what an app sees after a restart. */
async function login(uri: string): Promise<Login> {
  const client = new MongoClient(uri, CLIENT_OPTS)
  try {
    await client.db('appdb').command({ connectionStatus: 1 })
    return { ok: true }
  } catch (err) {
    if (err instanceof MongoServerError)
      return { ok: false, code: err.code as number, error: `${err}` }
    throw err
  } finally {
    await client.close()
  }
}

/** Runs one command on an existing client and reports the server's error code, if any. */
async function nextCommand(client: MongoClient): Promise<Login> {
  try {
    await client.db('appdb').collection('orders').countDocuments()
    return { ok: true }
  } catch (err) {
    if (err instanceof MongoServerError)
      return { ok: false, code: err.code as number, error: `${err}` }
    throw err
  }
}

interface Setup {
  S: MongoServer
  T: MongoServer
  openClient: MongoClient
  dir: string
}

/** Fresh S (app/A, legacy, orders) and T (app/B) plus a client already authenticated on T. */
async function setUp(): Promise<Setup> {
  const [S, T] = await Promise.all([startServer(), startServer()])
  await createUser(S, 'appdb', 'app', PASSWORD_A, ['readWrite'])
  await createUser(S, 'admin', 'legacy', LEGACY_PASSWORD, [{ role: 'readWrite', db: 'appdb' }])
  await withClient(S.rootUri, (c) =>
    c
      .db('appdb')
      .collection('orders')
      .insertMany(ORDERS.map((o) => ({ ...o })))
  )
  await createUser(T, 'appdb', 'app', PASSWORD_B, ['readWrite'])
  const openClient = new MongoClient(T.uri('app', PASSWORD_B, 'appdb'), CLIENT_OPTS)
  assert.equal(await openClient.db('appdb').collection('orders').countDocuments(), 0)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrg-incident-'))
  return { S, T, openClient, dir }
}

async function tearDown(s: Setup): Promise<void> {
  await s.openClient.close()
  fs.rmSync(s.dir, { recursive: true, force: true })
  await Promise.all([s.S.stop(), s.T.stop()])
}

/** Whole-deployment dump of S (includes admin.system.users) restored into T as T's root. */
async function dumpAndRestore(s: Setup, restoreArgs: string[]): Promise<void> {
  const { mongodump, mongorestore } = binaries()
  const archive = path.join(s.dir, 'dump.archive')
  await runTool(mongodump, s.S.rootUri, [`--archive=${archive}`], s.dir)
  const log = await runTool(
    mongorestore,
    s.T.rootUri,
    [...restoreArgs, `--archive=${archive}`],
    s.dir
  )
  assert.match(log, /(\d+) document\(s\) restored successfully\. 0 document\(s\) failed/)
}

async function scenario(fn: (s: Setup) => Promise<void>): Promise<void> {
  const s = await setUp()
  try {
    await withLogsOnFailure([s.S, s.T], () => fn(s))
  } finally {
    await tearDown(s)
  }
}

async function countOrders(uri: string): Promise<number> {
  return withClient(uri, (c) => c.db('appdb').collection('orders').countDocuments())
}

function assertAuthFailed(result: Login, who: string): void {
  assert.equal(result.ok, false, `${who}: expected a new connection to fail`)
  assert.ok(!result.ok && AUTH_FAILED.includes(result.code!), `${who}: ${JSON.stringify(result)}`)
}

async function allUsers(server: MongoServer): Promise<Document[]> {
  const reply = await withClient(server.rootUri, (c) =>
    c.db('admin').command({ usersInfo: { forAllDBs: true }, showCredentials: true })
  )
  const users = reply.users as Document[]
  return users
    .map((u) => ({ _id: u._id, roles: u.roles, credentials: u.credentials, userId: u.userId }))
    .sort((a, b) => String(a._id).localeCompare(String(b._id)))
}

describe(
  'incident: restoring a whole-deployment dump rewrites the target users',
  { timeout: 300_000 },
  () => {
    before(async () => {
      const b = await resolveBinaries()
      console.log(
        `mongod ${b.mongodVersion} (${b.mongod}), tools ${b.toolsVersion} (${b.toolsDir})`
      )
    })
    after(stopAllServers)

    test('--drop: target password dies, source password works, open client fails', async (t) => {
      await scenario(async (s) => {
        await dumpAndRestore(s, ['--drop'])
        // T's root was replaced by S's root too, so count with the credentials now valid on T.
        assert.equal(await countOrders(s.T.uri('app', PASSWORD_A, 'appdb')), ORDERS.length)
        const appB = await login(s.T.uri('app', PASSWORD_B, 'appdb'))
        t.diagnostic(`new connection app/B after --drop: ${JSON.stringify(appB)}`)
        assertAuthFailed(appB, 'app/B')
        assert.deepEqual(await login(s.T.uri('app', PASSWORD_A, 'appdb')), { ok: true })
        assertAuthFailed(await login(s.T.rootUri), 'T root with its own password')
        // Measured on 6.0.5 as on 7.0: the replaced user has a new userId, so the session
        // authenticated before the restore loses it and its next command is Unauthorized.
        const open = await nextCommand(s.openClient)
        t.diagnostic(`already-open app/B client after --drop: ${JSON.stringify(open)}`)
        assert.equal(open.ok, false, 'the already-open client kept working')
        assert.equal(!open.ok && open.code, UNAUTHORIZED, JSON.stringify(open))
      })
    })

    test('without --drop: source-only user is added, target app password survives', async () => {
      await scenario(async (s) => {
        await dumpAndRestore(s, [])
        assert.equal(await countOrders(s.T.rootUri), ORDERS.length)
        assert.deepEqual(await login(s.T.uri('legacy', LEGACY_PASSWORD, 'admin')), { ok: true })
        assert.deepEqual(await login(s.T.uri('app', PASSWORD_B, 'appdb')), { ok: true })
        assertAuthFailed(await login(s.T.uri('app', PASSWORD_A, 'appdb')), 'app/A')
        assert.deepEqual(await nextCommand(s.openClient), { ok: true })
      })
    })

    test('--nsExclude admin.* and system.users/roles: target users untouched', async () => {
      await scenario(async (s) => {
        const before = await allUsers(s.T)
        await dumpAndRestore(s, [
          '--drop',
          ...['--nsExclude', 'admin.*', '--nsExclude', '*.system.users'],
          ...['--nsExclude', '*.system.roles']
        ])
        assert.deepEqual(await allUsers(s.T), before)
        assert.equal(await countOrders(s.T.rootUri), ORDERS.length)
        assert.deepEqual(await login(s.T.uri('app', PASSWORD_B, 'appdb')), { ok: true })
        assertAuthFailed(await login(s.T.uri('app', PASSWORD_A, 'appdb')), 'app/A')
        assertAuthFailed(await login(s.T.uri('legacy', LEGACY_PASSWORD, 'admin')), 'legacy')
        assert.deepEqual(await nextCommand(s.openClient), { ok: true })
      })
    })
  }
)

describe('test bed', { timeout: 120_000 }, () => {
  after(stopAllServers)

  test('replica set starts with auth (keyFile), root can write, stop() removes the data', async () => {
    const rs = await startServer({ replSet: true })
    await withLogsOnFailure([rs], async () => {
      assert.ok(rs.replSet && rs.rootUri.includes(`replicaSet=${rs.replSet}`))
      assert.ok(fs.existsSync(path.join(rs.dbpath, 'keyfile')))
      await withClient(rs.rootUri, async (c) => {
        await c
          .db('t')
          .collection('c')
          .insertOne({ x: 1 }, { writeConcern: { w: 'majority' } })
        const hello = await c.db('admin').command({ hello: 1 })
        assert.equal(hello.setName, rs.replSet)
        assert.equal(hello.isWritablePrimary, true)
      })
      const anonymous = `mongodb://${rs.hostPort}/?directConnection=true`
      await assert.rejects(
        withClient(anonymous, (c) => c.db('t').collection('c').countDocuments()),
        (err: unknown) => err instanceof MongoServerError && err.code === UNAUTHORIZED
      )
    })
    await rs.stop()
    await rs.stop() // idempotent
    assert.equal(fs.existsSync(rs.dbpath), false)
  })
})
