// src/report/: judging and telling. The Report type and its publication (this file), the phase
// records, the verdicts (judge.ts), the data comparison and what a failed run may have written.
// It may import types from every folder below; only the pipeline (main.ts, modes.ts) writes it.
//
// One typed report, filled in as the run goes and rendered once at the end: step outputs, the
// job summary, an error annotation and the JSON file. It only ever holds redacted strings.
import * as core from '@actions/core'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { FailureKind } from '../errors.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import type { PhaseRecord } from './phase.js'
import type { ProbeResult, ProbeStatus } from '../server/probe.js'
import type { Mismatch } from './data-check.js'
import type { UserDrift } from '../server/drift.js'
import type { ManagedService } from '../server/managed.js'
import type { ToolProgress } from '../tools/progress.js'
import type { RepairResult } from '../server/repair.js'
import type { Mode } from '../input/settings.js'
import type { NamespaceCount, RestoreCounts, RestoredNamespace } from '../tools/output.js'
import type { Verdict } from './judge.js'

export interface Report {
  mode: Mode | undefined
  status: 'running' | 'passed' | 'failed' | 'cancelled'
  startedAt: string
  finishedAt: string | undefined
  source: string | undefined
  target: string | undefined
  archive: string | undefined
  tools: { mongodump?: string; mongorestore?: string }
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
  /** The users drift check: whether it ran (else why not) and what it found. */
  users: { checked: boolean; reason: string | undefined; drift: UserDrift | undefined } | undefined
  /** App users repaired (repair-app-user), exactly what was done to each. */
  repairs: RepairResult[]
  /** A managed service recognised by its host names. */
  managed: ManagedService
  /** rehearse: the scratch databases, and whether they were dropped afterwards. */
  rehearsal: { databases: string[]; dropped: boolean } | undefined
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
}

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
    phases: [],
    dumped: [],
    restore: undefined,
    restored: [],
    dumpFiles: undefined,
    mismatches: [],
    rehearsal: undefined,
    users: undefined,
    repairs: [],
    managed: undefined,
    targetWritten: false,
    plan: undefined,
    toolRuns: [],
    aftermath: undefined,
    probes: { before: [], after: [] },
    verdicts: [],
    failure: undefined,
    split: undefined,
    incompleteParts: [],
    usersAgainstPlan: []
  }
}

/** The probe result the step reports: the first failure of the latest probe round. */
export function probeResult(report: Report): ProbeStatus | '' {
  const latest = report.probes.after.length > 0 ? report.probes.after : report.probes.before
  if (latest.length === 0) return ''
  return latest.find((p) => p.status !== 'ok')?.status ?? 'ok'
}

/** Writes outputs, the JSON report, the job summary and the failure annotation. */
export async function publish(
  report: Report,
  reportPath: string,
  redact: (text: string) => string
): Promise<void> {
  const json = redact(JSON.stringify(report, null, 2))

  core.setOutput('status', report.status)
  core.setOutput('probe-result', probeResult(report))
  core.setOutput('restored-documents', report.restore?.restored ?? 0)
  core.setOutput('failed-documents', report.restore?.failed ?? 0)
  if (report.mode === 'dump' && report.dumpFiles) {
    core.setOutput('archive-path', report.dumpFiles.path)
    core.setOutput('archive-bytes', report.dumpFiles.bytes)
  }
  if (report.split) {
    core.setOutput('matrix', report.split.matrix)
    core.setOutput('plan', report.split.plan ?? '')
    core.setOutput('plan-path', report.split.planPath)
  }
  await mkdir(dirname(reportPath), { recursive: true })
  await writeFile(reportPath, json + '\n')
  core.setOutput('report-path', reportPath)
  if (report.failure) {
    const aftermath = report.aftermath ? ` ${report.aftermath}` : ''
    core.error(redact(report.failure.message + aftermath), { title: report.failure.title })
    process.exitCode = core.ExitCode.Failure
  }
  if (process.env['GITHUB_STEP_SUMMARY']) await writeSummary(report, redact)
}

