// mode catch-up: the second job of a live migration. The target holds the source as it was at
// T (the migrate step's consistent-at); this replays the source's oplog after T onto it, batch
// after batch, until the target is within max-lag of the source; with cutover, it then waits
// for the source to stop taking writes to the plan, applies the rest and verifies exactly.
//
// Why the replay is correct: entries are read in the oplog's own order (ts ascending) and one
// batch is applied completely, by one mongorestore --oplogReplay that applies its file in order,
// before the next is read; T advances only after a batch succeeded. An entry applied twice
// (a batch cut off by a cancel or a failover, then read again from the last T) gives the same
// result: the oplog's entries are idempotent (inserts become upserts, updates set values,
// deletes of what is gone are no-ops), which is what makes mongorestore's own replay safe.
import { cancelled } from '../errors.js'
import { info, warning } from '../interface.js'
import { formatOplogTime, wallClockOf } from '../input/consistent-at.js'
import type { CatchUpSettings, OplogTime } from '../input/settings.js'
import { newCatchUp, type CatchUpRecord } from '../report/catch-up-record.js'
import { phase } from '../report/phase.js'
import type { RepairResult } from '../server/repair.js'
import type { RestoreResult } from '../tools/transfer.js'
import { openSides, plannedNamespaces } from '../server/preflight.js'
import { namespaceChange, type InPlan } from '../oplog/catch-up-checks.js'
import { countsDifferingAtT } from '../oplog/catch-up-counts.js'
import {
  applyBatch,
  entryMissing,
  entryRolledBack,
  oplogBounds,
  readBatch,
  renamesAndDropsAfter,
  rolledOver,
  sourcePrimary,
  electing,
  namespacesChanged,
  noPrimary,
  notAReplicaSet,
  sourceKeptWriting,
  targetWritten,
  type Batch
} from '../oplog/catch-up-steps.js'
import { planNamespaces, type PlannedNamespace } from '../input/ns-plan.js'
import { checkTheCopy } from './check.js'
import type { Run } from './context.js'
import { expectedOfSource } from './expected.js'
import { describe, probeAfter, probeBefore, recordBaseline } from './phases.js'
import { readSource, type Baseline } from './steps.js'

/** Entries read and applied at once: one mongorestore run each (about 10 MB of small writes). */
const BATCH_ENTRIES = 10_000
/** The log shows where the catch-up is at least this often, even while it waits. */
const PROGRESS_MS = 5_000
/** How long a source without a primary (an election) is waited for. */
const FAILOVER_WAIT_MS = 90_000
/** How long to wait before reading again when the source had nothing new. */
const POLL_MS = 500

/** Where the replay stands: the report's record is updated from it after every batch. */
interface Position {
  /** The report's record of the catch-up, updated after every batch. */
  record: CatchUpRecord
  applied: OplogTime
  /** Whether `applied` is an entry this run read (T itself need not be one). */
  appliedIsEntry: boolean
  primary: string
  lastRelevantAt: number
  lastWrite: Date | undefined
}

