// Reproduces the incident with the real tools: a whole-deployment dump restored into another
// deployment rewrites its users, and only a brand-new connection shows it. Also shows the fix
// (exclude admin.* and legacy system.users/roles) keeps the target's users untouched.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient, MongoServerError, type Document } from 'mongodb'
import {
  binaries,
  cleanupStale,
  createUser,
  resolveBinaries,
  SERVER_VERSIONS,
  startServer,
  stopAllServers,
  withLogsOnFailure,
  type MongoServer,
  withClient,
  runTool,
  type ServerVersion
} from '../support/testbed.ts'

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
async function setUp(version: ServerVersion): Promise<Setup> {
  const [S, T] = await Promise.all([startServer({ version }), startServer({ version })])
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

async function scenario(version: ServerVersion, fn: (s: Setup) => Promise<void>): Promise<void> {
  const s = await setUp(version)
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

for (const version of SERVER_VERSIONS) {
  describe(
    `incident on mongod ${version}: restoring a whole-deployment dump rewrites the target users`,
    { timeout: 300_000 },
    () => {
      before(async () => {
        const b = await resolveBinaries()
        const mongod = version === '6.0' ? `${b.mongodVersion} (${b.mongod})` : '7.0 (wine)'
        console.log(`mongod ${mongod}, tools ${b.toolsVersion} (${b.toolsDir})`)
      })
      after(stopAllServers)

      test('--drop: target password dies, source password works, open client fails', async (t) => {
        await scenario(version, async (s) => {
          await dumpAndRestore(s, ['--drop'])
          // T's root was replaced by S's root too, so count with the credentials now valid on T.
          assert.equal(await countOrders(s.T.uri('app', PASSWORD_A, 'appdb')), ORDERS.length)
          const appB = await login(s.T.uri('app', PASSWORD_B, 'appdb'))
          t.diagnostic(`new connection app/B after --drop: ${JSON.stringify(appB)}`)
          assertAuthFailed(appB, 'app/B')
          assert.deepEqual(await login(s.T.uri('app', PASSWORD_A, 'appdb')), { ok: true })
          assertAuthFailed(await login(s.T.rootUri), 'T root with its own password')
          // On 6.0.5 as on 7.0.15: the replaced user has a new userId, so the session
          // authenticated before the restore loses it and its next command is Unauthorized.
          const open = await nextCommand(s.openClient)
          t.diagnostic(`already-open app/B client after --drop: ${JSON.stringify(open)}`)
          assert.equal(open.ok, false, 'the already-open client kept working')
          assert.equal(!open.ok && open.code, UNAUTHORIZED, JSON.stringify(open))
        })
      })

      test('without --drop: source-only user is added, target app password survives', async () => {
        await scenario(version, async (s) => {
          await dumpAndRestore(s, [])
          assert.equal(await countOrders(s.T.rootUri), ORDERS.length)
          assert.deepEqual(await login(s.T.uri('legacy', LEGACY_PASSWORD, 'admin')), { ok: true })
          assert.deepEqual(await login(s.T.uri('app', PASSWORD_B, 'appdb')), { ok: true })
          assertAuthFailed(await login(s.T.uri('app', PASSWORD_A, 'appdb')), 'app/A')
          assert.deepEqual(await nextCommand(s.openClient), { ok: true })
        })
      })

      test('--nsExclude admin.* and system.users/roles: target users untouched', async () => {
        await scenario(version, async (s) => {
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
}

describe('test bed', { timeout: 300_000 }, () => {
  after(stopAllServers)

  for (const version of SERVER_VERSIONS) {
    test(`mongod ${version}: a replica set starts with auth (keyFile), root can write, stop() removes the data`, async () => {
      const rs = await startServer({ replSet: true, version })
      const pid = rs.pid
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
          const build = await c.db('admin').command({ buildInfo: 1 })
          assert.ok(build.version.startsWith(`${version}.`), `${version}: ${build.version}`)
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
      assert.equal(isRunning(pid), false, `mongod ${version} pid ${pid} survived stop()`)
    })

    test(`mongod ${version}: a killed test run's server is killed and removed by the next run`, async () => {
      const { pid, dbpath } = await startInKilledProcess(version)
      assert.equal(isRunning(pid), true, 'the orphaned mongod should still run')
      cleanupStale()
      for (const deadline = Date.now() + 10_000; isRunning(pid) && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      assert.equal(isRunning(pid), false, `orphaned mongod ${version} pid ${pid} survived`)
      assert.equal(fs.existsSync(dbpath), false)
    })
  }
})

/** Alive and not a zombie: a SIGKILLed orphan may stay a zombie where pid 1 does not reap. */
function isRunning(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Starts a server from another test process, then SIGKILLs that process (no exit hooks). */
async function startInKilledProcess(
  version: ServerVersion
): Promise<{ pid: number; dbpath: string }> {
  const testbed = path.join(import.meta.dirname, '..', 'support', 'testbed.ts')
  const script =
    `import { startServer } from ${JSON.stringify(testbed)}\n` +
    `const s = await startServer({ version: ${JSON.stringify(version)} })\n` +
    `console.log(JSON.stringify({ pid: s.pid, dbpath: s.dbpath }))\n` +
    `setInterval(() => undefined, 1000)\n`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('\n') && resolve(out.split('\n')[0]!))
    child.once('exit', (code) => reject(new Error(`the test process exited ${code}: ${out}`)))
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  return JSON.parse(line)
}
