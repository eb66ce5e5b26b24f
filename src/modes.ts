// The modes, each a short sequence of the same steps: probe before → check source and target →
// dump → guarded restore → probe after → verify (plan and verify, the split migration's own, are
// in split-modes.ts). This file, split-modes.ts and main.ts are the only writers of the report:
// each step returns what it found and is recorded here.
import * as core from '@actions/core'
import { cancelled, GuardError, invalidInput } from './errors.js'
import { notice, warning } from './interface.js'
import type {
  CatchUpSettings,
  DumpSettings,
  MigrateSettings,
  ProbeSettings,
  RehearseSettings,
  RestoreSettings,
  Settings,
  ToolSettings,
  TransferPlan
} from './input/settings.js'
import { sourceOf, targetOf } from './input/settings.js'
import { buildsIndexes, rangedNamespaces } from './input/parts.js'
import { checkMismatches, compareCollections, type Expected } from './report/data-check.js'
import { judgeAfter, judgeBaseline, judgeNow, judgeUsers, checkRestore } from './report/judge.js'
import { managedAdvice } from './server/managed.js'
import { phase, timed } from './report/phase.js'
import type { Report } from './report/report.js'
import { dropDatabases, stateOf, userDatabases } from './server/deployment.js'
import { checkTarget, openSides, plannedNamespaces } from './server/preflight.js'
import { ensureCollections } from './server/survey.js'
import { checkSharding, helloOf } from './server/sharding.js'
import { planSplit, rangeMismatches, shardingWarnings, verifySplit } from './split-modes.js'
import {
  managedServiceOf,
  probeApps,
  readBaseline,
  readSource,
  rejectedApps,
  repairApp,
  tryReadTarget,
  tryLeftovers,
  tryReadUsers,
  usersDrift,
  type Baseline
} from './steps.js'
import { inspectDump, type DumpContents } from './tools/dump-files.js'
import { readManifest, refuseIncompleteDump, type ConsistentPoint } from './tools/manifest.js'
import { judgeObjectives } from './report/recovery.js'
import { recordCopy, recordDumped, recordRestore, writeOwnManifest } from './recovery-steps.js'
import type { PlannedNamespace } from './input/ns-plan.js'
import { watchWrites, writesSince, type WriteWatch } from './server/source-writes.js'
import { bucketsOf } from './server/collection-options.js'
import type { Timestamp } from 'mongodb'
import { dbOf } from './input/ns-plan.js'
import {
  finishCopy,
  noPointInTime,
  replayDenied,
  startCopy,
  type PointInTime
} from './oplog/copy.js'
import { hasSavedWindow, replaySaved, saveWindow } from './oplog/saved.js'
import { checkCopy, type Reference } from './report/verify-copy.js'
import { catchUp } from './catch-up.js'
import { copyFailure } from './report/copy-verdict.js'
import {
  checkExpiry,
  expiryMismatches,
  expiringOf,
  withoutExpiring
} from './report/expiry-check.js'
import {
  dumpToDirectory,
  restoreFromDump,
  streamDumpRestore,
  type RestoreResult,
  type ToolContext
} from './tools/transfer.js'

// MongoDB's limit on database names.
const MAX_DATABASE_NAME = 63

/** One run of a mode: its settings, the report it fills in, and the tools (absent in probe mode). */
export interface Run<S extends Settings = Settings> {
  settings: S
  report: Report
  tools: ToolContext
  signal: AbortSignal
}

export async function runMode(run: Run): Promise<void> {
  const { settings } = run
  switch (settings.mode) {
    case 'migrate':
      return migrate({ ...run, settings })
    case 'rehearse':
      return rehearse({ ...run, settings })
    case 'dump':
      return dump({ ...run, settings })
    case 'restore':
      return restore({ ...run, settings })
    case 'probe':
      return probeOnly({ ...run, settings })
    case 'plan':
      return planSplit({ ...run, settings })
    case 'verify':
      return verifySplit({ ...run, settings })
    case 'catch-up':
      return catchUp({ ...run, settings })
  }
}