export async function catchUp(run: Run<CatchUpSettings>): Promise<void> {
  const { settings, report } = run
  const record = newCatchUp(settings.from)
  report.catchUp = record
  const before = await probeBefore(run)
  const planned = await phase(report.phases, 'Check source and target', () =>
    checkSourceAndTarget(run)
  )
  report.plan = { namespaces: planned, drop: false }
  const baseline = await recordBaseline(run)
  // Decided by the plan, not by what the source holds now: a dropped collection is still in it.
  const scope: InPlan = (ns) => planNamespaces([ns], settings.transfer).length > 0
  const position = await phase(report.phases, 'Check T and the target', () =>
    checkStart(run, record, planned, scope)
  )
  await phase(report.phases, 'Catch up', async () => {
    await replayUntil(run, position, scope, () => record.lagSeconds * 1000 <= settings.maxLagMs)
    // Nobody else wrote the target meanwhile: its counts are the source's at the T reached.
    const differing = await throughFailover(run, position, () =>
      countsDifferingAtT(
        settings.source,
        settings.target,
        planned,
        position.applied,
        settings.probeTimeoutMs
      )
    )
    if (differing.length > 0) throw targetWritten(differing, position.applied, true)
  })
  info(
    `Caught up: the target is ${record.lagSeconds} s behind the source, and holds the source's counts at ${formatOplogTime(record.appliedThrough)}.`
  )
  record.verdict = 'caught-up'
  if (!settings.cutover) return
  const started = Date.now()
  position.lastRelevantAt = Date.now()
  await phase(report.phases, 'Cut over: wait for the source to stop writing', () =>
    replayUntil(run, position, scope, (full) => {
      if (!full && Date.now() - position.lastRelevantAt >= settings.quietMs) return true
      if (Date.now() - started > settings.cutoverTimeoutMs) {
        throw sourceKeptWriting(settings.cutoverTimeoutMs, record.appliedThrough)
      }
      return false
    })
  )
  record.writesStoppedAt = position.lastWrite?.toISOString()
  const repairs = await probeAfter(run, { round: 'Probe after catch-up', before, baseline })
  const now = await phase(report.phases, 'Read the source', () =>
    throughFailover(run, position, async () => {
      const sides = await openSides(settings.source, undefined, settings.probeTimeoutMs)
      try {
        return await plannedNamespaces(sides, settings.transfer, [])
      } finally {
        await sides.close()
      }
    })
  )
  await verifyCaughtUp(run, now, baseline, repairs)
  record.verifiedAt = new Date().toISOString()
  if (position.lastWrite) {
    record.cutoverSeconds = (Date.now() - position.lastWrite.getTime()) / 1000
  }
  record.verdict = 'verified'
}

/** The planned namespaces (as the migration planned them), on a source that is a replica set. */
async function checkSourceAndTarget(run: Run<CatchUpSettings>): Promise<PlannedNamespace[]> {
  const { settings } = run
  const sides = await openSides(settings.source, settings.target, settings.probeTimeoutMs)
  try {
    const hello = await sides.source!.client.db('admin').command({ hello: 1 })
    if (typeof hello['setName'] !== 'string') throw notAReplicaSet(settings.source)
    const planned = await plannedNamespaces(sides, settings.transfer, [])
    info(`The catch-up replays writes to ${planned.length} namespace(s): ${describe(planned)}`)
    return planned
  } finally {
    await sides.close()
  }
}

/** T is still in the source's oplog, and the target holds exactly what the source held at T. */
async function checkStart(
  run: Run<CatchUpSettings>,
  record: CatchUpRecord,
  planned: readonly PlannedNamespace[],
  scope: InPlan
): Promise<Position> {
  const { settings } = run
  const { from } = settings
  const bounds = await oplogBounds(settings.source, settings.probeTimeoutMs)
  if (before(from, bounds.oldest)) throw rolledOver(from, bounds.oldest)
  info(
    `T = ${formatOplogTime(from)} (${wallClockOf(from)}); the source's oplog reaches back to ${wallClockOf(bounds.oldest)} and forward to ${wallClockOf(bounds.newest)}.`
  )
  const change = namespaceChange(await renamesAndDropsAfter(settings, from), scope)
  if (change) throw namespacesChanged(change, from)
  const differing = await countsDifferingAtT(
    settings.source,
    settings.target,
    planned,
    from,
    settings.probeTimeoutMs
  )
  if (differing.length > 0) throw targetWritten(differing, from)
  info(`The target's ${planned.length} collection(s) hold the source's counts at T.`)
  return {
    record,
    applied: from,
    appliedIsEntry: false,
    primary: await sourcePrimary(settings.source, settings.probeTimeoutMs),
    lastRelevantAt: Date.now(),
    lastWrite: undefined
  }
}

/**
 * Reads and applies one batch at a time until `done` (given whether the last batch was full)
 * says so; between batches, a cancel stops it and a new primary is checked for the entry last
 * applied. A progress line at least every PROGRESS_MS.
 */
