// mode migrate: probe every app → check source and target → record the target's users → copy
// (one point in time of a replica-set source) → probe every app again → check the copy against
// the source; a part of a split migration also checks its `_id` ranges.
import { info } from '../interface.js'
import { namespaceOf } from '../input/namespace.js'
import { formatLine, rangedNamespaces } from '../input/parts.js'
import type { MigrateSettings } from '../input/settings.js'
import { checkMismatches, type Mismatch } from '../report/data-check.js'
import { phase } from '../report/phase.js'
import { judgeObjectives } from '../report/recovery.js'
import { ensureCollections, rangeCounts } from '../server/survey.js'
import type { Run } from './context.js'
import { copyAndCheck } from './copy.js'
import { checkSides, probeBefore, recordBaseline } from './phases.js'

export async function migrate(run: Run<MigrateSettings>): Promise<void> {
  const { settings } = run
  const plan = settings.transfer
  const before = await probeBefore(run)
  const planned = await checkSides(run, plan)
  const baseline = await recordBaseline(run)
  const ranged = rangedNamespaces(plan)
  // Sibling parts fill these collections at once: create them first, so none races another.
  if (ranged.length > 0) {
    await ensureCollections(settings.source, settings.target, ranged, settings.probeTimeoutMs)
  }
  const copied = await copyAndCheck(run, plan, { before, planned, baseline })
  if (ranged.length > 0) await checkRanges(run)
  judgeObjectives(copied.recovery)
}

/** A part's `_id` ranges: the documents of each range on the target against the source's. */
async function checkRanges(run: Run<MigrateSettings>): Promise<void> {
  const { report, settings } = run
  await phase(report.phases, 'Verify the _id ranges', async () => {
    const mismatches = await rangeMismatches(settings)
    info(`${settings.transfer.namespaces.length} ranges checked: ${mismatches.length} mismatches.`)
    report.mismatches.push(...mismatches)
    checkMismatches(mismatches)
  })
}

/** Each `_id` range of a part: the target must hold exactly the source's documents in it. */
async function rangeMismatches(settings: MigrateSettings): Promise<Mismatch[]> {
  const pieces = settings.transfer.namespaces
    .filter((l) => l.range !== undefined)
    .map((l) => ({ namespace: namespaceOf(l), range: l.range, line: l }))
  const timeout = settings.probeTimeoutMs
  const [want, have] = await Promise.all([
    rangeCounts(settings.source, pieces, timeout),
    rangeCounts(settings.target, pieces, timeout)
  ])
  return pieces.flatMap((p, i) =>
    want[i] === have[i]
      ? []
      : [
          {
            namespace: formatLine(p.line),
            check: 'count' as const,
            problem: `${have[i]} documents in the range, expected ${want[i]}`
          }
        ]
  )
}