async function migrate(run: Run<MigrateSettings>): Promise<void> {
  const { settings } = run
  await probeBefore(run)
  const planned = await checkSides(run, settings.transfer)
  const baseline = await recordBaseline(run)
  const ranged = rangedNamespaces(settings.transfer)
  // Sibling parts fill these collections at once: create them first, so none races another.
  if (ranged.length > 0) {
    await ensureCollections(settings.source, settings.target, ranged, settings.probeTimeoutMs)
  }
  const writes = await watchWrites(settings.source, planned, settings.probeTimeoutMs)
  const result = await transfer(run, settings.transfer)
  await probeAfter(run, baseline)
  const { expected, reference } = await fromSource(run, result)
  await verify(run, settings.transfer, result, expected, baseline, reference, writes)
  if (ranged.length > 0) await verifyRanges(run)
  judgeObjectives(run.report.recovery)
}

/** A part's `_id` ranges: the documents of each range on the target against the source's. */
async function verifyRanges(run: Run<MigrateSettings>): Promise<void> {
  const { report, settings } = run
  await phase(report.phases, 'Verify the _id ranges', async () => {
    const mismatches = await rangeMismatches(settings)
    core.info(
      `${settings.transfer.namespaces.length} ranges checked: ${mismatches.length} mismatches.`
    )
    report.mismatches.push(...mismatches)
    checkMismatches(mismatches)
  })
}

/**
 * Restores a fresh dump into scratch databases (renamed `rehearsal_<run>_<db>` on the source's
 * own deployment, the real names on another one), which must not exist yet; verifies and
 * probes; then drops exactly those databases unless `keep`.
 */
async function rehearse(run: Run<RehearseSettings>): Promise<void> {
  const { settings, report } = run
  const { source, target } = settings
  if (settings.transfer.renames.length > 0) {
    throw invalidInput(
      'ns-from',
      'is not used with mode: rehearse',
      'Remove ns-from and ns-to; the rehearsal chooses its own scratch names'
    )
  }
  const databases = await userDatabases(
    source,
    settings.transfer.databases,
    settings.probeTimeoutMs
  )
  const renamed = source.sharesHostWith(target)
  const scratch = databases.map((db) => (renamed ? `rehearsal_${settings.runId}_${db}` : db))
  const tooLong = scratch.filter((name) => name.length > MAX_DATABASE_NAME)
  if (tooLong.length > 0) {
    throw invalidInput(
      'databases',
      `the scratch names ${tooLong.join(', ')} exceed ${MAX_DATABASE_NAME} characters`,
      'Rehearse databases with shorter names, or use a separate target'
    )
  }
  const existing = new Set(await userDatabases(target, [], settings.probeTimeoutMs))
  const taken = scratch.filter((name) => existing.has(name))
  if (taken.length > 0) {
    throw new GuardError(
      'RehearsalConflict',
      'The rehearsal target is not empty',
      `The rehearsal would restore into ${taken.join(', ')}, which already exist on the target; a rehearsal never touches a database it did not create. Use a target without them. Nothing was written.`
    )
  }
  // The rehearsal's own plan: exactly these databases, renamed into scratch ones when needed.
  const plan: TransferPlan = {
    ...settings.transfer,
    databases,
    renames: renamed
      ? databases.map((db, i) => ({ from: `${db}.$coll$`, to: `${scratch[i]}.$coll$` }))
      : []
  }
  report.rehearsal = { databases: scratch, dropped: false }
  try {
    await probeBefore(run)
    const planned = await checkSides(run, plan)
    const baseline = await recordBaseline(run)
    const writes = await watchWrites(source, planned, settings.probeTimeoutMs)
    const result = await transfer(run, plan)
    await probeAfter(run, baseline)
    const { expected, reference } = await fromSource(run, result)
    await verify(run, plan, result, expected, baseline, reference, writes)
    judgeObjectives(report.recovery)
  } finally {
    if (!settings.keep && report.targetWritten) {
      await phase(report.phases, 'Drop the scratch databases', () =>
        dropDatabases(target, scratch, settings.probeTimeoutMs)
      )
      report.rehearsal.dropped = true
    }
  }
}

