// Dump and restore. Streamed: mongodump --archive | mongorestore --archive, nothing on disk.
// To disk: one `mongodump --db` per user database into a new directory, so that no file ever
// holds admin's users, roles or credential hashes. Connection strings reach the tools only
// through --config files in a private directory.
import * as core from '@actions/core'
import { mkdir, rm } from 'node:fs/promises'
import { GuardError } from '../errors.js'
import { progressOf } from './progress.js'
import { phase, type Report } from '../report/report.js'
import { redact, type MongoUri, type SecretDir } from '../secrets.js'
import type { Settings } from '../input/settings.js'
import { dumpArgs, restoreArgs, type RestoreFrom } from './args.js'
import {
  dumpedNamespaces,
  failureReason,
  restoreCounts,
  restoredNamespaces,
  type RestoreCounts,
  type RestoredNamespace
} from './output.js'
import { runTools, type Interruption, type ToolCommand, type ToolRun } from './runner.js'

export interface ToolBins {
  mongodump: string
  mongorestore: string
}

/** What every tool run needs besides the settings. */
export interface ToolContext {
  report: Report
  bins: ToolBins
  secrets: SecretDir
  signal: AbortSignal
}

export interface RestoreResult {
  counts: RestoreCounts
  restored: RestoredNamespace[]
}

export async function streamDumpRestore(
  ctx: ToolContext,
  settings: Settings,
  source: MongoUri,
  target: MongoUri
): Promise<RestoreResult> {
  const dump = await command(ctx, 'mongodump', source, (config) =>
    dumpArgs(settings, config, { kind: 'stdout' })
  )
  const restore = await command(ctx, 'mongorestore', target, (config) =>
    restoreArgs(settings, config, { kind: 'stdin' })
  )
  return phase(ctx.report, 'Dump → restore (streamed)', async () => {
    core.info(`${echo(dump)} | ${echo(restore)}`)
    ctx.report.targetWritten = true
    const { runs, interruption } = await runTools([dump, restore], runOptions(ctx, settings))
    const [dumpRun, restoreRun] = runs as [ToolRun, ToolRun]
    ctx.report.dumped = dumpedNamespaces(dumpRun.lines)
    // What mongorestore wrote is recorded whichever tool failed.
    recordRestore(ctx.report, restoreRun)
    // mongodump stopped only because mongorestore failed first, or both were stopped (timeout,
    // cancellation) while the target was being written: report it as the restore's.
    if (!dumpRun.readerFailed && interruption === undefined) {
      checkRun(dumpRun, interruption, 'dump', true)
    }
    return finishRestore(ctx.report, restoreRun, interruption)
  })
}

/** One `mongodump --db X --out DIR` per database; an incomplete directory is removed. */
export async function dumpToDirectory(
  ctx: ToolContext,
  settings: Settings,
  source: MongoUri,
  databases: readonly string[],
  directory: string
): Promise<void> {
  await phase(ctx.report, 'Dump to disk', async () => {
    await mkdir(directory)
    try {
      for (const database of databases) {
        const dump = await command(ctx, 'mongodump', source, (config) =>
          dumpArgs(settings, config, { kind: 'directory', path: directory, database })
        )
        core.info(echo(dump))
        const { runs, interruption } = await runTools([dump], runOptions(ctx, settings))
        const run = runs[0] as ToolRun
        ctx.report.dumped.push(...dumpedNamespaces(run.lines))
        checkRun(run, interruption, 'dump', false)
      }
    } catch (error) {
      // An incomplete dump must not be mistaken for a backup.
      await rm(directory, { recursive: true, force: true })
      const failed = ctx.report.toolRuns.at(-1)
      if (failed?.tool === 'mongodump') failed.removedArchive = directory
      throw error
    }
  })
}

export async function restoreFromDump(
  ctx: ToolContext,
  settings: Settings,
  target: MongoUri,
  from: RestoreFrom
): Promise<RestoreResult> {
  const restore = await command(ctx, 'mongorestore', target, (config) =>
    restoreArgs(settings, config, from)
  )
  return phase(ctx.report, 'Restore', async () => {
    core.info(echo(restore))
    ctx.report.targetWritten = true
    const { runs, interruption } = await runTools([restore], runOptions(ctx, settings))
    return finishRestore(ctx.report, runs[0] as ToolRun, interruption)
  })
}

async function command(
  ctx: ToolContext,
  tool: 'mongodump' | 'mongorestore',
  uri: MongoUri,
  args: (configFile: string) => string[]
): Promise<ToolCommand> {
  const configFile = await ctx.secrets.toolConfig(tool === 'mongodump' ? 'source' : 'target', uri)
  return { tool, bin: ctx.bins[tool], args: args(configFile) }
}

function runOptions(ctx: ToolContext, settings: Settings) {
  const uris = [settings.source, settings.target, settings.adminUri, ...settings.apps].filter(
    (u): u is MongoUri => u !== undefined
  )
  return {
    timeoutMs: settings.phaseTimeoutMs,
    signal: ctx.signal,
    redact: (text: string) => redact(text, uris),
    onExit: (run: ToolRun) => ctx.report.toolRuns.push(progressOf(run))
  }
}

function echo(c: ToolCommand): string {
  return `${c.tool} ${c.args.join(' ')}`
}

function recordRestore(report: Report, run: ToolRun): void {
  report.restore = restoreCounts(run.lines)
  report.restored = restoredNamespaces(run.lines)
}

function finishRestore(report: Report, run: ToolRun, interruption: Interruption): RestoreResult {
  recordRestore(report, run)
  const counts = report.restore
  checkRun(run, interruption, 'restore', true)
  if (counts === undefined) {
    throw new GuardError(
      'ToolFailed',
      'mongorestore gave no summary',
      'mongorestore exited 0 without its "N document(s) restored" line; the result cannot be judged. The target may hold a partial copy.'
    )
  }
  return { counts, restored: report.restored }
}

/** Turns a tool's failure, timeout or cancellation into an error that says what may be written. */
function checkRun(
  run: ToolRun,
  interruption: Interruption,
  step: 'dump' | 'restore',
  targetTouched: boolean
): void {
  const partial = targetTouched
    ? ' The target may hold a partial copy of the data.'
    : ' Nothing was restored.'
  if (interruption === 'cancelled') {
    throw new GuardError(
      'Cancelled',
      'Cancelled',
      `The run was cancelled during the ${step}; the tools were stopped.${partial}`
    )
  }
  if (interruption === 'timeout') {
    throw new GuardError(
      'TimedOut',
      `The ${step} timed out`,
      `The ${step} did not finish within timeout-minutes and was stopped.${partial} Raise timeout-minutes or check that the servers answer.`
    )
  }
  if (run.exitCode !== 0) {
    const reason = failureReason(run.lines) ?? 'no output'
    throw new GuardError(
      'ToolFailed',
      `${run.tool} failed`,
      `${run.tool} exited with ${run.exitCode ?? 'a signal'}: ${reason}.${partial}`
    )
  }
}
