// src/tools/: everything about mongodump and mongorestore. Their argv (args.ts), starting them
// (runner.ts, the only module that spawns processes), reading their logs (output.ts,
// progress.ts), dumps on disk (dump-files.ts) and the transfer itself (this file). It may import
// src/input/ and src/server/ (for index definitions), never the report or the pipeline.
//
// Dump and restore. Streamed: mongodump --archive | mongorestore --archive, nothing on disk.
// To disk: one `mongodump --db` per user database into a new directory, so that no file ever
// holds admin's users, roles or credential hashes. Connection strings reach the tools only
// through --config: a FIFO written once (a file only on Windows), in a private directory.
import { info } from '../interface.js'
import { mkdir, rm } from 'node:fs/promises'
import { cancelled, GuardError, timedOut } from '../errors.js'
import type { MongoUri, SecretDir } from '../secrets.js'
import type { PartLine } from '../input/namespace.js'
import { buildsIndexes, queryOf } from '../input/parts.js'
import type { TransferPlan } from '../input/settings.js'
import { dumpArgs, restoreArgs, type DumpTo, type RestoreFrom } from './args.js'
import {
  failureReason,
  restoreCounts,
  restoredNamespaces,
  type RestoreCounts,
  type RestoredNamespace
} from './output.js'
import { forEachBounded } from '../concurrency.js'
import {
  spawnTools,
  type Interruption,
  type ToolCommand,
  type ToolRun,
  type ToolRunner
} from './runner.js'

export interface ToolBins {
  mongodump: string
  mongorestore: string
}

/** Told what the tools do as they do it, so the pipeline can record it even when a step fails. */
export interface ToolObserver {
  /** mongorestore is about to start: from now on the target may hold data from this run. */
  restoreStarting(): void
  /** A tool exited, whatever the outcome. */
  exited(run: ToolRun): void
  /** An incomplete dump directory was removed after mongodump failed. */
  dumpRemoved(path: string): void
}

/** What every tool run needs besides the plan. */
export interface ToolContext {
  bins: ToolBins
  secrets: SecretDir
  signal: AbortSignal
  /** Time limit of each dump and each restore. */
  timeoutMs: number
  /** Removes every secret of the run from a line of tool output. */
  redact: (text: string) => string
  observer: ToolObserver
  /** Starts the processes: the real one, or canned runs in unit tests. */
  runner?: ToolRunner
}

export interface RestoreResult {
  counts: RestoreCounts
  restored: RestoredNamespace[]
}

/**
 * How many databases are moved at once (one pipeline, or one dump, each). Each pipeline runs
 * its own mongodump and mongorestore with their own parallelism inside.
 */
export const DATABASE_CONCURRENCY = 2

/**
 * mongodump --archive piped straight into mongorestore --archive: nothing on disk. With
 * databases named, one pipeline per database, so that nothing else of the deployment is dumped;
 * with namespaces (a part of a split migration), one per namespace or `_id` range; else one
 * pipeline for the whole deployment, filtered at restore.
 */
export async function streamDumpRestore(
  ctx: ToolContext,
  plan: TransferPlan,
  source: MongoUri,
  target: MongoUri
): Promise<RestoreResult> {
  const scopes: Scope[] =
    plan.namespaces.length > 0
      ? plan.namespaces.map(partScope)
      : plan.databases.length > 0
        ? plan.databases.map((database) => ({ dump: { kind: 'stdout', database } }))
        : [{ dump: { kind: 'stdout' } }]
  const results = await forEachBounded(scopes, DATABASE_CONCURRENCY, (scope) =>
    streamOne(ctx, plan, source, target, scope)
  )
  return {
    counts: {
      restored: results.reduce((n, r) => n + r.counts.restored, 0),
      failed: results.reduce((n, r) => n + r.counts.failed, 0)
    },
    restored: results.flatMap((r) => r.restored)
  }
}

/** What one pipeline dumps, and whether its restore leaves the indexes to a sibling part. */
interface Scope {
  dump: DumpTo & { kind: 'stdout' }
  noIndexRestore?: boolean
}

function partScope(line: PartLine): Scope {
  return {
    dump: {
      kind: 'stdout',
      database: line.database,
      collection: line.collection,
      query: line.range && queryOf(line.range)
    },
    noIndexRestore: !buildsIndexes(line)
  }
}

