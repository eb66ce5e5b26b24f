// Faults against real processes: servers that die, refuse, never answer or reject the login;
// a cancelled job; broken, missing or old tools; restores that fail part-way or restore nothing.
// Each run must end with a clear failure, a report that says what may have been written, and no
// leftover process or file. A last test sweeps every run for secrets.
import { after, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomFillSync } from 'node:crypto'
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  runTool,
  startServer,
  stopAllServers,
  type MongoServer
} from '../support/testbed.ts'
import {
  allRuns,
  credentialsIn,
  nodeRuntimes,
  runAction,
  secretHits,
  type ActionRun
} from '../support/run-action.ts'
import {
  closedPort,
  fakeTools,
  leftoverTools,
  seedOrders,
  silentServer,
  faultyProxy,
  toolProcesses
} from '../support/faults.ts'
import { waitForDocuments, waitForToolsGone, waitUntil } from '../support/observe.ts'

after(stopAllServers)

const node = nodeRuntimes()[1]!.bin
const APP = 'app-P:w@rd/%5'
const SMALL = 2000
/** Large enough that a dump or a restore is still running when a fault is injected. */
const LARGE = 100_000

interface Pair {
  source: MongoServer
  target: MongoServer
  inputs: Record<string, string>
}

async function pair(t: TestContext, orders = SMALL): Promise<Pair> {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await Promise.all([
    seedOrders(source, orders),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  return {
    source,
    target,
    inputs: {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir,
      'probe-timeout-seconds': '2'
    }
  }
}

async function count(server: MongoServer, ns = 'appdb.orders'): Promise<number> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 1 })
  try {
    const [db, coll] = ns.split('.') as [string, string]
    return await client.db(db).collection(coll).countDocuments()
  } finally {
    await client.close()
  }
}

/** Resolves once the source has sent `bytes` through the proxy: mongodump is mid-dump. */
function waitForDumped(proxy: { forwarded(): number }, bytes: number): Promise<void> {
  return waitUntil(`the source sent ${bytes} bytes`, () => proxy.forwarded() >= bytes)
}

interface Failure {
  kind: string
  title: string
  message: string
}

function failure(run: ActionRun): Failure {
  return run.report?.['failure'] as Failure
}

function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout.replace(/^::add-mask::.*\n/gm, '')}\n${run.stderr}`
}

/** A failed run: exit 1 (the README's promise), the kind, a report with the aftermath, nothing left behind. */
function assertFailed(run: ActionRun, kind: string, status = 'failed'): Failure {
  assert.equal(run.exitCode, 1, explain(run))
  assert.equal(run.outputs['status'], status, explain(run))
  const f = failure(run)
  assert.equal(f?.kind, kind, explain(run))
  assert.ok(run.report?.['aftermath'], 'the report says what may have been written')
  assert.match(run.summary, new RegExp(`MongoDB restore guard: ${status}`))
  assert.deepEqual(leftoverTools(run.runnerTemp), [], 'tool processes were left running')
  const files = [...run.leftovers.keys()].filter((f) => !f.endsWith('-report.json'))
  assert.deepEqual(files, [], 'files were left in RUNNER_TEMP')
  return f
}

function phases(run: ActionRun): { name: string; status: string }[] {
  return run.report?.['phases'] as { name: string; status: string }[]
}

describe('unreachable servers: a fast, named failure, nothing written', () => {
  test('connection refused, a name that does not resolve, a server that never answers', async (t) => {
    const fx = await pair(t)
    const silent = await silentServer()
    t.after(() => silent.close())
    const refusedPort = await closedPort()
    const cases: [string, Record<string, string>, string, RegExp, RegExp][] = [
      [
        'target refuses connections',
        { 'target-uri': `mongodb://u:Refused-pw1@127.0.0.1:${refusedPort}/` },
        'Unreachable',
        /^target-uri: 127\.0\.0\.1:\d+ refused the connection \(ECONNREFUSED\)/,
        /Check the host and port in target-uri/
      ],
      [
        'source name does not resolve',
        { 'source-uri': 'mongodb://u:Unresolved-pw1@nonexistent.invalid:27017/' },
        'NameNotResolved',
        /^source-uri: no address for the host name nonexistent\.invalid \(getaddrinfo ENOTFOUND\)/,
        /Check the host name in source-uri/
      ],
      [
        'source accepts TCP and never answers',
        { 'source-uri': `mongodb://u:Silent-pw1@127.0.0.1:${silent.port}/` },
        'Unreachable',
        /^source-uri: no answer from 127\.0\.0\.1:\d+ within probe-timeout-seconds/,
        /raise probe-timeout-seconds/
      ]
    ]
    for (const [name, extra, kind, message, fix] of cases) {
      const started = Date.now()
      const run = await runAction({ ...fx.inputs, ...extra }, { node })
      const f = assertFailed(run, kind)
      assert.match(f.message, message, name)
      assert.match(f.message, fix, name)
      assert.doesNotMatch(f.message, /grant|backup role|restore role/i, name)
      assert.ok(Date.now() - started < 15_000, `${name}: took ${Date.now() - started} ms`)
      assert.equal(run.report?.['targetWritten'], false, name)
    }
    assert.equal(await count(fx.target), 0)
  })

  test('the source stops answering once mongodump runs: the phase timeout stops the tools', async (t) => {
    const fx = await pair(t)
    const proxy = await faultyProxy(fx.source.hostPort)
    t.after(() => proxy.close())
    let actionPid = 0
    const watch = setInterval(() => {
      const dump = (p: { ppid: number; argv: string }) =>
        p.ppid === actionPid && p.argv.includes('--config=')
      if (toolProcesses().some(dump)) proxy.silence()
    }, 5)
    t.after(() => clearInterval(watch))
    const started = Date.now()
    const run = await runAction(
      {
        ...fx.inputs,
        'source-uri': fx.source.rootUri.replace(fx.source.hostPort, proxy.hostPort),
        'timeout-minutes': '0.05'
      },
      { node, onSpawn: (pid) => (actionPid = pid) }
    )
    const f = assertFailed(run, 'TimedOut')
    assert.match(f.message, /did not finish within timeout-minutes/)
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
    assert.match(run.report?.['aftermath'] as string, /stopped at the time limit/)
  })
})

