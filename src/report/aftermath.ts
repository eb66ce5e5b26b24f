// What a failed or cancelled run may have written, in words, from what the report recorded:
// whether mongorestore started, how far each tool got, the namespaces the plan would write,
// whether they were dropped first, and what became of the archive.
import type { ToolProgress } from '../tools/progress.js'
import type { Report } from './report.js'
import { formatOplogTime } from '../input/consistent-at.js'
import type { CatchUpRecord } from './catch-up-record.js'

const LISTED = 20

export function whatMayBeWritten(report: Report): string {
  // Several databases run a tool each, some at once: a run that did not finish speaks for the
  // tool, else the last one.
  const last = (tool: string) => {
    const runs = report.toolRuns.filter((r) => r.tool === tool)
    return [...runs].reverse().find((r) => r.outcome !== 'ok') ?? runs.at(-1)
  }
  const dump = last('mongodump')
  const restore = last('mongorestore')
  return [
    dumpStatement(dump),
    targetStatement(report, restore),
    archiveStatement(report, dump),
    report.targetWritten
      ? "The target's users, roles and admin database were not touched (they are always excluded)."
      : ''
  ]
    .filter((s) => s !== '')
    .join(' ')
}

function targetStatement(report: Report, restore: ToolProgress | undefined): string {
  if (!report.targetWritten) return 'Nothing was written to the target: mongorestore never started.'
  if (report.catchUp) return catchUpStatement(report.catchUp, restore)
  const counts = report.restore
    ? ` (${report.restore.restored} document(s) restored, ${report.restore.failed} failed)`
    : ''
  if (restore?.outcome === 'ok') {
    return `mongorestore finished${counts}: the target holds what this run restored.`
  }
  const how = restore === undefined ? 'did not finish' : describeOutcome(restore.outcome)
  const writing = restore?.unfinished.length
    ? ` It was writing ${restore.unfinished.map((u) => `${u.namespace}${u.progress ? ` (${u.progress})` : ''}`).join(', ')}.`
    : ''
  const planned = report.plan?.namespaces.map((p) => p.target) ?? []
  const scope =
    planned.length > 0
      ? ` The namespaces it could have written, as planned before the run: ${listed(planned)}.`
      : ''
  const dropped = report.plan?.drop
    ? ' With drop: true, each of these collections was dropped before it was restored: whatever it held before is gone unless the restore finished it.'
    : ''
  return `mongorestore ${how}${counts}: the target may hold a partial copy.${writing}${scope}${dropped}`
}

/** catch-up: the T the target holds, and whether a batch was cut off midway. */
function catchUpStatement(record: CatchUpRecord, restore: ToolProgress | undefined): string {
  const at = `${formatOplogTime(record.appliedThrough)} (${record.appliedThroughTime})`
  if (restore?.outcome === 'ok') {
    return `The target holds the source's writes through ${at}, nothing after (output consistent-at).`
  }
  return `The target holds the source's writes through ${at}, and may hold part of the batch after it, which mongorestore did not finish: a catch-up from ${formatOplogTime(record.appliedThrough)} would find counts that differ from the source's at that T and refuse; run the migration again.`
}

function dumpStatement(dump: ToolProgress | undefined): string {
  if (dump === undefined || dump.outcome === 'ok') return ''
  const finished = dump.finished.map((f) => `${f.namespace} (${f.documents})`)
  const done =
    finished.length > 0 ? `after finishing ${listed(finished)}` : 'before finishing any namespace'
  const writing = dump.unfinished.length
    ? `, while writing ${dump.unfinished.map((u) => `${u.namespace}${u.progress ? ` (${u.progress})` : ''}`).join(', ')}`
    : ''
  return `mongodump ${describeOutcome(dump.outcome)} ${done}${writing}.`
}

function archiveStatement(report: Report, dump: ToolProgress | undefined): string {
  if (dump?.removedArchive) {
    return `The incomplete archive ${dump.removedArchive} was removed, so it cannot be mistaken for a backup.`
  }
  if (report.archive && dump?.outcome === 'ok') {
    return `mongodump finished writing the archive ${report.archive}; it was kept.`
  }
  return ''
}

function describeOutcome(outcome: ToolProgress['outcome']): string {
  return {
    ok: 'finished',
    failed: 'failed',
    timeout: 'was stopped at the time limit',
    cancelled: 'was stopped by the cancellation'
  }[outcome]
}

/** The first items, comma-separated, then how many more: a message stays readable. */
export function listed(items: readonly string[], limit = LISTED): string {
  const shown = items.slice(0, limit).join(', ')
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown
}
