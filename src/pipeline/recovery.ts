// The recovery objectives' steps: the manifest beside the action's own dumps, and what each
// copying mode measures of the recovery it rehearsed (restore time, what moved, the data's point
// in time). The mode records the measure in the report and judges it last, after every probe
// and check.
import { info } from '../interface.js'
import type {
  DumpSettings,
  MigrateSettings,
  RehearseSettings,
  RestoreSettings,
  TransferPlan
} from '../input/settings.js'
import { phase } from '../report/phase.js'
import { dataAsOf, measureRecovery, type DataAsOf, type Recovery } from '../report/recovery.js'
import { newestObjectId } from '../server/newest-id.js'
import { writeManifest, type ConsistentPoint, type Manifest } from '../tools/manifest.js'
import type { RestoreResult } from '../tools/transfer.js'
import type { Run } from './context.js'

/** A restore as `timed` returns it: how long it took and when it finished. */
type TimedRestore = RestoreResult & { restoreMs: number; finishedAt: Date }

/**
 * The point in time this run's own copy represents: a consistent copy's oplog time when there is
 * one (the point-in-time copy passes it here), else when the dump started.
 */
function ownDataAsOf(dumpStartedAt: Date, consistentAt?: ConsistentPoint): DataAsOf {
  return dataAsOf({ consistentAt, dumpStartedAt })
}

/** The manifest beside a dump this run wrote: when, from what version, each namespace's count. */
export async function writeOwnManifest(
  run: Run<MigrateSettings | RehearseSettings | DumpSettings>,
  directory: string,
  plan: TransferPlan,
  startedAt: Date,
  consistentAt?: ConsistentPoint
): Promise<Manifest> {
  const { report, versions } = run
  return writeManifest(directory, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    consistentAt,
    source: { version: versions?.source?.version, fcv: versions?.source?.fcv },
    tools: versions?.tools,
    gzip: plan.gzip,
    namespaces: report.dumped
  })
}

/** mode dump: what was dumped, and as of when (no restore, no objectives). */
export function measureDumped(
  manifest: Manifest,
  dumpStartedAt: Date,
  bytes: number | undefined,
  consistentAt?: ConsistentPoint
): Recovery {
  return measureRecovery(
    {
      restoreMs: undefined,
      finishedAt: new Date(manifest.finishedAt),
      bytes,
      documents: manifest.namespaces.reduce((n, c) => n + c.documents, 0),
      asOf: ownDataAsOf(dumpStartedAt, consistentAt)
    },
    undefined
  )
}

/** migrate, rehearse: a copy from a live source, as of its consistent point, else its dump's start. */
export function measureCopy(
  run: Run<MigrateSettings | RehearseSettings>,
  result: TimedRestore,
  bytes: number | undefined,
  dumpStartedAt: Date,
  consistentAt?: ConsistentPoint
): Recovery {
  return measureRecovery(
    {
      restoreMs: result.restoreMs,
      finishedAt: result.finishedAt,
      bytes,
      documents: result.counts.restored,
      asOf: ownDataAsOf(dumpStartedAt, consistentAt)
    },
    run.settings.objectives
  )
}

/** restore: the data's time from the dump's manifest, else from what was restored. */
export async function measureRestore(
  run: Run<RestoreSettings>,
  result: TimedRestore,
  manifest: Manifest | undefined,
  bytes: number
): Promise<Recovery> {
  const asOf = manifest
    ? dataAsOf({ manifest })
    : await phase(run.report.phases, "Find the data's age", () => foreignDataAsOf(run, result))
  return measureRecovery(
    {
      restoreMs: result.restoreMs,
      finishedAt: result.finishedAt,
      bytes,
      documents: result.counts.restored,
      asOf
    },
    run.settings.objectives
  )
}

/** A dump without a manifest: the newest ObjectId restored, else unknown (never a guess). */
async function foreignDataAsOf(
  run: Run<RestoreSettings>,
  result: RestoreResult
): Promise<DataAsOf> {
  const { settings } = run
  const restored = result.restored.map((r) => r.target)
  const newestId = await newestObjectId(settings.target, restored, settings.probeTimeoutMs)
  const asOf = dataAsOf({
    newestId,
    unknownBecause:
      'the dump has no manifest and no restored document has an ObjectId _id (file times are not used: a copy or an artifact download rewrites them)'
  })
  info(`The data is as of ${asOf.at ?? 'an unknown time'}: ${asOf.how}.`)
  return asOf
}