/** Dumps every user database (never admin, local, config) into a new directory. */
async function dump(run: Run<DumpSettings>): Promise<void> {
  const { settings, report } = run
  await checkSides(run, settings.transfer)
  const databases = await userDatabases(
    settings.source,
    settings.transfer.databases,
    settings.probeTimeoutMs
  )
  const begun = await phase(report.phases, 'Open the oplog window', () =>
    startCopy(settings.consistent, settings.source, undefined, settings.probeTimeoutMs)
  )
  if ('reason' in begun) recordNotPointInTime(report, begun.reason)
  const dumpStartedAt = new Date()
  await phase(report.phases, 'Dump to disk', () =>
    dumpToDirectory(run.tools, settings.transfer, settings.source, databases, settings.archive)
  )
  let at: ConsistentPoint | undefined
  if ('start' in begun) {
    const saved = await phase(report.phases, 'Save the writes made during the dump', () =>
      saveWindow(
        settings.source,
        begun.start,
        settings.transfer,
        settings.archive,
        settings.probeTimeoutMs
      )
    )
    recordPointInTime(report, saved)
    at = pointOf(saved.at)
  }
  const manifest = await writeOwnManifest(
    run,
    settings.archive,
    settings.transfer,
    dumpStartedAt,
    at
  )
  report.dumpFiles = dumpFiles(settings.archive, await inspectDump(settings.archive))
  recordDumped(run, manifest, dumpStartedAt, report.dumpFiles?.bytes, at)
}

/** Restores a dump from disk after checking what it carries. */
async function restore(run: Run<RestoreSettings>): Promise<void> {
  const { settings, report } = run
  const path = settings.archive
  const { contents, manifest } = await phase(report.phases, 'Inspect the dump', async () => ({
    contents: await inspectDump(path),
    manifest: await readManifest(path)
  }))
  report.dumpFiles = dumpFiles(path, contents)
  report.manifest = manifest
  if (manifest) refuseIncompleteDump(path, manifest, contents.namespaces)
  core.info(
    `The dump holds ${contents.namespaces.length} namespaces, ${contents.credentialNamespaces.length} of them users or roles.`
  )
  if (contents.credentialNamespaces.length > 0 && !settings.skipArchivedUsers) {
    throw new GuardError(
      'DumpCarriesUsers',
      'The dump carries users or roles',
      `archive: the dump holds ${contents.credentialNamespaces.length} namespace(s) of users or roles (credential hashes that whoever reads the file can crack offline). They are never restored; set skip-archived-users: true to restore the rest, and dump with this action (mode: dump) to write dumps without them. Nothing was restored.`
    )
  }
  // The dump decides the compression, whatever the gzip input says.
  const plan: TransferPlan = { ...settings.transfer, gzip: contents.gzipped }
  await probeBefore(run)
  await checkSides(run, plan, contents.namespaces)
  const replay = await replaysSavedWindow(run)
  const baseline = await recordBaseline(run)
  const result = await timed(() =>
    phase(report.phases, 'Restore', () =>
      restoreFromDump(run.tools, withCollections(report, plan), settings.target, {
        kind: contents.kind,
        path
      })
    )
  )
  await recordRestore(run, result, manifest, contents.bytes)
  await probeAfter(run, baseline)
  // The manifest's counts are what mongodump wrote; without one, what mongorestore read.
  const dumped = new Map(manifest?.namespaces.map((n) => [n.namespace, n.documents]))
  const expected = new Map<string, Expected>(
    result.restored.map((r) => {
      const count = dumped.get(r.source) ?? dumped.get(bucketsOf(r.source))
      return [
        r.source,
        {
          documents: count === undefined ? r.documents : count - r.failures,
          indexes: contents.indexes.get(r.source)
        }
      ]
    })
  )
  await verify(run, plan, result, expected, baseline, {
    kind: 'dump',
    path,
    format: contents.kind,
    collections: contents.collections
  })
  // The dump's saved window, after the copy was verified against the dump itself.
  if (replay) {
    const done = await phase(report.phases, 'Replay the writes saved with the dump', () =>
      replaySaved(run.tools, settings.target, path, plan)
    )
    recordPointInTime(report, done)
  }
  judgeObjectives(report.recovery)
}

/**
 * restore: whether the dump's saved window (oplog.bson) is replayed: when it has one, unless
 * consistent: false or (auto) the target user may not replay; checked before anything is written.
 */
async function replaysSavedWindow(run: Run<RestoreSettings>): Promise<boolean> {
  const { settings, report } = run
  if (settings.consistent === 'false' || !hasSavedWindow(settings.archive)) return false
  const denied = await replayDenied(
    { uri: settings.target, databases: plannedDatabases(report) },
    settings.probeTimeoutMs
  )
  if (denied && settings.consistent === 'true') throw noPointInTime(denied)
  if (denied) recordNotPointInTime(report, `the dump's saved writes are not replayed: ${denied}`)
  return !denied
}