async function streamOne(
  ctx: ToolContext,
  plan: TransferPlan,
  source: MongoUri,
  target: MongoUri,
  scope: Scope
): Promise<RestoreResult> {
  const dump = await command(ctx, 'mongodump', source, (config) =>
    dumpArgs(plan, config, scope.dump)
  )
  const restore = await command(ctx, 'mongorestore', target, (config) =>
    restoreArgs(plan, config, { kind: 'stdin', noIndexRestore: scope.noIndexRestore })
  )
  info(`${echo(dump)} | ${echo(restore)}`)
  ctx.observer.restoreStarting()
  const { runs, interruption } = await run(ctx, [dump, restore])
  const [dumpRun, restoreRun] = runs as [ToolRun, ToolRun]
  // mongodump stopped only because mongorestore failed first, or both were stopped (timeout,
  // cancellation) while the target was being written: report it as the restore's.
  if (!dumpRun.readerFailed && interruption === undefined) {
    checkRun(dumpRun, interruption, 'dump', true)
  }
  return finishRestore(restoreRun, interruption)
}

/** One `mongodump --db X --out DIR` per database, a few at once; an incomplete directory is removed. */
export async function dumpToDirectory(
  ctx: ToolContext,
  plan: TransferPlan,
  source: MongoUri,
  databases: readonly string[],
  directory: string
): Promise<void> {
  await mkdir(directory)
  try {
    await forEachBounded(databases, DATABASE_CONCURRENCY, async (database) => {
      const dump = await command(ctx, 'mongodump', source, (config) =>
        dumpArgs(plan, config, { kind: 'directory', path: directory, database })
      )
      info(echo(dump))
      const { runs, interruption } = await run(ctx, [dump])
      checkRun(runs[0] as ToolRun, interruption, 'dump', false)
    })
  } catch (error) {
    // An incomplete dump must not be mistaken for a backup.
    await rm(directory, { recursive: true, force: true })
    ctx.observer.dumpRemoved(directory)
    throw error
  }
}

export async function restoreFromDump(
  ctx: ToolContext,
  plan: TransferPlan,
  target: MongoUri,
  from: RestoreFrom
): Promise<RestoreResult> {
  const restore = await command(ctx, 'mongorestore', target, (config) =>
    restoreArgs(plan, config, from)
  )
  info(echo(restore))
  ctx.observer.restoreStarting()
  const { runs, interruption } = await run(ctx, [restore])
  return finishRestore(runs[0] as ToolRun, interruption)
}

/** A tool's command line, with its connection string in a --config file of the run's secret directory. */
export async function command(
  ctx: ToolContext,
  tool: 'mongodump' | 'mongorestore',
  uri: MongoUri,
  args: (configFile: string) => string[]
): Promise<ToolCommand> {
  const configFile = await ctx.secrets.toolConfig(tool === 'mongodump' ? 'source' : 'target', uri)
  return { tool, bin: ctx.bins[tool], args: args(configFile), config: ctx.secrets.pipe(configFile) }
}

/** Runs the commands (piped into each other) with the run's timeout, cancellation and redaction. */
export function run(ctx: ToolContext, commands: ToolCommand[]) {
  return (ctx.runner ?? spawnTools)(commands, {
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    redact: ctx.redact,
    onExit: (done) => ctx.observer.exited(done)
  })
}

export function echo(c: ToolCommand): string {
  return `${c.tool} ${c.args.join(' ')}`
}

function finishRestore(run: ToolRun, interruption: Interruption): RestoreResult {
  checkRun(run, interruption, 'restore', true)
  const counts = restoreCounts(run.lines)
  if (counts === undefined) {
    throw new GuardError(
      'ToolFailed',
      'mongorestore gave no summary',
      'mongorestore exited 0 without its "N document(s) restored" line; the result cannot be judged. The target may hold a partial copy.'
    )
  }
  return { counts, restored: restoredNamespaces(run.lines) }
}

/** Turns a tool's failure, timeout or cancellation into an error that says what may be written. */
export function checkRun(
  run: ToolRun,
  interruption: Interruption,
  step: 'dump' | 'restore',
  targetTouched: boolean
): void {
  const partial = targetTouched
    ? ' The target may hold a partial copy of the data.'
    : ' Nothing was restored.'
  if (interruption === 'cancelled') {
    throw cancelled(`during the ${step}; the tools were stopped.${partial}`)
  }
  if (interruption === 'timeout') throw timedOut(step, partial)
  if (run.exitCode !== 0) {
    const reason = failureReason(run.lines) ?? 'no output'
    throw new GuardError(
      'ToolFailed',
      `${run.tool} failed`,
      `${run.tool} exited with ${run.exitCode ?? 'a signal'}: ${reason}.${partial}`
    )
  }
}
