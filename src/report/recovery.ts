// The recovery objectives, measured and judged: how long the restore took (RTO) and what point
// in time the restored data represents, hence how old it was when the restore finished (RPO).
// Pure: the pipeline passes what it timed and found, records the result, and calls
// `judgeObjectives` last, after every probe and check, so a missed objective never hides them.
import { GuardError } from '../errors.js'
import { formatDuration, type Objectives } from '../input/objectives.js'
import type { NewestId } from '../server/newest-id.js'
import type { ConsistentPoint, Manifest } from '../tools/manifest.js'

/** Where the data's point in time came from, most exact first. */
export type AsOfSource =
  | 'consistent-copy'
  | 'dump-started'
  | 'manifest-consistent'
  | 'manifest'
  | 'newest-objectid'
  | 'unknown'

export interface DataAsOf {
  /** The point in time the restored data represents (ISO 8601); undefined: unknown. */
  at: string | undefined
  source: AsOfSource
  /** How it was found, in a sentence. */
  how: string
}

/** What is known about when the data was read: each optional, the first one known wins. */
export interface AsOfEvidence {
  /** This run's consistent copy (the oplog timestamp it reflects); unset until such a copy exists. */
  consistentAt?: ConsistentPoint
  /** This run's own dump started then (a copy from a live source). */
  dumpStartedAt?: Date
  /** The manifest of the dump restored. */
  manifest?: Manifest
  /** A dump without a manifest: the newest ObjectId among the restored documents. */
  newestId?: NewestId
  /** A dump without a manifest, and no ObjectId found: why nothing else can tell. */
  unknownBecause?: string
}

/** The one place that decides what point in time the restored data represents. */
export function dataAsOf(e: AsOfEvidence): DataAsOf {
  if (e.consistentAt) {
    return {
      at: pointTime(e.consistentAt),
      source: 'consistent-copy',
      how: `the consistent copy's oplog time (${e.consistentAt.t}, ${e.consistentAt.i})`
    }
  }
  if (e.dumpStartedAt) {
    return {
      at: e.dumpStartedAt.toISOString(),
      source: 'dump-started',
      how: "when this run's dump started (databases are dumped one after another, so no single point is exact: this is the oldest it can be)"
    }
  }
  if (e.manifest?.consistentAt) {
    return {
      at: e.manifest.consistentAt.time,
      source: 'manifest-consistent',
      how: "the consistent point in time recorded in the dump's manifest"
    }
  }
  if (e.manifest) {
    return {
      at: e.manifest.startedAt,
      source: 'manifest',
      how: `when the dump started, as its manifest records: the oldest the data can be (the dump took ${formatDuration(e.manifest.durationSeconds * 1000)})`
    }
  }
  if (e.newestId) {
    return {
      at: e.newestId.at.toISOString(),
      source: 'newest-objectid',
      how: `the dump has no manifest: the newest ObjectId _id among the restored documents (in ${e.newestId.namespace}), i.e. the newest insert; updates and other _id types do not show`
    }
  }
  return {
    at: undefined,
    source: 'unknown',
    how: `unknown: ${e.unknownBecause ?? 'nothing records when the data was read'}`
  }
}

function pointTime(p: ConsistentPoint): string {
  return new Date(p.t * 1000).toISOString()
}

export interface ObjectiveResult {
  objective: 'max-restore-duration' | 'max-data-age'
  boundSeconds: number
  /** What was measured; undefined when it cannot be known (the data's age of a foreign dump). */
  actualSeconds: number | undefined
  met: boolean
}

/** What a run that copies reports about the recovery it rehearsed. */
export interface Recovery {
  /** Seconds the restore took (streamed: the dump and the restore, which run at once). */
  restoreSeconds: number | undefined
  /** When the restore finished (ISO 8601). */
  restoreFinishedAt: string | undefined
  /** Bytes of the dump on disk; undefined when streamed (the tools' pipe is not metered). */
  bytes: number | undefined
  /** Documents restored (mode dump: dumped). */
  documents: number
  dataAsOf: DataAsOf
  /** The data's age when the restore finished (mode dump: when the dump finished). */
  dataAgeSeconds: number | undefined
  objectives: ObjectiveResult[]
}

export interface Measured {
  restoreMs: number | undefined
  /** When the restore finished, or (mode dump) when the dump did: the data's age is taken then. */
  finishedAt: Date
  bytes: number | undefined
  documents: number
  asOf: DataAsOf
}

