// src/report/: judging and telling. The Report model (this file), its publication (publish.ts)
// and rendering (summary.ts), the phase records, the verdicts (judge.ts), the data comparison
// and what a failed run may have written. It may import types from every folder below; only the
// pipeline (main.ts, src/pipeline/) writes it.
//
// One typed report, filled in as the run goes and rendered once at the end. It only ever holds
// redacted strings. A leaf of the folder: the renderers import it, it imports none of them.
import type { FailureKind } from '../errors.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import type { PhaseRecord } from './phase.js'
import type { ProbeResult, ProbeStatus } from '../server/probe.js'
import type { Mismatch } from './data-check.js'
import type { UserDrift } from '../server/drift.js'
import type { ManagedService } from '../server/managed.js'
import type { ToolProgress } from '../tools/progress.js'
import type { ToolConfigChannel } from '../secrets.js'
import type { RepairResult } from '../server/repair.js'
import type { Mode } from '../input/settings.js'
import type { NamespaceCount, RestoreCounts, RestoredNamespace } from '../tools/output.js'
import type { Verdict } from './judge.js'
import type { Versions } from '../server/compatibility.js'
import type { CopyCheck } from './verify-copy.js'
import type { LeftoverCheck } from '../server/leftovers.js'
import type { Manifest } from '../tools/manifest.js'
import type { Recovery } from './recovery.js'
import type { SourceWrites } from '../server/source-writes.js'
import type { ExpiryCheck } from './expiry-check.js'
import type { CatchUpRecord } from './catch-up-record.js'

export interface Report {
  mode: Mode | undefined
  status: 'running' | 'passed' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | undefined
  source: string | undefined
  target: string | undefined
  archive: string | undefined
  /** The tools' versions, where they came from (tools-path or PATH, the tool cache, a download) and the feed's file. */
  tools: {
    mongodump?: string
    mongorestore?: string
    source?: 'cache' | 'download' | 'path'
    build?: string
    /** How they received the connection strings: a FIFO (never on disk), or on Windows a 0600 file. */
    credentials?: ToolConfigChannel
  }
  /** The tools' and each server's version (and FCV), read before anything was written. */
  versions: Versions | undefined
  phases: PhaseRecord[]
  /** Namespaces mongodump finished, with counts. */
  dumped: NamespaceCount[]
  restore: RestoreCounts | undefined
  /** Each collection mongorestore finished: source and target namespace, counts. */
  restored: RestoredNamespace[]
  /** The dump written to or read from disk: its namespaces (never users or roles when written here). */
  dumpFiles:
    | { path: string; bytes: number; namespaces: string[]; credentialNamespaces: string[] }
    | undefined
  /** Restored collections whose count or indexes differ from what was expected. */
  mismatches: Mismatch[]
  /** The options, indexes and sampled documents of the restored collections, with their cost. */
  copy: CopyCheck | undefined
  /** Collections with a TTL rule: their documents expired by the check, left out of the comparison. */
  expiry: ExpiryCheck | undefined
  /** The source's writes to the planned collections between the first mongodump and the copy check. */
  sourceWrites: SourceWrites | undefined
  /** admin.tempusers / admin.temproles left on the target by an interrupted mongorestore (counts only). */
  leftovers: LeftoverCheck | undefined
  /** The users drift check: whether it ran (else why not) and what it found. */
  users:
    | {
        checked: boolean
        reason: string | undefined
        drift: UserDrift | undefined
        /** Users on the target after the run. */
        count?: number
      }
    | undefined
  /** App users repaired (repair-app-user), exactly what was done to each. */
  repairs: RepairResult[]
  /** A managed service recognised by its host names. */
  managed: ManagedService
  /** rehearse: the scratch databases, and whether they were dropped afterwards. */
  rehearsal: { databases: string[]; dropped: boolean } | undefined
  /** migrate, rehearse: whether the copy is one point in time T of the source, else why not. */
  consistency: Consistency | undefined
  /** Whether mongorestore was started: if so, the target may hold data from this run. */
  targetWritten: boolean
  /** What the pre-flight check found the run would restore, and whether it drops first. */
  plan: { namespaces: PlannedNamespace[]; drop: boolean } | undefined
  /** How far each tool got, in the order they exited. */
  toolRuns: ToolProgress[]
  /** For a failed or cancelled run: what it may have written, in words. */
  aftermath: string | undefined
  probes: { before: ProbeResult[]; after: ProbeResult[] }
  verdicts: Verdict[]
  failure: { kind: FailureKind; title: string; message: string } | undefined
  /** mode plan: the parts planned, where the plan file is, the matrix and (when it fits) the plan. */
  split:
    | {
        parts: number
        namespaces: number
        wholeDatabases: boolean
        planPath: string
        matrix: string
        plan: string | undefined
      }
    | undefined
  /** mode verify: the parts whose namespaces the target does not hold as planned. */
  incompleteParts: { part: string; namespaces: string[] }[]
  /** mode verify: the target users whose digest differs from the plan's. */
  usersAgainstPlan: string[]
  /** The modes that copy: restore time, what moved, the data's point in time, the objectives. */
  recovery: Recovery | undefined
  /** restore: the manifest of the dump restored (this action's own dumps carry one). */
  manifest: Manifest | undefined
  /** mode catch-up: how far the replay got, the lag, the verdict. */
  catchUp?: CatchUpRecord
}

/**
 * A point-in-time copy: T as `<seconds>:<increment>` (mongorestore's --oplogLimit syntax) and
 * its wall-clock time, the plan's writes during the copy, the window's entries and how many the
 * replay applied; or an ordinary copy and why.
 */
export type Consistency =
  | {
      pointInTime: true
      at: string
      wallClock: string
      writesDuringCopy: number
      oplogEntries: number
      applied: number
    }
  | { pointInTime: false; reason: string }

export function newReport(): Report {
  return {
    mode: undefined,
    status: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    source: undefined,
    target: undefined,
    archive: undefined,
    tools: {},
    versions: undefined,
    phases: [],
    dumped: [],
    restore: undefined,
    restored: [],
    dumpFiles: undefined,
    mismatches: [],
    copy: undefined,
    expiry: undefined,
    sourceWrites: undefined,
    leftovers: undefined,
    rehearsal: undefined,
    users: undefined,
    repairs: [],
    managed: undefined,
    consistency: undefined,
    targetWritten: false,
    plan: undefined,
    toolRuns: [],
    aftermath: undefined,
    probes: { before: [], after: [] },
    verdicts: [],
    failure: undefined,
    split: undefined,
    incompleteParts: [],
    usersAgainstPlan: [],
    recovery: undefined,
    manifest: undefined
  }
}

/** The probe result the step reports: the first failure of the latest probe round. */
export function probeResult(report: Report): ProbeStatus | '' {
  const latest = report.probes.after.length > 0 ? report.probes.after : report.probes.before
  if (latest.length === 0) return ''
  return latest.find((p) => p.status !== 'ok')?.status ?? 'ok'
}

/** Seconds from the start of the run to the report. */
export function runSeconds(report: Report): number {
  const end = report.finishedAt ? Date.parse(report.finishedAt) : Date.now()
  return Math.round((end - Date.parse(report.startedAt)) / 100) / 10
}