/** The cold-connection probe alone. */
async function probeOnly(run: Run<ProbeSettings>): Promise<void> {
  const { settings } = run
  const uri = settings.target ?? settings.apps[0]
  // A mongos answers with users it cached: say so (the probe itself fails on its own if unreachable).
  const hello = uri && (await helloOf(uri, settings.probeTimeoutMs).catch(() => undefined))
  const warning = uri && checkSharding('probe', 'target', hello, uri.input)
  if (warning) core.warning(warning, { title: 'Sharded cluster' })
  await probeAfter(run, undefined, 'Probe')
}

/** Probes every app and fails if an app is already rejected: before anything else is checked. */
export async function probeBefore(run: Run): Promise<void> {
  const { report, settings } = run
  report.managed = managedServiceOf(settings)
  const advice = managedAdvice(report.managed)
  if (advice) notice(advice, { title: `Managed service: ${report.managed}` })
  await phase(report.phases, 'Probe before restore', async () => {
    report.probes.before = await probeApps(settings)
    judgeBaseline(report.probes.before, advice)
  })
}

/**
 * Logs in to the source and the target, plans the namespaces the restore will write, and refuses
 * a target that is the source or already holds that data. `fromDump`: in restore mode the
 * namespaces come from the dump on disk.
 */
export async function checkSides(
  run: Run<ToolSettings>,
  plan: TransferPlan,
  fromDump: readonly string[] = []
): Promise<PlannedNamespace[]> {
  const { report, settings, signal } = run
  return phase(report.phases, 'Check source and target', async () => {
    const sides = await openSides(sourceOf(settings), targetOf(settings), settings.probeTimeoutMs)
    try {
      for (const warning of shardingWarnings(settings.mode, sides)) {
        core.warning(warning, { title: 'Sharded cluster' })
      }
      if (signal.aborted) throw cancelled()
      if (!sides.target) return []
      const namespaces = await plannedNamespaces(sides, plan, fromDump)
      report.plan = { namespaces, drop: plan.drop }
      core.info(
        `The restore will write ${namespaces.length} namespace(s): ${namespaces.map((p) => (p.source === p.target ? p.target : `${p.source} → ${p.target}`)).join(', ') || 'none'}`
      )
      await checkTarget(sides, plan, namespaces, signal)
      return namespaces
    } finally {
      await sides.close()
    }
  })
}

/** The target's users and the app users' roles before anything is written. */
export async function recordBaseline(run: Run): Promise<Baseline> {
  const baseline = await readBaseline(run.settings)
  recordSkippedUsers(run.report, baseline.users)
  if (run.signal.aborted) throw cancelled('before the restore; nothing was written.')
  return baseline
}

/** What a copy did: the restore's result, and T when it is one point in time of the source. */
interface Transferred extends RestoreResult {
  at: Timestamp | undefined
}

/**
 * Streamed when no archive is named; else a dump to disk, one database at a time, then a restore
 * of it. Around it, when the copy can be one point in time: the oplog window opened before the
 * first dump, and its writes replayed after the last restore (src/oplog/).
 */
async function transfer(
  run: Run<MigrateSettings | RehearseSettings>,
  given: TransferPlan
): Promise<Transferred> {
  const { settings, report, tools } = run
  const { source, target } = settings
  const plan = withCollections(report, given)
  const begun = await phase(report.phases, 'Open the oplog window', () =>
    startCopy(
      settings.consistent,
      source,
      { uri: target, databases: plannedDatabases(report) },
      settings.probeTimeoutMs,
      plan.namespaces.length > 0
        ? 'a part of a split migration copies _id ranges, which the verify job checks as a whole'
        : undefined
    )
  )
  if ('reason' in begun) recordNotPointInTime(report, begun.reason)
  const dumpStartedAt = new Date()
  const { bytes, ...result } = await dumpAndRestore(run, plan, dumpStartedAt)
  if (!('start' in begun)) {
    recordCopy(run, result, bytes, dumpStartedAt)
    return { ...result, at: undefined }
  }
  const done = await phase(report.phases, 'Replay the writes made during the copy', () =>
    finishCopy(tools, source, target, begun.start, plan, settings.probeTimeoutMs)
  )
  recordPointInTime(report, done)
  recordCopy(run, result, bytes, dumpStartedAt, pointOf(done.at))
  return { ...result, at: done.at }
}

/** An oplog timestamp as the manifest and the recovery record keep it. */
function pointOf(at: Timestamp): ConsistentPoint {
  return { t: at.t, i: at.i }
}

