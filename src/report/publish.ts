// The report published once at the end of a run: step outputs, the JSON file, the failure
// (an error annotation, exit code 1) and the job summary.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { output, reportFailure, writeSummary } from '../interface.js'
import { publishCatchUp } from './catch-up-record.js'
import type { Recovery } from './recovery.js'
import { probeResult, runSeconds, type Report } from './report.js'
import { renderSummary } from './summary.js'

/** Writes outputs, the JSON report, the job summary and the failure annotation. */
export async function publish(
  report: Report,
  reportPath: string,
  redact: (text: string) => string
): Promise<void> {
  const json = redact(JSON.stringify(report, null, 2))

  output('status', report.status)
  output('probe-result', probeResult(report))
  output('restored-documents', report.restore?.restored ?? 0)
  output('failed-documents', report.restore?.failed ?? 0)
  if (report.sourceWrites?.measured) output('source-writes', report.sourceWrites.total)
  if (report.expiry) output('expired-documents', report.expiry.expired)
  if (report.mode === 'dump' && report.dumpFiles) {
    output('archive-path', report.dumpFiles.path)
    output('archive-bytes', report.dumpFiles.bytes)
  }
  output('run-seconds', runSeconds(report))
  if (report.recovery) publishRecovery(report.recovery)
  if (report.consistency?.pointInTime) {
    output('consistent-at', report.consistency.at)
    output('consistent-at-time', report.consistency.wallClock)
    output('writes-during-copy', report.consistency.writesDuringCopy)
  }
  if (report.split) {
    output('matrix', report.split.matrix)
    output('plan', report.split.plan ?? '')
    output('plan-path', report.split.planPath)
  }
  if (report.catchUp) publishCatchUp(report.catchUp, report.status !== 'passed')
  await mkdir(dirname(reportPath), { recursive: true })
  await writeFile(reportPath, json + '\n')
  output('report-path', reportPath)
  if (report.tools.source) {
    output('tools-version', report.tools.mongodump ?? '')
    output('tools-source', report.tools.source)
  }
  if (report.failure) {
    const aftermath = report.aftermath ? ` ${report.aftermath}` : ''
    reportFailure(report.failure.title, redact(report.failure.message + aftermath))
  }
  // The summary is built from redacted parts; scrub once more before it is written.
  await writeSummary(() => redact(renderSummary(report)))
}

/** The recovery's outputs: an empty string where a value is unknown, never a guess. */
function publishRecovery(r: Recovery): void {
  output('restore-seconds', r.restoreSeconds ?? '')
  output('bytes-moved', r.bytes ?? '')
  output('documents-moved', r.documents)
  output('data-as-of', r.dataAsOf.at ?? '')
  output('data-as-of-source', r.dataAsOf.source)
  output('data-age-seconds', r.dataAgeSeconds ?? '')
  const missed = r.objectives.filter((o) => !o.met).map((o) => o.objective)
  output(
    'objectives',
    r.objectives.length === 0 ? '' : missed.length === 0 ? 'met' : `missed: ${missed.join(', ')}`
  )
}
