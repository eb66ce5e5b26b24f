// The command line's exit codes 1, 5, 6 and 130 (README "Command line"), each produced by a real
// run of dist/cli.js against real mongods and the real tools. runCli sweeps every run for
// secrets (stdout, stderr, the report, every file in its temp directory).
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import {
  type MongoServer,
  binaries,
  createUser,
  pairFor,
  runTool,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'
import { faultyProxy, seedOrders, toolProcesses } from '../support/faults.ts'
import { count, waitForDocuments } from '../support/observe.ts'
import { runCli, type CliRun } from '../support/run-cli.ts'

after(stopAllServers)
const APP = 'cli-app:pw/9'
const tools = () => ['--tools-path', binaries().toolsDir]

interface Pair {
  source: MongoServer
  target: MongoServer
  env: Record<string, string>
}

async function pair(t: TestContext, orders: number): Promise<Pair> {
  const [source, target] = await pairFor(t)
  await Promise.all([
    seedOrders(source, orders),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  const env = {
    MONGODB_SOURCE_URI: source.rootUri,
    MONGODB_TARGET_URI: target.rootUri,
    MONGODB_APP_URI: target.uri('app', APP, 'appdb')
  }
  return { source, target, env }
}

function tempDir(t: TestContext): string {
  const dir = tempDirFor(t, 'guard-cli-promises-')
  return dir
}

const kind = (run: CliRun) => (run.report?.['failure'] as { kind: string } | undefined)?.kind
const explain = (run: CliRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`

test('promise: the command line exits 1 when a tool fails (a truncated archive)', async (t) => {
  const fx = await pair(t, 2000)
  const dir = tempDir(t)
  const archive = join(dir, 'dump.archive')
  await runTool(
    binaries().mongodump,
    fx.source.rootUri,
    [`--archive=${archive}`, '--db=appdb'],
    dir
  )
  // The prelude stays intact, so the dump passes inspection and mongorestore meets the damage.
  truncateSync(archive, Math.floor(statSync(archive).size / 2))
  const run = await runCli(['restore', '--archive', archive, ...tools()], fx.env)
  assert.equal(run.code, 1, explain(run))
  assert.equal(kind(run), 'ToolFailed')
  assert.match(run.stdout, /mongo-restore-guard restore: failed \(ToolFailed\), exit 1/)
})

test('promise: the command line exits 5 when documents failed to restore', async (t) => {
  const fx = await pair(t, 2000)
  await withClient(fx.target.rootUri, (c) =>
    c
      .db('appdb')
      .collection<{ _id: number }>('orders')
      .insertMany([{ _id: 1 }, { _id: 2 }])
  )
  const run = await runCli(['migrate', '--allow-merge', ...tools()], fx.env)
  assert.equal(run.code, 5, explain(run))
  assert.equal(kind(run), 'PartialRestore')
  assert.equal((run.report?.['restore'] as { failed: number }).failed, 2)
})

test('promise: the command line exits 6 for a dump that carries users', async (t) => {
  const fx = await pair(t, 100)
  const dir = tempDir(t)
  const archive = join(dir, 'whole.archive')
  // A whole-deployment dump: admin.system.users with every user's hashes.
  await runTool(binaries().mongodump, fx.source.rootUri, [`--archive=${archive}`], dir)
  const before = await count(fx.target, 'appdb.orders')
  const run = await runCli(['restore', '--archive', archive, ...tools()], fx.env)
  assert.equal(run.code, 6, explain(run))
  assert.equal(kind(run), 'DumpCarriesUsers')
  assert.equal(await count(fx.target, 'appdb.orders'), before, 'a refused dump wrote something')
})

test('promise: the command line exits 130 when interrupted (SIGINT) during a restore', async (t) => {
  const total = 60_000
  const fx = await pair(t, total)
  // The source's answers are paced, so the restore is surely still running when it is observed.
  const proxy = await faultyProxy(fx.source.hostPort, { bytesPerSecond: 2_000_000 })
  t.after(() => proxy.close())
  let pid = 0
  let interrupted: Promise<void> | undefined
  const run = await runCli(
    ['migrate', ...tools()],
    {
      ...fx.env,
      MONGODB_SOURCE_URI: fx.source.rootUri.replace(fx.source.hostPort, proxy.hostPort)
    },
    {
      onSpawn: (p) => {
        pid = p
        // The observable state: mongorestore has written documents to the target.
        interrupted = waitForDocuments(fx.target, 'appdb.orders', 1000).then(() => {
          process.kill(pid, 'SIGINT')
        })
      }
    }
  )
  await interrupted
  assert.equal(run.code, 130, explain(run))
  assert.equal(kind(run), 'Cancelled')
  assert.equal(run.report?.['status'], 'cancelled')
  assert.match(run.stdout, /mongo-restore-guard migrate: cancelled \(Cancelled\), exit 130/)
  const written = await count(fx.target, 'appdb.orders')
  assert.ok(written >= 1000 && written < total, `${written} documents: not a partial restore`)
  assert.deepEqual(
    toolProcesses().filter((p) => p.ppid === pid),
    [],
    'tools left running'
  )
})
