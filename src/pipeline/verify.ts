// mode verify, the last job of a split migration: after every part, each piece of the plan on
// the target (documents, indexes), the target's users against the plan's digests, and every app
// with a new connection. Names the parts that failed or never ran.
import { BSON, type Document } from 'mongodb'
import { GuardError } from '../errors.js'
import { info, warning } from '../interface.js'
import type { VerifySettings } from '../input/settings.js'
import { missingIndexes, type Mismatch } from '../report/data-check.js'
import { phase } from '../report/phase.js'
import { userDigests } from '../server/drift.js'
import { openSides } from '../server/preflight.js'
import { indexesOf, rangeCounts } from '../server/survey.js'
import type { Run } from './context.js'
import { probeAfter, warnSharded } from './phases.js'
import { tryReadUsers } from './steps.js'

export async function verify(run: Run<VerifySettings>): Promise<void> {
  const { settings, report } = run
  const { plan, target } = settings
  await phase(report.phases, 'Check the target', async () => {
    const sides = await openSides(undefined, target, settings.probeTimeoutMs)
    try {
      warnSharded(settings.mode, sides)
    } finally {
      await sides.close()
    }
  })
  const problems: string[] = []
  await phase(report.phases, 'Verify every part', async () => {
    const incomplete = await incompleteParts(settings)
    report.incompleteParts = incomplete.parts
    report.mismatches = incomplete.mismatches
    info(
      `${plan.namespaces.length} planned pieces checked: ${incomplete.mismatches.length} mismatches.`
    )
    if (incomplete.parts.length > 0) {
      problems.push(
        `part(s) that failed or never ran: ${incomplete.parts.map((p) => `${p.part} (${p.namespaces.join('; ')})`).join(', ')}; ${incomplete.mismatches.map((m) => `${m.namespace}: ${m.problem}`).join('; ')}. Re-run those part jobs (see the README on re-runs), then this job`
      )
    }
  })
  await phase(report.phases, "Compare the target's users with the plan", async () => {
    if (!plan.users) {
      warning(
        `The plan recorded no users (${plan.usersSkipped ?? 'unknown reason'}); the users check is skipped.`,
        { title: 'Users check skipped' }
      )
      return
    }
    const read = await tryReadUsers(settings)
    if (!read || 'skipped' in read) return
    const now = userDigests(read.snapshot)
    const changed = [...new Set([...Object.keys(plan.users), ...Object.keys(now)])]
      .sort()
      .filter((u) => plan.users?.[u] !== now[u])
      .map(
        (u) =>
          `${u} (${now[u] === undefined ? 'disappeared' : plan.users?.[u] === undefined ? 'appeared' : 'changed'})`
      )
    report.usersAgainstPlan = changed
    if (changed.length > 0) {
      problems.push(
        `the target's users differ from the plan's: ${changed.join(', ')}. Applications that log in as them may fail at their next restart; re-register them on the target`
      )
    }
  })
  try {
    await probeAfter(run, { round: 'Probe every app' })
  } catch (error) {
    if (problems.length === 0) throw error
    problems.push(error instanceof Error ? error.message : String(error))
  }
  if (problems.length > 0) {
    throw new GuardError(
      'PartsIncomplete',
      'The split migration is not complete',
      `The target does not hold the whole plan: ${problems.join('. ')}.`
    )
  }
}

/** Each planned piece's count on the target, and the indexes of each collection, grouped by part. */
async function incompleteParts(settings: VerifySettings) {
  const { plan, target, probeTimeoutMs: timeout } = settings
  const parsed = plan.namespaces.map((p) => ({
    ...p,
    rangeDoc:
      p.range === undefined
        ? undefined
        : (BSON.EJSON.parse(p.range, { relaxed: false }) as Document)
  }))
  const have = await rangeCounts(
    target,
    parsed.map((p) => ({ namespace: p.namespace, range: p.rangeDoc })),
    timeout
  )
  const withIndexes = parsed.filter((p) => p.indexes !== undefined)
  const states = await indexesOf(
    target,
    withIndexes.map((p) => p.namespace),
    timeout
  )
  const mismatches: (Mismatch & { part: string })[] = []
  parsed.forEach((p, i) => {
    const where = p.range ? `${p.namespace} ${p.range}` : p.namespace
    if (have[i] !== p.documents) {
      mismatches.push({
        part: p.part,
        namespace: where,
        check: 'count',
        problem: `${have[i]} documents, expected ${p.documents}`
      })
    }
  })
  withIndexes.forEach((p, i) => {
    const problem = missingIndexes(p.indexes ?? [], states[i] ?? [])
    if (problem)
      mismatches.push({ part: p.part, namespace: p.namespace, check: 'indexes', problem })
  })
  const byPart = new Map<string, string[]>()
  for (const m of mismatches) {
    const list = byPart.get(m.part) ?? []
    if (!list.includes(m.namespace)) list.push(m.namespace)
    byPart.set(m.part, list)
  }
  const parts = [...byPart]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([part, namespaces]) => ({ part, namespaces }))
  return {
    parts,
    mismatches: mismatches.map(({ namespace, check, problem }) => ({ namespace, check, problem }))
  }
}
