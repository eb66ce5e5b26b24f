// How a tool run is judged, with canned runs through the ToolRunner seam: exit codes, the
// "Failed:" line, a missing summary, timeouts and cancellations, and what the observer is told.
// The real processes are run by the integration tests (modes, faults, action).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MongoUri, SecretDir } from '../../src/secrets.ts'
import type { Interruption, ToolCommand, ToolRun, ToolRunner } from '../../src/tools/runner.ts'
import {
  dumpToDirectory,
  restoreFromDump,
  streamDumpRestore,
  type ToolContext
} from '../../src/tools/transfer.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'

const plan = DEFAULT_PLAN
const source = new MongoUri('mongodb://dumper:s3cret-src@db1:27017/?authSource=admin', 'source-uri')
const target = new MongoUri(
  'mongodb://restorer:s3cret-tgt@db2:27017/?authSource=admin',
  'target-uri'
)

const T = '2026-01-01T00:00:00.000+0000\t'
const DUMPED = [
  `${T}writing appdb.orders to archive on stdout`,
  `${T}done dumping appdb.orders (3 documents)`
]
const RESTORED = [
  `${T}found collection appdb.orders bson to restore to appdb.orders`,
  `${T}finished restoring appdb.orders (3 documents, 0 failures)`,
  `${T}3 document(s) restored successfully. 0 document(s) failed to restore.`
]

type Canned = Partial<ToolRun> & { lines: string[] }

/** A runner that answers each call with the next canned runs and remembers the commands. */
function cannedRunner(calls: { runs: Canned[]; interruption?: Interruption }[]) {
  const commands: ToolCommand[][] = []
  const runner: ToolRunner = async (cmds, options) => {
    commands.push(cmds)
    const call = calls.shift()
    assert.ok(call, 'the runner was called more often than expected')
    const runs = cmds.map((c, i) => {
      const canned = call.runs[i] as Canned
      const done: ToolRun = {
        tool: c.tool,
        exitCode: 0,
        interruption: call.interruption,
        ...canned
      }
      options.onExit?.(done)
      return done
    })
    return { runs, interruption: call.interruption }
  }
  return { runner, commands }
}

describe('judging tool runs', () => {
  let secrets: SecretDir
  let scratch: string
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'transfer-test-'))
    secrets = await SecretDir.create(scratch)
  })
  after(async () => {
    await secrets.remove()
    await rm(scratch, { recursive: true, force: true })
  })

  function context(runner: ToolRunner) {
    const events: string[] = []
    const ctx: ToolContext = {
      bins: { mongodump: '/bin/mongodump', mongorestore: '/bin/mongorestore' },
      secrets,
      signal: new AbortController().signal,
      timeoutMs: 1000,
      redact: (text) => text,
      observer: {
        restoreStarting: () => events.push('restore starting'),
        exited: (run) => events.push(`${run.tool} exited ${run.exitCode}`),
        dumpRemoved: (path) => events.push(`removed ${path}`)
      },
      runner
    }
    return { ctx, events }
  }

  test('a clean streamed run returns the counts and the restored namespaces', async () => {
    const { runner, commands } = cannedRunner([{ runs: [{ lines: DUMPED }, { lines: RESTORED }] }])
    const { ctx, events } = context(runner)
    const result = await streamDumpRestore(ctx, plan, source, target)
    assert.deepEqual(result.counts, { restored: 3, failed: 0 })
    assert.deepEqual(result.restored, [
      { source: 'appdb.orders', target: 'appdb.orders', documents: 3, failures: 0 }
    ])
    assert.deepEqual(events, ['restore starting', 'mongodump exited 0', 'mongorestore exited 0'])
    // The tools are piped dump → restore, and no password is in their argv.
    const [dump, restore] = commands[0] as [ToolCommand, ToolCommand]
    assert.equal(dump.tool, 'mongodump')
    assert.equal(restore.tool, 'mongorestore')
    assert.doesNotMatch(JSON.stringify(commands), /s3cret/)
  })

  test('mongorestore failing names its own "Failed:" reason and warns of a partial copy', async () => {
    const failed = [`${T}Failed: restore error: appdb.orders: E11000 duplicate key`]
    const { runner } = cannedRunner([{ runs: [{ lines: DUMPED }, { lines: failed, exitCode: 1 }] }])
    await assert.rejects(
      streamDumpRestore(context(runner).ctx, plan, source, target),
      (e: Error) => {
        assert.equal(e.name, 'ToolFailed')
        assert.match(e.message, /mongorestore exited with 1: restore error: appdb.orders: E11000/)
        assert.match(e.message, /The target may hold a partial copy/)
        return true
      }
    )
  })

  test('mongodump failing on its own is the dump’s failure', async () => {
    const { runner } = cannedRunner([
      {
        runs: [
          { lines: [`${T}Failed: error connecting to db server`], exitCode: 1 },
          { lines: RESTORED }
        ]
      }
    ])
    await assert.rejects(
      streamDumpRestore(context(runner).ctx, plan, source, target),
      (e: Error) => {
        assert.equal(e.name, 'ToolFailed')
        assert.match(e.message, /^mongodump exited with 1: error connecting to db server/)
        return true
      }
    )
  })

  test('mongodump stopped because mongorestore failed first: the restore is the cause', async () => {
    const { runner } = cannedRunner([
      {
        runs: [
          { lines: DUMPED, exitCode: null, readerFailed: true },
          { lines: [`${T}Failed: bad archive`], exitCode: 1 }
        ]
      }
    ])
    await assert.rejects(
      streamDumpRestore(context(runner).ctx, plan, source, target),
      (e: Error) =>
        e.name === 'ToolFailed' && /^mongorestore exited with 1: bad archive/.test(e.message)
    )
  })

  test('exit 0 without the summary line cannot be judged', async () => {
    const { runner } = cannedRunner([{ runs: [{ lines: [`${T}restoring from archive`] }] }])
    await assert.rejects(
      restoreFromDump(context(runner).ctx, plan, target, { kind: 'archive', path: '/x' }),
      (e: Error) =>
        e.name === 'ToolFailed' && /without its "N document\(s\) restored" line/.test(e.message)
    )
  })

  test('a timeout and a cancellation are reported as such, not as tool failures', async () => {
    for (const [interruption, kind, text] of [
      ['timeout', 'TimedOut', /did not finish within timeout-minutes/],
      ['cancelled', 'Cancelled', /cancelled during the restore; the tools were stopped/]
    ] as const) {
      const { runner } = cannedRunner([
        {
          runs: [
            { lines: [], exitCode: null },
            { lines: [], exitCode: null }
          ],
          interruption
        }
      ])
      await assert.rejects(
        streamDumpRestore(context(runner).ctx, plan, source, target),
        (e: Error) => {
          assert.equal(e.name, kind)
          assert.match(e.message, text)
          return true
        }
      )
    }
  })

  test('a failed dump to disk removes the incomplete directory and says so', async () => {
    const directory = join(scratch, 'dump')
    const { runner } = cannedRunner([
      { runs: [{ lines: [`${T}done dumping a.x (1 document)`] }] },
      { runs: [{ lines: [`${T}Failed: b: not authorized`], exitCode: 1 }] }
    ])
    const { ctx, events } = context(runner)
    await assert.rejects(
      dumpToDirectory(ctx, plan, source, ['a', 'b'], directory),
      /not authorized/
    )
    assert.equal(existsSync(directory), false)
    assert.deepEqual(events, ['mongodump exited 0', 'mongodump exited 1', `removed ${directory}`])
  })
})