/** The measurement, and each objective against it. */
export function measureRecovery(m: Measured, objectives: Objectives | undefined): Recovery {
  const age = m.asOf.at === undefined ? undefined : m.finishedAt.getTime() - Date.parse(m.asOf.at)
  const results: ObjectiveResult[] = []
  if (objectives?.maxRestoreMs !== undefined) {
    results.push(result('max-restore-duration', objectives.maxRestoreMs, m.restoreMs))
  }
  if (objectives?.maxDataAgeMs !== undefined) {
    results.push(result('max-data-age', objectives.maxDataAgeMs, age))
  }
  return {
    restoreSeconds: m.restoreMs === undefined ? undefined : seconds(m.restoreMs),
    restoreFinishedAt: m.restoreMs === undefined ? undefined : m.finishedAt.toISOString(),
    bytes: m.bytes,
    documents: m.documents,
    dataAsOf: m.asOf,
    dataAgeSeconds: age === undefined ? undefined : seconds(age),
    objectives: results
  }
}

function result(
  objective: ObjectiveResult['objective'],
  boundMs: number,
  actualMs: number | undefined
): ObjectiveResult {
  return {
    objective,
    boundSeconds: seconds(boundMs),
    actualSeconds: actualMs === undefined ? undefined : seconds(actualMs),
    met: actualMs !== undefined && actualMs <= boundMs
  }
}

/** One line per missed objective: which, by how much, and the times it was judged on. */
export function missedLines(recovery: Recovery): string[] {
  return recovery.objectives
    .filter((o) => !o.met)
    .map((o) => {
      const bound = formatDuration(o.boundSeconds * 1000)
      if (o.objective === 'max-restore-duration') {
        const took = o.actualSeconds === undefined ? 0 : o.actualSeconds
        return `max-restore-duration missed by ${formatDuration((took - o.boundSeconds) * 1000)}: the restore took ${formatDuration(took * 1000)}, the bound is ${bound}`
      }
      const asOf = recovery.dataAsOf
      const finished = recovery.restoreFinishedAt ?? 'the end of the run'
      if (o.actualSeconds === undefined) {
        return `max-data-age cannot be shown to hold: the data's age is ${asOf.how}; the bound is ${bound}`
      }
      return `max-data-age missed by ${formatDuration((o.actualSeconds - o.boundSeconds) * 1000)}: the data is as of ${asOf.at} (${asOf.how}), ${formatDuration(o.actualSeconds * 1000)} old when the restore finished at ${finished}; the bound is ${bound}`
    })
}

/** The summary's first line: the first objective missed, and by how much. */
export function missedHeadline(recovery: Recovery | undefined): string | undefined {
  const o = recovery?.objectives.find((x) => !x.met)
  if (!o) return undefined
  const bound = formatDuration(o.boundSeconds * 1000)
  if (o.actualSeconds === undefined)
    return `the data's age is unknown, so ${o.objective} (${bound}) is not shown to hold`
  const by = formatDuration((o.actualSeconds - o.boundSeconds) * 1000)
  const actual = formatDuration(o.actualSeconds * 1000)
  return o.objective === 'max-restore-duration'
    ? `max-restore-duration missed by ${by}: the restore took ${actual} (bound ${bound})`
    : `max-data-age missed by ${by}: the data was ${actual} old (bound ${bound})`
}

/** Fails the run when an objective was missed; called after every probe and check passed. */
export function judgeObjectives(recovery: Recovery | undefined): void {
  const missed = recovery ? missedLines(recovery) : []
  if (missed.length === 0) return
  throw new GuardError(
    'ObjectiveMissed',
    'A recovery objective was missed',
    `${missed.join('. ')}. The restore itself passed every probe and check; a real recovery from this backup would miss the objective. ${fixFor(recovery as Recovery)}`
  )
}

function fixFor(recovery: Recovery): string {
  const missed = new Set(recovery.objectives.filter((o) => !o.met).map((o) => o.objective))
  const fixes: string[] = []
  if (missed.has('max-data-age'))
    fixes.push(
      'Check that the backup job still runs and that this rehearsal restores its newest dump'
    )
  if (missed.has('max-restore-duration'))
    fixes.push(
      'Look at the phases for where the time went (more parallelism, a faster target, or a bound that matches what the data needs)'
    )
  return fixes.join('; ') + '.'
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}
