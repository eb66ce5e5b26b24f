// A run killed outright (SIGKILL: the runner out of memory, a lost self-hosted runner, kill -9
// of a hung job) cannot clean up, so nothing may need cleaning: no password in any file it
// leaves (the tools read their connection strings from FIFOs), and no tool running on (they get
// a parent-death signal). Each case kills the action or the command line mid-restore, with the
// restore stalled by a proxy in front of the target, and looks at what is left.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  binaries,
  createUser,
  pairFor,
  stopAllServers,
  tempDirFor,
  type MongoServer
} from '../support/testbed.ts'
import { faultyProxy, seedOrders, toolProcesses, type ToolProcess } from '../support/faults.ts'
import { waitForDocuments, waitUntil } from '../support/observe.ts'
import { credentialsIn, nodeRuntimes, runAction } from '../support/run-action.ts'
import { runCli } from '../support/run-cli.ts'
import { assertNoSecrets, secretPlaces, type Place } from '../support/secret-sweep.ts'

after(stopAllServers)

const node = nodeRuntimes()[1]!.bin
// Characters that differ plain and URL-encoded: the sweep looks for both forms.
const APP = 'kill-app:p@ss/%9'
const ORDERS = 60_000

interface Fixture {
  source: MongoServer
  target: MongoServer
  /** The target as the run sees it: through a proxy the test can hold. */
  proxy: Awaited<ReturnType<typeof faultyProxy>>
  targetUri: string
  appUri: string
  /** The TMPDIR given to the run, to sweep what it left there. */
  tmp: string
}

async function fixture(t: TestContext): Promise<Fixture> {
  const [source, target] = await pairFor(t)
  await Promise.all([
    seedOrders(source, ORDERS),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  const proxy = await faultyProxy(target.hostPort)
  t.after(() => proxy.close())
  const via = (uri: string) => uri.replace(target.hostPort, proxy.hostPort)
  const tmp = join(tempDirFor(t, 'guard-killed-'), 'tmp')
  mkdirSync(tmp)
  return {
    source,
    target,
    proxy,
    targetUri: via(target.rootUri),
    appUri: via(target.uri('app', APP, 'appdb')),
    tmp
  }
}

/**
 * Once the restore has written documents, holds the target's answers (the restore stalls, surely
 * mid-way), notes the tools the run started and kills the run with SIGKILL.
 */
function killMidRestore(fx: Fixture, pid: () => number): Promise<ToolProcess[]> {
  return waitForDocuments(fx.target, 'appdb.orders', 1000).then(async () => {
    fx.proxy.hold()
    const mine = () => toolProcesses().filter((p) => p.ppid === pid())
    await waitUntil('the run has a mongorestore', () =>
      mine().some((p) => p.argv.includes('mongorestore'))
    )
    const tools = mine()
    process.kill(pid(), 'SIGKILL')
    return tools
  })
}

/** Every regular file below `dir` with its content (a FIFO holds nothing on disk). */
function files(dir: string): Place[] {
  return readdirSync(dir).flatMap((name): Place[] => {
    const path = join(dir, name)
    const stat = statSync(path)
    if (stat.isDirectory()) return files(path)
    return stat.isFile() ? [[path, readFileSync(path, 'latin1')]] : []
  })
}

/** The tools must be gone within 5 seconds of the kill, with nobody left to stop them. */
async function assertToolsDie(tools: ToolProcess[], expected: string[]): Promise<void> {
  for (const tool of expected) {
    assert.ok(
      tools.some((p) => p.argv.includes(tool)),
      `${tool} was not running at the kill: ${JSON.stringify(tools)}`
    )
  }
  const alive = () => toolProcesses().filter((p) => tools.some((t) => t.pid === p.pid))
  await waitUntil('the killed run’s tools have died', () => alive().length === 0, 5000).catch(() =>
    assert.fail(`still running 5 s after the kill: ${JSON.stringify(alive())}`)
  )
}

for (const [name, toDisk] of [
  ['streamed', false],
  ['to disk', true]
] as const) {
  test(`the action killed by SIGKILL mid-restore (${name}) leaves no password in a file and no tool running`, async (t) => {
    const fx = await fixture(t)
    let pid = 0
    let killed: Promise<ToolProcess[]> | undefined
    const inputs: Record<string, string> = {
      'source-uri': fx.source.rootUri,
      'target-uri': fx.targetUri,
      'app-uri': fx.appUri,
      'tools-path': binaries().toolsDir,
      databases: 'appdb',
      ...(toDisk && { archive: join(fx.tmp, 'dump') })
    }
    const run = await runAction(inputs, {
      node,
      env: { TMPDIR: fx.tmp },
      onSpawn: (p) => {
        pid = p
        killed = killMidRestore(fx, () => pid)
      }
    })
    const tools = await killed!
    assert.equal(run.exitCode, null, 'the run was not killed')
    assert.doesNotMatch(run.stdout, /restored successfully/, 'the restore finished first')
    // runAction swept stdout, stderr and every file in RUNNER_TEMP; the temp directory too:
    assertNoSecrets('the killed run’s TMPDIR', files(fx.tmp), credentialsIn(inputs))
    if (toDisk) assert.ok(files(join(fx.tmp, 'dump')).length > 0, 'no dump on disk')
    await assertToolsDie(tools, toDisk ? ['mongorestore'] : ['mongodump', 'mongorestore'])
  })
}

for (const [name, toDisk] of [
  ['streamed', false],
  ['to disk', true]
] as const) {
  test(`the command line killed by SIGKILL mid-restore (${name}) leaves no password in a file and no tool running`, async (t) => {
    const fx = await fixture(t)
    let pid = 0
    let killed: Promise<ToolProcess[]> | undefined
    const env = {
      MONGODB_SOURCE_URI: fx.source.rootUri,
      MONGODB_TARGET_URI: fx.targetUri,
      MONGODB_APP_URI: fx.appUri,
      TMPDIR: fx.tmp
    }
    const archive = toDisk ? ['--archive', join(fx.tmp, 'dump')] : []
    const run = await runCli(['migrate', '--tools-path', binaries().toolsDir, ...archive], env, {
      onSpawn: (p) => {
        pid = p
        killed = killMidRestore(fx, () => pid)
      }
    })
    const tools = await killed!
    assert.equal(run.code, null, 'the command line was not killed')
    // runCli swept stdout, stderr and its RUNNER_TEMP; the temp directory too:
    const hits = secretPlaces(files(fx.tmp), credentialsIn(env))
    assert.deepEqual(hits, [], 'a password in the temp directory')
    if (toDisk) assert.ok(files(join(fx.tmp, 'dump')).length > 0, 'no dump on disk')
    await assertToolsDie(tools, toDisk ? ['mongorestore'] : ['mongodump', 'mongorestore'])
  })
}