async function replayUntil(
  run: Run<CatchUpSettings>,
  position: Position,
  scope: InPlan,
  done: (full: boolean) => boolean
): Promise<void> {
  const { settings, tools, signal } = run
  const { record } = position
  const progress = () =>
    `Applied ${record.entriesApplied} entries in ${record.batches} batches; the target holds the source through ${formatOplogTime(record.appliedThrough)} (${record.appliedThroughTime}), ${record.lagSeconds} s behind.`
  const ticker = setInterval(() => info(progress()), PROGRESS_MS)
  try {
    for (;;) {
      if (signal.aborted) throw cancelledAt(record.appliedThrough)
      const batch: Batch = await throughFailover(run, position, async () => {
        await followPrimary(run, position)
        return readBatch(settings, position.applied, BATCH_ENTRIES)
      })
      if (before(position.applied, batch.oldest)) throw rolledOver(position.applied, batch.oldest)
      const change = namespaceChange(batch.entries, scope)
      if (change) throw namespacesChanged(change, position.applied)
      // A cancel lets the batch finish (a second signal kills the tools): it stops between batches.
      if (batch.replay.length > 0) await applyBatch(tools, settings, batch.replay)
      if (batch.writes > 0) {
        position.lastRelevantAt = Date.now()
        position.lastWrite = batch.lastWrite ?? position.lastWrite
      }
      const last = batch.lastTs
      if (last) {
        position.applied = last
        position.appliedIsEntry = true
        record.batches += 1
        record.entriesApplied += batch.writes
        record.entriesSkipped += batch.entries.length - batch.replay.length
        record.appliedThrough = last
        record.appliedThroughTime = wallClockOf(last)
        if (batch.writes > 0) info(progress())
      }
      record.lagSeconds = Math.max(0, batch.newest.t - position.applied.t)
      const full = batch.entries.length >= BATCH_ENTRIES
      if (done(full)) return
      if (!full) await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  } finally {
    clearInterval(ticker)
  }
}

/**
 * Retries `fn` while the source has no primary (an election: server selection fails, the old
 * primary answers NotWritablePrimary), for up to FAILOVER_WAIT_MS; then fails with the T reached.
 */
async function throughFailover<T>(
  run: Run<CatchUpSettings>,
  position: Position,
  fn: () => Promise<T>
): Promise<T> {
  const deadline = Date.now() + FAILOVER_WAIT_MS
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      if (!electing(error)) throw error
      if (Date.now() > deadline) throw noPrimary(FAILOVER_WAIT_MS, position.applied)
      if (run.signal.aborted) throw cancelledAt(position.applied)
      info(`The source has no primary (an election?): reading again in a second.`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
}

/** A new primary (a failover): continue when it still holds the entry applied last. */
async function followPrimary(run: Run<CatchUpSettings>, position: Position): Promise<void> {
  const { settings } = run
  const primary = await sourcePrimary(settings.source, settings.probeTimeoutMs)
  if (primary === position.primary) return
  const bounds = await oplogBounds(settings.source, settings.probeTimeoutMs)
  if (before(position.applied, bounds.oldest)) throw rolledOver(position.applied, bounds.oldest)
  if (position.appliedIsEntry && (await entryMissing(settings, position.applied))) {
    throw entryRolledBack(position.applied, primary)
  }
  warning(
    `The source's primary changed from ${position.primary} to ${primary}; its oplog holds the last entry applied (${formatOplogTime(position.applied)}): the catch-up continues from it.`,
    { title: 'Source failover' }
  )
  position.record.failovers.push(primary)
  position.primary = primary
}

function cancelledAt(applied: OplogTime) {
  return cancelled(
    `between batches: the target holds the source's writes through ${formatOplogTime(applied)} (${wallClockOf(applied)}), nothing after. Run catch-up again with consistent-at: ${formatOplogTime(applied)} to continue from there.`
  )
}

function before(a: OplogTime, b: OplogTime): boolean {
  return a.t < b.t || (a.t === b.t && a.i < b.i)
}

/**
 * After the cutover: the target against the source as it is now (it takes no more writes to the
 * plan), exactly: counts, indexes, options, the sample, users, leftovers.
 */
async function verifyCaughtUp(
  run: Run<CatchUpSettings>,
  planned: readonly PlannedNamespace[],
  baseline: Baseline,
  repairs: readonly RepairResult[]
): Promise<void> {
  const { settings } = run
  const source = await readSource(
    settings,
    planned.map((p) => p.source)
  )
  const restored = planned.map((p) => ({ ...p, documents: 0, failures: 0 }))
  const result: RestoreResult = { counts: { restored: 0, failed: 0 }, restored }
  await checkTheCopy(run, {
    plan: settings.transfer,
    result,
    expected: expectedOfSource(planned, source),
    baseline,
    repairs,
    reference: { kind: 'server', uri: settings.source, collections: source }
  })
}
