// The phases the modes share, in the order a mode runs them: every app probed before anything,
// the pre-flight check of source and target, the baseline of the target's users, and every app
// probed again afterwards. Each records what it found and returns what the next one needs.
import { cancelled } from '../errors.js'
import { info, notice, warning } from '../interface.js'
import { sourceOf, targetOf, type Settings, type ToolSettings } from '../input/settings.js'
import type { TransferPlan } from '../input/settings.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import { judgeAfter, judgeBaseline, judgeNow } from '../report/judge.js'
import { phase } from '../report/phase.js'
import type { Report } from '../report/report.js'
import { managedAdvice } from '../server/managed.js'
import type { RepairResult } from '../server/repair.js'
import { checkTarget, openSides, plannedNamespaces, type Sides } from '../server/preflight.js'
import { checkSharding } from '../server/sharding.js'
import type { Run } from './context.js'
import {
  managedServiceOf,
  probeApps,
  probeResults,
  readBaseline,
  rejectedApps,
  repairApp,
  type AppProbe,
  type Baseline,
  type UsersRead
} from './steps.js'

/** What the probe before the restore found: the phases after it judge against it. */
export interface Before {
  managed: Report['managed']
  probes: AppProbe[]
}

/** Probes every app and fails if an app is already rejected: before anything else is checked. */
export async function probeBefore(run: Run): Promise<Before> {
  const { report, settings } = run
  const managed = managedServiceOf(settings)
  report.managed = managed
  const advice = managedAdvice(managed)
  if (advice) notice(advice, { title: `Managed service: ${managed}` })
  return phase(report.phases, 'Probe before restore', async () => {
    const probes = await probeApps(settings)
    const results = probeResults(probes)
    report.probes.before = results
    judgeBaseline(results, advice)
    return { managed, probes }
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
      warnSharded(settings.mode, sides)
      if (signal.aborted) throw cancelled()
      if (!sides.target) return []
      const namespaces = await plannedNamespaces(sides, plan, fromDump)
      report.plan = { namespaces, drop: plan.drop }
      info(`The restore will write ${namespaces.length} namespace(s): ${describe(namespaces)}`)
      await checkTarget(sides, plan, namespaces, signal)
      return namespaces
    } finally {
      await sides.close()
    }
  })
}

/** Planned namespaces as a log line shows them: `db.coll`, or `from → to` when renamed. */
export function describe(namespaces: readonly PlannedNamespace[]): string {
  const named = namespaces.map((p) =>
    p.source === p.target ? p.target : `${p.source} → ${p.target}`
  )
  return named.join(', ') || 'none'
}

/** Refuses a sharded side a mode cannot run on, and warns about the ones it can. */
export function warnSharded(mode: Settings['mode'], sides: Sides): void {
  const warnings = [
    sides.source && checkSharding(mode, 'source', sides.source.hello, sides.source.uri.input),
    sides.target && checkSharding(mode, 'target', sides.target.hello, sides.target.uri.input)
  ]
  for (const w of warnings) if (typeof w === 'string') warning(w, { title: 'Sharded cluster' })
}

/** The target's users and the app users' roles before anything is written. */
export async function recordBaseline(run: Run): Promise<Baseline> {
  const baseline = await readBaseline(run.settings)
  recordSkippedUsers(run.report, baseline.users)
  if (run.signal.aborted) throw cancelled('before the restore; nothing was written.')
  return baseline
}

/** A users check that could not run, and why. */
export function recordSkippedUsers(report: Report, read: UsersRead): void {
  if (read && 'skipped' in read)
    report.users = { checked: false, reason: read.skipped, drift: undefined }
}

/** How a probe round after the restore is named and judged. */
export interface ProbeAfterOptions {
  /** The phase's name. */
  round?: string
  /** The round before the restore: each app is judged against it (else on its own). */
  before?: Before
  /** What a repair of a rejected app user recreates it with (repair-app-user). */
  baseline?: Baseline
}

/**
 * Probes every app again; with repair-app-user, re-registers a rejected app user and re-probes.
 * Returns the repairs made, which the users check then does not count as a drift.
 */
export async function probeAfter(
  run: Run,
  options: ProbeAfterOptions = {}
): Promise<RepairResult[]> {
  const { report, settings } = run
  const { round = 'Probe after restore', before, baseline } = options
  const advice = managedAdvice(before?.managed)
  return phase(report.phases, round, async () => {
    const probes = await probeApps(settings)
    let after = probeResults(probes)
    report.probes.after = after
    const repairs: RepairResult[] = []
    if (settings.repairAppUser) {
      for (const app of rejectedApps(probes)) {
        const repair = await repairApp(settings, app, baseline)
        repairs.push(repair)
        report.repairs.push(repair)
      }
      if (repairs.length > 0) {
        after = probeResults(await probeApps(settings))
        report.probes.after = after
      }
    }
    if (before) report.verdicts = judgeAfter(probeResults(before.probes), after, advice)
    else judgeNow(after, advice)
    return repairs
  })
}