function recordNotPointInTime(report: Report, reason: string): void {
  report.consistency = { pointInTime: false, reason }
  core.info(`Not a point-in-time copy: ${reason}.`)
}

function recordPointInTime(report: Report, done: PointInTime): void {
  report.consistency = {
    pointInTime: true,
    at: `${done.at.t}:${done.at.i}`,
    wallClock: done.wallClock,
    writesDuringCopy: done.writes,
    oplogEntries: done.entries,
    applied: done.applied
  }
  core.info(
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

/** The target databases the pre-flight check planned to write. */
function plannedDatabases(report: Report): string[] {
  return (report.plan?.namespaces ?? []).map((p) => dbOf(p.target))
}

/** The plan with the number of collections the pre-flight check planned: the tools' parallelism follows it. */
function withCollections(report: Report, plan: TransferPlan): TransferPlan {
  return { ...plan, collections: report.plan?.namespaces.length }
}

/** Probes every app again; with repair-app-user, re-registers a rejected app user and re-probes. */
export async function probeAfter(
  run: Run,
  baseline: Baseline | undefined,
  round = 'Probe after restore'
): Promise<void> {
  const { report, settings } = run
  const advice = managedAdvice(report.managed)
  await phase(report.phases, round, async () => {
    report.probes.after = await probeApps(settings)
    if (settings.repairAppUser) {
      const rejected = rejectedApps(settings, report.probes.after)
      for (const app of rejected) report.repairs.push(await repairApp(settings, app, baseline))
      if (rejected.length > 0) report.probes.after = await probeApps(settings)
    }
    if (baseline) report.verdicts = judgeAfter(report.probes.before, report.probes.after, advice)
    else judgeNow(report.probes.after, advice)
  })
}

/**
 * The restore's counts; each collection's count, options, indexes and a sample of its documents;
 * what an interrupted restore left in admin; and the target's users, checked whatever the data
 * shows so that the report holds both.
 */
async function verify(
  run: Run<MigrateSettings | RehearseSettings | RestoreSettings | CatchUpSettings>,
  plan: TransferPlan,
  result: RestoreResult,
  expected: Map<string, Expected>,
  baseline: Baseline,
  reference: Reference,
  /** The source's write counters before the copy; undefined: the source is a dump on disk. */
  writes?: WriteWatch
): Promise<void> {
  const { report, settings } = run
  await phase(report.phases, 'Verify', async () => {
    checkRestore(report.dumped, result.counts, plan.allowFailedDocuments)
    const restored = result.restored.map((r) => r.target)
    // Read once, for the counts, the indexes and the options alike.
    const actual = await tryReadTarget(settings, settings.target, restored)
    const ranged = new Set(rangedNamespaces(plan))
    if (actual) {
      // TTL may have deleted some documents by now, on either side: only the others are compared.
      report.expiry = await checkExpiry(
        reference,
        settings.target,
        actual,
        result.restored.filter((r) => !ranged.has(r.source)),
        settings.probeTimeoutMs
      )
      if (report.expiry) {
        core.info(
          `${report.expiry.expired} documents had expired by TTL (as of ${report.expiry.asOf}) and are not compared.`
        )
      }
      const states = [...actual.values()].map(stateOf)
      // A merge (allow-merge without drop) keeps the target's own documents beside the restored ones.
      const exact = plan.drop || !plan.allowMerge
      report.mismatches = [
        ...compareCollections(
          result.restored,
          withoutExpiring(expected, report.expiry),
          states,
          exact
        ),
        ...expiryMismatches(report.expiry, exact)
      ]
      core.info(
        `${states.length} restored collections checked: ${report.mismatches.length} mismatches.`
      )
    }
    report.copy = await checkCopy(
      reference,
      settings.target,
      actual,
      result.restored,
      plan.verifySample,
      settings.probeTimeoutMs,
      ranged,
      expiringOf(report.expiry)
    )
    const { options, samples } = report.copy
    if (!options.checked) {
      warning(`The options and indexes check was skipped: ${options.reason}.`, {
        title: 'Options check skipped'
      })
    }
    core.info(
      `Options and indexes of ${options.collections} collections: ${options.differences.length} differences. Sample: ${samples.reduce((n, s) => n + s.compared, 0)} documents compared in ${samples.length} collections.`
    )
    if (writes) {
      report.sourceWrites = await writesSince(writes)
      if (report.sourceWrites.total > 0) {
        core.info(`The source took ${report.sourceWrites.total} writes while it was copied.`)
      }
    }
    report.leftovers = await tryLeftovers(settings)
    await checkUsers(run, baseline)
    const different = copyFailure(report.copy, report.mismatches, report.sourceWrites)
    if (different) throw different
    checkMismatches(report.mismatches)
  })
}

/**
 * catch-up, after the cutover: the target against the source as it is now (it takes no more
 * writes to the plan), exactly: counts, indexes, options, the sample, users, leftovers.
 */
export async function verifyCaughtUp(
  run: Run<CatchUpSettings>,
  planned: readonly PlannedNamespace[],
  baseline: Baseline
): Promise<void> {
  const { settings } = run
  const collections = await readSource(
    settings,
    planned.map((p) => p.source)
  )
  const restored = planned.map((p) => ({ ...p, documents: 0, failures: 0 }))
  const expected = new Map<string, Expected>(
    planned.map((p) => {
      const info = collections.get(p.source)
      return [p.source, { documents: info?.documents, indexes: info && stateOf(info).indexes }]
    })
  )
  const result: RestoreResult = { counts: { restored: 0, failed: 0 }, restored }
  const reference: Reference = { kind: 'server', uri: settings.source, collections }
  await verify(run, settings.transfer, result, expected, baseline, reference)
}

/** The target's users against the baseline: any change the run did not make on purpose fails. */
async function checkUsers(run: Run, baseline: Baseline): Promise<void> {
  const before = baseline.users
  if (before === undefined || 'skipped' in before) return
  const after = await tryReadUsers(run.settings)
  recordSkippedUsers(run.report, after)
  if (after === undefined || 'skipped' in after) return
  const drift = usersDrift(before.snapshot, after.snapshot, run.report.repairs)
  run.report.users = { checked: true, reason: undefined, drift, count: after.snapshot.size }
  judgeUsers(drift, after.snapshot.size)
}

/**
 * What each restored collection should hold (the dumped count less failures, the source's
 * indexes), and the source's collections as read once for the copy check.
 */
async function fromSource(
  run: Run<MigrateSettings | RehearseSettings>,
  result: Transferred
): Promise<{ expected: Map<string, Expected>; reference: Reference }> {
  const { settings } = run
  const { at } = result
  // A point-in-time copy holds the source as of T (the dump plus the replayed writes): counted at T.
  const dumped = new Map(run.report.dumped.map((d) => [d.namespace, d.documents]))
  const collections = await readSource(
    settings,
    result.restored.map((r) => r.source),
    at
  )
  const countAt = (ns: string) => (at ? collections.get(ns)?.documents : undefined)
  const indexes = new Map([...collections.values()].map((c) => [c.namespace, stateOf(c).indexes]))
  // A collection cut into `_id` ranges holds the sibling parts' documents too (checked per
  // range instead), and only the part with the first range builds its indexes.
  const lines = run.settings.transfer.namespaces
  const ranged = new Set(rangedNamespaces(run.settings.transfer))
  const indexHolders = new Set(
    lines.filter((l) => l.range && buildsIndexes(l)).map((l) => `${l.database}.${l.collection}`)
  )
  const expected = new Map(
    result.restored.map((r) => {
      if (ranged.has(r.source)) {
        const expected: Expected = {
          documents: undefined,
          indexes: indexHolders.has(r.source) ? indexes.get(r.source) : undefined
        }
        return [r.source, expected]
      }
      // A time-series collection is dumped as its buckets collection, restored under its own name.
      const count = countAt(r.source) ?? dumped.get(r.source) ?? dumped.get(bucketsOf(r.source))
      return [
        r.source,
        {
          documents: count === undefined ? undefined : count - r.failures,
          indexes: indexes.get(r.source)
        }
      ]
    })
  )
  return { expected, reference: { kind: 'server', uri: settings.source, collections, readAt: at } }
}

function recordSkippedUsers(report: Report, read: Awaited<ReturnType<typeof tryReadUsers>>): void {
  if (read && 'skipped' in read)
    report.users = { checked: false, reason: read.skipped, drift: undefined }
}

function dumpFiles(path: string, c: DumpContents): Report['dumpFiles'] {
  return {
    path,
    bytes: c.bytes,
    namespaces: c.namespaces,
    credentialNamespaces: c.credentialNamespaces
  }
}
