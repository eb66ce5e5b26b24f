// The copy of migrate and rehearse: streamed when no archive is named, else a dump to disk, one
// database at a time, then a restore of it. Around it, when the source can give one point in
// time: the oplog window opened before the first dump, its writes replayed after the last
// restore (src/oplog/).
import type { Timestamp } from 'mongodb'
import { info } from '../interface.js'
import { dbOf } from '../input/namespace.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import type { MigrateSettings, RehearseSettings, TransferPlan } from '../input/settings.js'
import { phase, timed } from '../report/phase.js'
import type { Recovery } from '../report/recovery.js'
import type { Report } from '../report/report.js'
import { userDatabases } from '../server/deployment.js'
import { finishCopy, startCopy, type PointInTime } from '../oplog/copy.js'
import { inspectDump } from '../tools/dump-files.js'
import type { ConsistentPoint } from '../tools/manifest.js'
import {
  dumpToDirectory,
  restoreFromDump,
  streamDumpRestore,
  type RestoreResult
} from '../tools/transfer.js'
import { watchWrites } from '../server/source-writes.js'
import { checkTheCopy } from './check.js'
import type { Run } from './context.js'
import { expectedOfCopy } from './expected.js'
import { probeAfter, type Before } from './phases.js'
import { measureCopy, writeOwnManifest } from './recovery.js'
import { readSource, type Baseline } from './steps.js'

/** What a copy did: the restore's result, T when it is one point in time, its recovery measure. */
export interface Copied extends RestoreResult {
  at: Timestamp | undefined
  recovery: Recovery
}

/** What migrate and rehearse found before the copy. */
export interface BeforeCopy {
  before: Before
  /** The namespaces the pre-flight check planned. */
  planned: readonly PlannedNamespace[]
  baseline: Baseline
}

/**
 * migrate and rehearse from the copy on: the source's writes counted, the copy, every app probed
 * again, and the copy checked against the source (as of T for a point-in-time copy).
 */
export async function copyAndCheck(
  run: Run<MigrateSettings | RehearseSettings>,
  plan: TransferPlan,
  { before, planned, baseline }: BeforeCopy
): Promise<Copied> {
  const { settings, report } = run
  const writes = await watchWrites(settings.source, planned, settings.probeTimeoutMs)
  const result = await copy(run, plan, planned)
  const repairs = await probeAfter(run, { before, baseline })
  const source = await readSource(
    settings,
    result.restored.map((r) => r.source),
    result.at
  )
  const pointInTime = result.at !== undefined
  const expected = expectedOfCopy(result.restored, report.dumped, source, pointInTime, plan)
  const reference = {
    kind: 'server' as const,
    uri: settings.source,
    collections: source,
    readAt: result.at
  }
  await checkTheCopy(run, { plan, result, expected, baseline, repairs, reference, writes })
  return result
}

/** Copies the plan's namespaces, `planned` by the pre-flight check, from source to target. */
async function copy(
  run: Run<MigrateSettings | RehearseSettings>,
  given: TransferPlan,
  planned: readonly PlannedNamespace[]
): Promise<Copied> {
  const { settings, report, tools } = run
  const { source, target } = settings
  const plan = withCollections(given, planned)
  const begun = await phase(report.phases, 'Open the oplog window', () =>
    startCopy(
      settings.consistent,
      source,
      { uri: target, databases: databasesOf(planned) },
      settings.probeTimeoutMs,
      plan.namespaces.length > 0
        ? 'a part of a split migration copies _id ranges, which the verify job checks as a whole'
        : undefined
    )
  )
  if ('reason' in begun) recordNotPointInTime(report, begun.reason)
  const dumpStartedAt = new Date()
  const { bytes, ...result } = await dumpAndRestore(run, plan, dumpStartedAt)
  let at: Timestamp | undefined
  if ('start' in begun) {
    const done = await phase(report.phases, 'Replay the writes made during the copy', () =>
      finishCopy(tools, source, target, begun.start, plan, settings.probeTimeoutMs)
    )
    recordPointInTime(report, done)
    at = done.at
  }
  const recovery = measureCopy(run, result, bytes, dumpStartedAt, at && pointOf(at))
  report.recovery = recovery
  return { ...result, at, recovery }
}

/** An oplog timestamp as the manifest and the recovery record keep it. */
export function pointOf(at: Timestamp): ConsistentPoint {
  return { t: at.t, i: at.i }
}

/** The target databases the pre-flight check planned to write. */
export function databasesOf(planned: readonly PlannedNamespace[]): string[] {
  return planned.map((p) => dbOf(p.target))
}

/** The plan with the number of collections planned: the tools' parallelism follows it. */
export function withCollections(
  plan: TransferPlan,
  planned: readonly PlannedNamespace[]
): TransferPlan {
  return { ...plan, collections: planned.length }
}

export function recordNotPointInTime(report: Report, reason: string): void {
  report.consistency = { pointInTime: false, reason }
  info(`Not a point-in-time copy: ${reason}.`)
}

export function recordPointInTime(report: Report, done: PointInTime): void {
  report.consistency = {
    pointInTime: true,
    at: `${done.at.t}:${done.at.i}`,
    wallClock: done.wallClock,
    writesDuringCopy: done.writes,
    oplogEntries: done.entries,
    applied: done.applied
  }
  info(
    `Consistent as of ${done.at.t}:${done.at.i} (${done.wallClock}): ${done.writes} writes made during the copy, ${done.applied} replayed.`
  )
}

async function dumpAndRestore(
  run: Run<MigrateSettings | RehearseSettings>,
  plan: TransferPlan,
  dumpStartedAt: Date
): Promise<RestoreResult & { restoreMs: number; finishedAt: Date; bytes: number | undefined }> {
  const { settings, report, tools } = run
  const { source, target, archive } = settings
  if (archive === undefined) {
    const result = await timed(() =>
      phase(report.phases, 'Dump → restore (streamed)', () =>
        streamDumpRestore(tools, plan, source, target)
      )
    )
    return { ...result, bytes: undefined }
  }
  const databases = await userDatabases(source, plan.databases, settings.probeTimeoutMs)
  await phase(report.phases, 'Dump to disk', () =>
    dumpToDirectory(tools, plan, source, databases, archive)
  )
  await writeOwnManifest(run, archive, plan, dumpStartedAt)
  const bytes = (await inspectDump(archive)).bytes
  const result = await timed(() =>
    phase(report.phases, 'Restore', () =>
      restoreFromDump(tools, plan, target, { kind: 'directory', path: archive })
    )
  )
  return { ...result, bytes }
}