describe('wrong credentials: three different messages, nothing written', () => {
  test('for the source, the target and the app', async (t) => {
    const fx = await pair(t)
    const wrong = (server: MongoServer) => server.uri('root', 'Wrong-pw-9', 'admin')
    const source = await runAction({ ...fx.inputs, 'source-uri': wrong(fx.source) }, { node })
    const target = await runAction({ ...fx.inputs, 'target-uri': wrong(fx.target) }, { node })
    const app = await runAction(
      { ...fx.inputs, 'app-uri': fx.target.uri('app', 'Wrong-app-pw-9', 'appdb') },
      { node }
    )
    const s = assertFailed(source, 'AuthenticationFailed')
    const tg = assertFailed(target, 'AuthenticationFailed')
    const a = assertFailed(app, 'AlreadyRejected')
    assert.match(s.message, /^source-uri: the source .* rejected the login of root@admin/)
    assert.match(s.message, /backup role/)
    assert.match(tg.message, /^target-uri: the target .* rejected the login of root@admin/)
    assert.match(tg.message, /restore role/)
    assert.match(a.message, /application's credentials were already rejected/)
    assert.equal(new Set([s.title, tg.title, a.title]).size, 3)
    assert.equal(app.outputs['probe-result'], 'authentication-failed')
    assert.equal(await count(fx.target), 0)
  })
})

describe('servers killed mid-transfer', () => {
  test('the source is killed during the dump to an archive: nothing restored, archive removed', async (t) => {
    const fx = await pair(t, 30_000)
    // The source's answers are paced (2 MB/s) so that the dump is surely still running.
    const proxy = await faultyProxy(fx.source.hostPort, { bytesPerSecond: 2_000_000 })
    t.after(() => proxy.close())
    const dir = mkdtempSync(join(tmpdir(), 'guard-archive-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const archive = join(dir, 'dump.archive')
    let killed: Promise<void> | undefined
    const sourceUri = fx.source.rootUri.replace(fx.source.hostPort, proxy.hostPort)
    const run = await runAction(
      { ...fx.inputs, 'source-uri': sourceUri, archive },
      {
        node,
        onStdout: (out) => {
          if (!killed && /writing `?appdb\.orders`? to /.test(out)) {
            killed = waitForDumped(proxy, 1_000_000)
              .then(() => fx.source.stop())
              .then(() => proxy.cut())
          }
        }
      }
    )
    await killed
    const f = assertFailed(run, 'ToolFailed')
    assert.match(f.message, /mongodump exited with 1/)
    assert.deepEqual(phases(run).at(-1), {
      name: 'Dump to disk',
      status: 'failed',
      durationMs: phases(run).at(-1)?.['durationMs' as never]
    })
    const aftermath = run.report?.['aftermath'] as string
    assert.match(
      aftermath,
      /mongodump failed (before finishing any namespace|after finishing .*), while writing appdb\.orders/
    )
    assert.match(aftermath, /Nothing was written to the target/)
    assert.match(aftermath, /incomplete archive .*dump\.archive was removed/)
    assert.equal(existsSync(archive), false, 'the incomplete archive is still there')
    assert.equal(await count(fx.target), 0)
  })

  test('the target is killed during a streamed restore: the target may be partial, and says where', async (t) => {
    const fx = await pair(t, LARGE)
    // Paced, and killed once documents have arrived: the restore is surely under way, not over.
    const proxy = await faultyProxy(fx.source.hostPort, { bytesPerSecond: PACE })
    t.after(() => proxy.close())
    let killed: Promise<void> | undefined
    const run = await runAction(viaProxy(fx, proxy.hostPort), {
      node,
      onStdout: (out) => {
        if (!killed && /restoring `?appdb\.orders`? from archive/.test(out)) {
          killed = waitForDocuments(fx.target, 'appdb.orders', 5000).then(() => fx.target.stop())
        }
      }
    })
    await killed
    const f = assertFailed(run, 'ToolFailed')
    assert.match(f.message, /partial copy/)
    assert.equal(phases(run).at(-1)?.name, 'Dump → restore (streamed)')
    const aftermath = run.report?.['aftermath'] as string
    assert.match(
      aftermath,
      /mongorestore failed \(\d+ document\(s\) restored, 0 failed\): the target may hold a partial copy/
    )
    assert.match(
      aftermath,
      /It was writing appdb\.orders \(\d+ documents written before it stopped\)/
    )
    assert.match(aftermath, /could have written, as planned before the run: appdb\.orders\./)
  })
})

/**
 * Cancels the run as a runner does: SIGINT, then SIGTERM. The second signal kills the tools at
 * once, so it waits until they have stopped (and printed their summary) after the first.
 */
async function cancel(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT')
  await waitForToolsGone(pid)
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // the run already ended
  }
}

/** Source answers paced at this rate (bytes/s): a 100 000-document restore lasts seconds. */
const PACE = 4_000_000

function viaProxy(fx: Pair, hostPort: string): Record<string, string> {
  return { ...fx.inputs, 'source-uri': fx.source.rootUri.replace(fx.source.hostPort, hostPort) }
}

describe('the runner cancels the job (SIGINT, then SIGTERM)', () => {
  test('during a streamed restore: tools stopped, files removed, the summary says cancelled', async (t) => {
    const fx = await pair(t, LARGE)
    const proxy = await faultyProxy(fx.source.hostPort, { bytesPerSecond: PACE })
    t.after(() => proxy.close())
    let pid = 0
    let cancelled: Promise<void> | undefined
    const argvs = new Set<string>()
    const watch = setInterval(() => {
      for (const p of toolProcesses()) if (p.ppid === pid) argvs.add(p.argv)
    }, 10)
    t.after(() => clearInterval(watch))
    const run = await runAction(viaProxy(fx, proxy.hostPort), {
      node,
      onSpawn: (p) => (pid = p),
      onStdout: (out) => {
        if (!cancelled && /restoring `?appdb\.orders`? from archive/.test(out)) {
          cancelled = waitForDocuments(fx.target, 'appdb.orders', 5000).then(() => cancel(pid))
        }
      }
    })
    await cancelled
    const f = assertFailed(run, 'Cancelled', 'cancelled')
    assert.match(f.message, /cancelled during the restore; the tools were stopped/)
    assert.match(run.summary, /⏹️ Cancelled/)
    assert.match(run.summary, /MongoDB restore guard: cancelled/)
    assert.match(run.summary, /What may have been written/)
    const aftermath = run.report?.['aftermath'] as string
    assert.match(
      aftermath,
      /mongorestore was stopped by the cancellation .*may hold a partial copy/
    )
    assert.equal(phases(run).at(-1)?.status, 'cancelled')
    const restored = Number(run.outputs['restored-documents'])
    assert.ok(restored < LARGE, `restored ${restored}: the cancellation came too late`)
    assert.equal(await count(fx.target), restored)
    // ps while the tools ran: no credential in any argv.
    assert.ok(
      [...argvs].some((a) => a.includes('mongorestore')),
      'never saw the tools run'
    )
    const secrets = credentialsIn(fx.inputs)
    assert.deepEqual(
      [...argvs].filter((a) => secrets.some((s) => a.includes(s))),
      []
    )
  })

  test('during a dump to an archive: the incomplete archive is removed, nothing restored', async (t) => {
    const fx = await pair(t, 30_000)
    const proxy = await faultyProxy(fx.source.hostPort, { bytesPerSecond: 2_000_000 })
    t.after(() => proxy.close())
    const dir = mkdtempSync(join(tmpdir(), 'guard-archive-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const archive = join(dir, 'dump.archive')
    let pid = 0
    let cancelled: Promise<void> | undefined
    const sourceUri = fx.source.rootUri.replace(fx.source.hostPort, proxy.hostPort)
    const run = await runAction(
      { ...fx.inputs, 'source-uri': sourceUri, archive },
      {
        node,
        onSpawn: (p) => (pid = p),
        onStdout: (out) => {
          if (!cancelled && /writing `?appdb\.orders`? to .*dump\.archive/.test(out)) {
            cancelled = waitForDumped(proxy, 1_000_000).then(() => cancel(pid))
          }
        }
      }
    )
    await cancelled
    const f = assertFailed(run, 'Cancelled', 'cancelled')
    assert.match(f.message, /cancelled during the dump/)
    const aftermath = run.report?.['aftermath'] as string
    assert.match(aftermath, /mongodump was stopped by the cancellation/)
    assert.match(aftermath, /Nothing was written to the target/)
    assert.match(aftermath, /incomplete archive .* was removed/)
    assert.equal(existsSync(archive), false)
    assert.equal(await count(fx.target), 0)
  })
})

describe('broken, missing or old tools', () => {
  // No server is reached: the tools are checked first.
  const inputs = {
    'source-uri': 'mongodb://u:Tools-pw-1@127.0.0.1:1/',
    'target-uri': 'mongodb://u:Tools-pw-2@127.0.0.1:2/',
    'app-uri': 'mongodb://app:Tools-pw-3@127.0.0.1:2/appdb'
  }

  test('mongodump missing from PATH, tools-path without the tools, mongodump 4.2', async (t) => {
    const old = fakeTools({
      mongodump: 'echo "mongodump version: r4.2.0"',
      mongorestore: `exec "${binaries().mongorestore}" "$@"`
    })
    const empty = fakeTools({})
    t.after(() => (old.remove(), empty.remove()))
    const missing = await runAction(
      // tools-version empty: the tools are looked up on PATH, as the command line does.
      { ...inputs, 'tools-path': '', 'tools-version': '' },
      { node, path: '/usr/bin:/bin' }
    )
    const notThere = await runAction({ ...inputs, 'tools-path': empty.dir }, { node })
    const tooOld = await runAction({ ...inputs, 'tools-path': old.dir }, { node })
    assert.match(
      assertFailed(missing, 'ToolNotFound').message,
      /Install the MongoDB Database Tools/
    )
    assert.match(assertFailed(notThere, 'ToolNotFound').message, /^tools-path: .* does not exist/)
    assert.match(
      assertFailed(tooOld, 'ToolTooOld').message,
      /^mongodump 4\.2\.0 .* predates the MongoDB Database Tools 100\.x.*Install mongodb-database-tools 100\.x/
    )
  })

  // The prelude is intact, so the dump passes inspection; the damage is met by mongorestore.
  for (const [name, damage] of [
    ['truncated', (f: string) => truncateSync(f, Math.floor(statSync(f).size / 2))],
    [
      'corrupted',
      (f: string) => {
        const bytes = readFileSync(f)
        randomFillSync(bytes, Math.floor(bytes.length / 2), 4096)
        writeFileSync(f, bytes)
      }
    ]
  ] as const) {
    test(`a ${name} archive: mongorestore fails, the target may be partial`, async (t) => {
      const fx = await pair(t)
      const dir = mkdtempSync(join(tmpdir(), 'guard-archive-'))
      t.after(() => rmSync(dir, { recursive: true, force: true }))
      const archive = join(dir, 'dump.archive')
      await runTool(
        binaries().mongodump,
        fx.source.rootUri,
        [`--archive=${archive}`, '--db=appdb'],
        dir
      )
      damage(archive)
      const run = await runAction(
        {
          mode: 'restore',
          'target-uri': fx.target.rootUri,
          'app-uri': fx.inputs['app-uri'] as string,
          'tools-path': binaries().toolsDir,
          archive
        },
        { node }
      )
      const f = assertFailed(run, 'ToolFailed')
      assert.match(f.message, /mongorestore exited with 1/)
      assert.match(f.message, /partial copy/)
      assert.equal(phases(run).at(-1)?.name, 'Restore')
      assert.match(run.report?.['aftermath'] as string, /mongorestore failed/)
    })
  }
})

describe('nothing lost', () => {
  test('a target that already holds the data is refused without drop or allow-merge', async (t) => {
    const fx = await pair(t)
    const client = new MongoClient(fx.target.rootUri, { maxPoolSize: 1 })
    await client
      .db('appdb')
      .collection<{ _id: number }>('orders')
      .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }])
    await client.close()
    const refused = await runAction(fx.inputs, { node })
    const f = assertFailed(refused, 'TargetNotEmpty')
    assert.match(f.message, /appdb\.orders \(3 documents\)/)
    assert.match(f.message, /set drop: true; to merge on purpose set allow-merge: true/)
    assert.equal(refused.report?.['targetWritten'], false)
    assert.equal(await count(fx.target), 3)
    // drop: true replaces the collection: the check is not needed.
    const dropped = await runAction({ ...fx.inputs, drop: 'true' }, { node })
    assert.equal(dropped.exitCode, 0, explain(dropped))
    assert.equal(await count(fx.target), SMALL)
  })

  test('a target that is the source under another host name is refused; a copy into another database is not', async (t) => {
    const fx = await pair(t)
    await createUser(fx.source, 'appdb', 'app', APP, ['readWrite'])
    await createUser(fx.source, 'copy', 'app', APP, ['readWrite'])
    const alias = (uri: string) => uri.replace('127.0.0.1', 'localhost')
    const same = {
      ...fx.inputs,
      'target-uri': alias(fx.source.rootUri),
      'app-uri': alias(fx.source.uri('app', APP, 'appdb'))
    }
    const refused = await runAction(same, { node })
    const f = assertFailed(refused, 'ForbiddenOption')
    assert.match(
      f.message,
      /reach the same deployment .*appdb\.orders would be restored onto itself/
    )
    assert.equal(refused.report?.['targetWritten'], false)
    const copy = await runAction(
      {
        ...same,
        'ns-from': 'appdb.$c$',
        'ns-to': 'copy.$c$',
        'app-uri': alias(fx.source.uri('app', APP, 'copy')),
        'app-privileges': 'copy: readWrite'
      },
      { node }
    )
    assert.equal(copy.exitCode, 0, explain(copy))
    assert.equal(await count(fx.source, 'copy.orders'), SMALL)
    assert.equal(await count(fx.source), SMALL)
  })

  test('a least-privilege target user (restore role) cannot check emptiness: told how to proceed', async (t) => {
    const fx = await pair(t)
    await createUser(fx.target, 'admin', 'restorer', 'Restore-pw-7', ['restore'])
    const inputs = {
      ...fx.inputs,
      'target-uri': fx.target.uri('restorer', 'Restore-pw-7', 'admin')
    }
    const refused = await runAction(inputs, { node })
    const f = assertFailed(refused, 'Unauthorized')
    assert.match(
      f.message,
      /^target-uri: the user could not read appdb\.orders to check that it is empty/
    )
    assert.match(
      f.message,
      /Grant it read on the databases to restore, or set drop: true or allow-merge: true/
    )
    assert.equal(await count(fx.target), 0)
    const merged = await runAction({ ...inputs, 'allow-merge': 'true' }, { node })
    assert.equal(merged.exitCode, 0, explain(merged))
    assert.equal(await count(fx.target), SMALL)
    // Both checks it cannot make are skipped out loud, never silently.
    assert.match(
      merged.stdout,
      /^::warning title=Data check skipped::.*may not read the restored collections/m
    )
    assert.match(
      merged.stdout,
      /^::warning title=Users drift check skipped::.*Give target-admin-uri/m
    )
    const users = merged.report?.['users'] as { checked: boolean; reason: string }
    assert.equal(users.checked, false)
    assert.ok(users.reason, 'the report says why the users were not checked')
  })

  test('a restore of zero documents from a non-empty dump fails (EmptyRestore)', async (t) => {
    const fx = await pair(t)
    const run = await runAction({ ...fx.inputs, 'ns-exclude': 'appdb.*' }, { node })
    const f = assertFailed(run, 'EmptyRestore')
    assert.match(f.message, /mongodump wrote \d+ document\(s\) but mongorestore restored none/)
    assert.equal(await count(fx.target), 0)
  })
})

test('secret sweep: no password or connection string in anything any run left', () => {
  const known = [APP, 'Wrong-pw-9', 'Wrong-app-pw-9', 'Restore-pw-7']
  const secrets = [...new Set([...known, ...allRuns.flatMap((run) => credentialsIn(run.inputs))])]
  assert.ok(allRuns.length >= 15, `only ${allRuns.length} runs were recorded`)
  for (const run of allRuns) assert.deepEqual(secretHits(run, secrets), [], explain(run))
})
