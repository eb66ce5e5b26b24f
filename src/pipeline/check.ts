// The check after a copy, the same for every mode that copies: the restore's counts; each
// collection's count, options, indexes and a sample of its documents; what an interrupted
// restore left in admin; and the target's users, checked whatever the data shows so that the
// report holds both.
import { info, warning } from '../interface.js'
import { rangedNamespaces } from '../input/parts.js'
import type {
  CatchUpSettings,
  MigrateSettings,
  RehearseSettings,
  RestoreSettings,
  TransferPlan
} from '../input/settings.js'
import { copyFailure } from '../report/copy-verdict.js'
import {
  checkMismatches,
  compareCollections,
  type Expected,
  type Mismatch
} from '../report/data-check.js'
import {
  checkExpiry,
  expiryMismatches,
  expiringOf,
  withoutExpiring,
  type ExpiryCheck
} from '../report/expiry-check.js'
import { checkRestore, judgeUsers } from '../report/judge.js'
import { phase } from '../report/phase.js'
import { checkCopy, type Reference } from '../report/verify-copy.js'
import { stateOf } from '../server/deployment.js'
import type { RepairResult } from '../server/repair.js'
import { writesSince, type WriteWatch } from '../server/source-writes.js'
import type { RestoreResult } from '../tools/transfer.js'
import type { Run } from './context.js'
import { recordSkippedUsers } from './phases.js'
import { tryLeftovers, tryReadTarget, tryReadUsers, usersDrift, type Baseline } from './steps.js'

/** What a copy is checked against. */
export interface CheckInput {
  /** The plan the copy followed. */
  plan: TransferPlan
  result: RestoreResult
  /** What each restored collection must hold (expected.ts). */
  expected: Map<string, Expected>
  /** The target's users before anything was written. */
  baseline: Baseline
  /** The app users the probe after the copy repaired on purpose: not a drift. */
  repairs: readonly RepairResult[]
  /** Where the copy came from: the source (as of T for a point-in-time copy), or a dump. */
  reference: Reference
  /** The source's write counters before the copy; undefined: the source is a dump on disk. */
  writes?: WriteWatch
}

export async function checkTheCopy(
  run: Run<MigrateSettings | RehearseSettings | RestoreSettings | CatchUpSettings>,
  { plan, result, expected, baseline, repairs, reference, writes }: CheckInput
): Promise<void> {
  const { report, settings } = run
  await phase(report.phases, 'Verify', async () => {
    checkRestore(report.dumped, result.counts, plan.allowFailedDocuments)
    const restored = result.restored.map((r) => r.target)
    // Read once, for the counts, the indexes and the options alike.
    const actual = await tryReadTarget(settings, settings.target, restored)
    const ranged = new Set(rangedNamespaces(plan))
    let expiry: ExpiryCheck | undefined
    let mismatches: Mismatch[] = []
    if (actual) {
      // TTL may have deleted some documents by now, on either side: only the others are compared.
      expiry = await checkExpiry(
        reference,
        settings.target,
        actual,
        result.restored.filter((r) => !ranged.has(r.source)),
        settings.probeTimeoutMs
      )
      report.expiry = expiry
      if (expiry) {
        info(
          `${expiry.expired} documents had expired by TTL (as of ${expiry.asOf}) and are not compared.`
        )
      }
      const states = [...actual.values()].map(stateOf)
      // A merge (allow-merge without drop) keeps the target's own documents beside the restored ones.
      const exact = plan.drop || !plan.allowMerge
      mismatches = [
        ...compareCollections(result.restored, withoutExpiring(expected, expiry), states, exact),
        ...expiryMismatches(expiry, exact)
      ]
      report.mismatches = mismatches
      info(`${states.length} restored collections checked: ${mismatches.length} mismatches.`)
    }
    const copy = await checkCopy(
      reference,
      settings.target,
      actual,
      result.restored,
      plan.verifySample,
      settings.probeTimeoutMs,
      ranged,
      expiringOf(expiry)
    )
    report.copy = copy
    const { options, samples } = copy
    if (!options.checked) {
      warning(`The options and indexes check was skipped: ${options.reason}.`, {
        title: 'Options check skipped'
      })
    }
    info(
      `Options and indexes of ${options.collections} collections: ${options.differences.length} differences. Sample: ${samples.reduce((n, s) => n + s.compared, 0)} documents compared in ${samples.length} collections.`
    )
    const sourceWrites = writes && (await writesSince(writes))
    report.sourceWrites = sourceWrites
    if (sourceWrites && sourceWrites.total > 0) {
      info(`The source took ${sourceWrites.total} writes while it was copied.`)
    }
    report.leftovers = await tryLeftovers(settings)
    await checkUsers(run, baseline, repairs)
    const different = copyFailure(copy, mismatches, sourceWrites)
    if (different) throw different
    checkMismatches(mismatches)
  })
}

/** The target's users against the baseline: any change the run did not make on purpose fails. */
async function checkUsers(
  run: Run,
  baseline: Baseline,
  repairs: readonly RepairResult[]
): Promise<void> {
  const before = baseline.users
  if (before === undefined || 'skipped' in before) return
  const after = await tryReadUsers(run.settings)
  recordSkippedUsers(run.report, after)
  if (after === undefined || 'skipped' in after) return
  const drift = usersDrift(before.snapshot, after.snapshot, repairs)
  run.report.users = { checked: true, reason: undefined, drift, count: after.snapshot.size }
  judgeUsers(drift, after.snapshot.size)
}