async function writeSummary(report: Report, redact: (text: string) => string): Promise<void> {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  const icon = { passed: '✅', failed: '❌', cancelled: '⏹️', running: '…' }[report.status]
  const summary = core.summary.addHeading(`${icon} MongoDB restore guard: ${report.status}`, 2)
  if (report.source || report.target) {
    summary.addRaw(
      `From <code>${report.source ?? '?'}</code> to <code>${report.target ?? '?'}</code>`,
      true
    )
  }
  summary.addTable([
    [
      { data: 'Phase', header: true },
      { data: 'Result', header: true },
      { data: 'Duration', header: true }
    ],
    ...report.phases.map((p) => [p.name, p.status, seconds(p.durationMs)])
  ])
  if (report.restore) {
    const dumpedDocs = report.dumped.reduce((n, ns) => n + ns.documents, 0)
    summary.addRaw(
      `Documents: ${dumpedDocs} dumped (${report.dumped.length} namespaces, admin included when dumped), ${report.restore.restored} restored, ${report.restore.failed} failed.`,
      true
    )
  }
  if (report.dumpFiles) {
    const d = report.dumpFiles
    summary.addRaw(
      `Dump on disk: <code>${d.path}</code>, ${d.bytes} bytes, ${d.namespaces.length} namespaces: ${d.namespaces.join(', ') || 'none'}; users or roles: ${d.credentialNamespaces.length === 0 ? 'none' : d.credentialNamespaces.join(', ')}.`,
      true
    )
  }
  if (report.mismatches.length > 0) {
    summary.addRaw(
      `Verification: ${report.mismatches.map((m) => `${m.namespace}: ${m.problem}`).join('; ')}`,
      true
    )
  }
  if (report.split) {
    const s = report.split
    summary.addRaw(
      `Split plan: ${s.namespaces} namespace piece(s) in ${s.parts} part(s)${s.wholeDatabases ? ', whole databases per line' : ''}; plan file <code>${s.planPath}</code>${s.plan ? '' : ' (too large for the plan output: upload it as an artifact)'}.`,
      true
    )
  }
  if (report.incompleteParts.length > 0) {
    summary.addRaw(
      `Parts that failed or never ran: ${report.incompleteParts.map((p) => `${p.part}: ${p.namespaces.join('; ')}`).join(' | ')}`,
      true
    )
  }
  if (report.rehearsal) {
    const r = report.rehearsal
    summary.addRaw(
      `Rehearsal databases: ${r.databases.join(', ')} (${r.dropped ? 'dropped afterwards' : 'kept'}).`,
      true
    )
  }
  const probes = [
    ...report.probes.before.map((p) => ['before restore', p] as const),
    ...report.probes.after.map((p) => ['after restore', p] as const)
  ]
  if (probes.length > 0) {
    summary.addHeading('Cold-connection probes', 3).addTable([
      [
        { data: 'When', header: true },
        { data: 'App user', header: true },
        { data: 'Result', header: true },
        { data: 'Detail', header: true },
        { data: 'Time', header: true }
      ],
      ...probes.map(([when, p]) => [
        when,
        `${p.user}@${p.authSource}`,
        p.status,
        p.detail,
        `${p.durationMs} ms`
      ])
    ])
  }
  if (report.failure) {
    summary.addHeading(report.failure.title, 3).addRaw(report.failure.message, true)
    if (report.aftermath) {
      summary.addHeading('What may have been written', 4).addRaw(report.aftermath, true)
    }
  }
  summary.addRaw(
    `The full report is the JSON file in the step output <code>report-path</code>.`,
    true
  )
  // The summary is built from redacted parts; scrub once more before it is written.
  const text = redact(summary.stringify())
  await summary.emptyBuffer().addRaw(text).write()
}
