// The job summary, rendered from the Report alone (pure: the caller redacts and writes it). Its
// first line answers what the user ran the step for: will the app log in after its next
// restart, and is the copy whole. Then what moved per database, what differs, the users check,
// the probes, the phases, and the versions.
import { describeVersions } from '../server/compatibility.js'
import type { ProbeResult, ProbeStatus } from '../server/probe.js'
import { formatDuration } from '../input/objectives.js'
import { missedHeadline, type Recovery } from './recovery.js'
import type { Report } from './report.js'
import { listed } from './aftermath.js'
import { dbOf } from '../input/namespace.js'
import { catchUpLine } from './catch-up-record.js'

type Cell = string | number

export function renderSummary(report: Report): string {
  return [
    `<h2>${esc(headline(report))}</h2>`,
    subline(report),
    consistencyLine(report),
    report.catchUp ? catchUpLine(report.catchUp) : '',
    failureSection(report),
    recoverySection(report.recovery),
    databasesTable(report),
    splitSection(report),
    differencesSection(report),
    sourceSection(report),
    usersSection(report),
    probesSection(report),
    phasesSection(report),
    versionsLine(report),
    `<p><sub>MongoDB restore guard: ${report.status}. The full report is the JSON file in the step output <code>report-path</code>.</sub></p>`
  ]
    .filter((part) => part !== '')
    .join('\n')
}

const LOGIN_CAUSE: Record<Exclude<ProbeStatus, 'ok'>, string> = {
  'authentication-failed': 'its credentials are rejected',
  'user-not-found': 'its user does not exist on the target',
  'mechanism-unavailable': 'its user has no credentials for the mechanism the app forces',
  unauthorized: 'it logs in but lacks privileges it needs',
  unreachable: 'the target cannot be reached',
  'name-not-resolved': "the target's name does not resolve",
  refused: 'the target refuses the connection',
  'timed-out': 'the target does not answer in time',
  'tls-failed': 'the TLS handshake with the target fails',
  error: 'the probe failed'
}

const DATA_KINDS = new Set(['PartialRestore', 'EmptyRestore', 'DataMismatch'])

/** One sentence: the app's next restart, then the copy. */
export function headline(report: Report): string {
  if (report.status === 'cancelled') return '⏹️ Cancelled: the run was stopped before it finished'
  if (report.status === 'running') return '… Still running'
  const kind = report.failure?.kind
  const before = failing(report.probes.before)
  const after = failing(report.probes.after)
  if (kind === 'AlreadyRejected' && before) {
    return `❌ The app already fails before the restore: ${LOGIN_CAUSE[before.status as Exclude<ProbeStatus, 'ok'>]}; nothing was restored`
  }
  if (report.mode === 'probe') {
    if (after)
      return `❌ The app's next restart would fail: ${LOGIN_CAUSE[after.status as Exclude<ProbeStatus, 'ok'>]}`
    return report.failure
      ? `❌ ${report.failure.title}`
      : '✅ The app logs in now with a new connection, as it will at its next restart'
  }
  if (report.mode === 'catch-up' && !report.failure && report.catchUp?.verdict === 'caught-up') {
    return `✅ Caught up: the target is ${report.catchUp.lagSeconds} s behind the source (not verified until the cutover)`
  }
  if (report.mode === 'dump') {
    return report.failure
      ? `❌ No dump: ${report.failure.title}`
      : '✅ The dump is written, without users or roles'
  }
  if (after) {
    return `❌ The app's next restart would fail: ${LOGIN_CAUSE[after.status as Exclude<ProbeStatus, 'ok'>]}`
  }
  const probed = report.probes.after.length > 0
  const login = probed
    ? 'The app will log in after its next restart'
    : "The app's login was not probed after the restore"
  if (kind && DATA_KINDS.has(kind)) return `❌ ${login}, but the copy is not whole`
  if (kind === 'SourceChanged') return `❌ ${login}, but the source changed while it was copied`
  if (kind === 'UsersDrifted') return `❌ ${login}, but the target's users changed during the run`
  if (kind === 'ObjectiveMissed')
    return `❌ ${login} and the copy is whole, but ${missedHeadline(report.recovery)}`
  if (report.failure) return `❌ ${report.failure.title}`
  return `✅ ${login}, and the copy is whole`
}

function failing(results: readonly ProbeResult[]): ProbeResult | undefined {
  return results.find((r) => r.status !== 'ok')
}

function subline(report: Report): string {
  const parts: string[] = []
  if (report.mode) parts.push(`Mode <code>${esc(report.mode)}</code>`)
  if (report.source) parts.push(`from <code>${esc(report.source)}</code>`)
  else if (report.archive && report.mode === 'restore')
    parts.push(`from <code>${esc(report.archive)}</code>`)
  if (report.target) parts.push(`to <code>${esc(report.target)}</code>`)
  if (report.mode === 'dump' && report.dumpFiles) {
    const d = report.dumpFiles
    parts.push(
      `into <code>${esc(d.path)}</code> (${bytes(d.bytes)}), ${d.namespaces.length} collections: ${esc(listed(d.namespaces) || 'none')}; users or roles: ${d.credentialNamespaces.length === 0 ? 'none' : esc(d.credentialNamespaces.join(', '))}`
    )
  }
  if (report.rehearsal) {
    const r = report.rehearsal
    parts.push(
      `rehearsed in ${esc(r.databases.join(', '))} (${r.dropped ? 'dropped afterwards' : 'kept'})`
    )
  }
  return parts.length > 0 ? `<p>${parts.join(' ')}.</p>` : ''
}

/** Whether the copy is one point in time T of the source, else why not (src/oplog/). */
function consistencyLine(report: Report): string {
  const c = report.consistency
  if (!c) return ''
  if (!c.pointInTime) return `<p>Not a point-in-time copy: ${esc(c.reason)}.</p>`
  if (report.mode === 'dump') {
    return `<p>The dump is consistent as of T = <code>${esc(c.at)}</code> (${esc(c.wallClock)}): the ${c.writesDuringCopy} writes the source took to the dumped namespaces while it was dumped are saved beside it as <code>oplog.bson</code>; a restore with this action replays them.</p>`
  }
  if (report.mode === 'restore') {
    return `<p>Consistent as of the dump's T = <code>${esc(c.at)}</code> (${esc(c.wallClock)}): the dump was verified, then the ${c.writesDuringCopy} writes saved with it were replayed (${c.applied} applied).</p>`
  }
  return `<p>Consistent as of T = <code>${esc(c.at)}</code> (${esc(c.wallClock)}): the source took ${c.writesDuringCopy} writes to the copied namespaces while it was copied, replayed on the target (${c.applied} applied); the checks compare the target with the source as of T.</p>`
}

function failureSection(report: Report): string {
  if (!report.failure) return ''
  const aftermath = report.aftermath
    ? `<p><b>What may have been written.</b> ${esc(report.aftermath)}</p>`
    : ''
  return `<h3>${esc(report.failure.title)}</h3>\n<p>${esc(report.failure.message)}</p>\n${aftermath}`
}

/** The recovery at a glance: restore time and data age, each against its bound. */
function recoverySection(r: Recovery | undefined): string {
  if (!r) return ''
  const bound = (name: string) => r.objectives.find((o) => o.objective === name)
  const row = (what: string, value: string, name: string): Cell[] => {
    const o = bound(name)
    if (!o) return [what, value, 'none', '']
    return [what, value, esc(formatDuration(o.boundSeconds * 1000)), o.met ? '✅ met' : '❌ missed']
  }
  const rows: Cell[][] = []
  if (r.restoreSeconds !== undefined) {
    rows.push(row('Restore time', formatDuration(r.restoreSeconds * 1000), 'max-restore-duration'))
  }
  const age =
    r.dataAgeSeconds === undefined
      ? 'unknown'
      : `${formatDuration(r.dataAgeSeconds * 1000)} (as of <code>${esc(r.dataAsOf.at ?? '')}</code>)`
  rows.push(row('Data age', age, 'max-data-age'))
  const moved = `${num(r.documents)} documents${r.bytes === undefined ? '' : `, ${bytes(r.bytes)} on disk`}`
  return (
    `<h3>Recovery objectives</h3>
` +
    table(['', 'Measured', 'Bound', 'Result'], rows) +
    `
<p><sub>Data as of: ${esc(r.dataAsOf.how)}. Moved: ${moved}.</sub></p>`
  )
}

/** Per database: what was dumped, restored, failed, and what was verified. */
function databasesTable(report: Report): string {
  const databases = new Map<
    string,
    { collections: Set<string>; dumped: number; restored: number; failed: number }
  >()
  const entry = (db: string) => {
    let e = databases.get(db)
    if (!e) databases.set(db, (e = { collections: new Set(), dumped: 0, restored: 0, failed: 0 }))
    return e
  }
  const renamed = new Map(report.restored.map((r) => [r.source, r.target]))
  for (const d of report.dumped) {
    const db = dbOf(renamed.get(d.namespace) ?? d.namespace)
    if (db === 'admin') continue
    entry(db).dumped += d.documents
  }
  for (const r of report.restored) {
    const e = entry(dbOf(r.target))
    e.collections.add(r.target)
    e.restored += r.documents
    e.failed += r.failures
  }
  if (databases.size === 0) return ''
  // Code-unit order: localeCompare would map ICU's collation data (about 5 MB of RSS).
  const rows = [...databases].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const dumpedKnown = report.dumped.length > 0
  // mongodump and mongorestore move a time-series collection as its buckets, and count those.
  const buckets = report.copy?.samples.some((s) => s.namespace.includes('.system.buckets.'))
  const note = buckets
    ? '\n<p><sub>Time-series collections are counted in buckets, as the tools move them.</sub></p>'
    : ''
  return (
    `<h3>What moved</h3>\n` +
    table(
      ['Database', 'Collections', 'Dumped', 'Restored', 'Failed', 'Verified'],
      rows.map(([db, e]) => [
        `<code>${esc(db)}</code>`,
        e.collections.size,
        dumpedKnown ? num(e.dumped) : '—',
        num(e.restored),
        e.failed > 0 ? `<b>${num(e.failed)}</b>` : '0',
        verified(report, db)
      ])
    ) +
    note
  )
}

/** What was checked for one database, each with its outcome. */
function verified(report: Report, db: string): string {
  if (!report.phases.some((p) => p.name === 'Verify'))
    return 'not verified (the run stopped before)'
  const inDb = (namespace: string) => dbOf(namespace) === db
  const mismatches = report.mismatches.filter((m) => inDb(m.namespace))
  const copy = report.copy
  const marks: string[] = []
  const countProblems = mismatches.filter((m) => m.check !== 'indexes').length
  marks.push(`counts ${countProblems > 0 ? '✗' : '✓'}`)
  if (!copy?.options.checked) {
    const indexes = mismatches.some((m) => m.check === 'indexes')
    marks.push(`indexes ${indexes ? '✗' : '✓'}`)
  }
  if (!copy) return marks.join(', ')
  if (!copy.options.checked) {
    marks.push(`options skipped (${esc(copy.options.reason ?? '')})`)
  } else {
    const differences = copy.options.differences.filter((d) => inDb(d.namespace))
    const indexes = differences.filter((d) => d.option.startsWith('index ')).length
    marks.push(
      `indexes ${indexes > 0 ? '✗' : '✓'}`,
      `options ${differences.length - indexes > 0 ? '✗' : '✓'}`
    )
  }
  const samples = copy.samples.filter((s) => inDb(s.namespace))
  if (copy.sampleSize === 0) marks.push('sample off')
  else if (samples.length > 0) {
    const compared = samples.reduce((n, s) => n + s.compared, 0)
    const bad = samples.reduce((n, s) => n + s.differing + s.missing, 0)
    const skipped = samples.filter((s) => s.skipped).length
    marks.push(
      `sample ${bad > 0 ? '✗' : '✓'} (${num(compared)} documents${skipped > 0 ? `, ${skipped} collections skipped` : ''})`
    )
  }
  return marks.join(', ')
}

function differencesSection(report: Report): string {
  const parts: string[] = []
  const differences = report.copy?.options.differences ?? []
  if (differences.length > 0) {
    parts.push(
      `<h3>Options and indexes that differ</h3>\n` +
        table(
          ['Collection', 'Option', 'Source', 'Target'],
          differences.map((d) => [
            `<code>${esc(d.namespace)}</code>`,
            `<code>${esc(d.option)}</code>`,
            `<code>${esc(d.source)}</code>`,
            `<code>${esc(d.target)}</code>`
          ])
        )
    )
  }
  const samples = (report.copy?.samples ?? []).filter((s) => s.differing + s.missing > 0)
  if (samples.length > 0) {
    parts.push(
      `<h3>Documents that differ (by <code>_id</code>; values are never shown)</h3>\n` +
        table(
          ['Collection', 'Compared', 'Differ', 'Missing', '_id'],
          samples.map((s) => [
            `<code>${esc(s.namespace)}</code>`,
            s.compared,
            s.differing,
            s.missing,
            `<code>${esc([...s.differingIds, ...s.missingIds].slice(0, 10).join(', '))}</code>`
          ])
        )
    )
  }
  // The options check names each index field that differs; the coarser index mismatch would repeat it.
  const mismatches = report.copy?.options.checked
    ? report.mismatches.filter((m) => m.check !== 'indexes')
    : report.mismatches
  if (mismatches.length > 0) {
    parts.push(
      `<h3>Counts that differ</h3>\n` +
        table(
          ['Collection', 'Problem'],
          mismatches.map((m) => [`<code>${esc(m.namespace)}</code>`, esc(m.problem)])
        )
    )
  }
  return parts.join('\n')
}

/** What the source did meanwhile: the writes it took while it was copied, what TTL expired. */
function sourceSection(report: Report): string {
  const lines: string[] = []
  const writes = report.sourceWrites
  if (writes?.measured && writes.total > 0) {
    const where = writes.namespaces.map((n) => `${esc(n.namespace)} ${num(n.writes)}`).join(', ')
    const found =
      report.failure?.kind === 'SourceChanged'
        ? 'the copy check found what they changed'
        : report.status === 'passed'
          ? 'the copy check found no difference'
          : ''
    lines.push(
      `⚠️ The source took ${num(writes.total)} writes while it was copied (${where})${found ? `; ${found}` : ''}.`
    )
  } else if (writes && !writes.measured) {
    lines.push(`The source's writes during the copy were not counted: ${esc(writes.reason ?? '')}.`)
  }
  const expiry = report.expiry
  for (const u of expiry?.uncounted ?? []) {
    lines.push(
      `⚠️ The count of ${esc(u.target)}, which TTL thins, was not checked: ${esc(u.reason)}.`
    )
  }
  if (expiry && expiry.collections.length > 0) {
    const each = expiry.collections.map((c) => `${esc(c.target)} ${num(c.expired)}`).join(', ')
    lines.push(
      `⏳ ${num(expiry.expired)} source documents had expired by TTL (or would by ${esc(expiry.asOf)}) and were not compared (${each}); the documents that must still exist were.`
    )
  }
  if (lines.length === 0) return ''
  return `<h3>The source during the copy</h3>\n${lines.map((l) => `<p>${l}</p>`).join('\n')}`
}

function usersSection(report: Report): string {
  const lines: string[] = []
  const users = report.users
  if (users?.checked && users.drift) {
    const d = users.drift
    const changes = d.appeared.length + d.disappeared.length + d.changed.length
    const count = users.count === undefined ? '' : `${users.count} `
    lines.push(
      changes === 0
        ? `✅ The target's ${count}users were checked before and after the restore: unchanged.`
        : `❌ The target's users changed: ${esc(
            [
              ...d.appeared.map((u) => `${u} appeared`),
              ...d.disappeared.map((u) => `${u} disappeared`),
              ...d.changed.map((c) => `${c.user} (${c.what.join(', ')})`)
            ].join('; ')
          )}.`
    )
  } else if (users && !users.checked) {
    lines.push(`⚠️ The target's users were not checked: ${esc(users.reason ?? 'no reason given')}`)
  }
  for (const repair of report.repairs) {
    lines.push(
      `🔧 Repaired <code>${esc(`${repair.user}@${repair.db}`)}</code>: ${esc(repair.action)}; no other user was touched.`
    )
  }
  const left = report.leftovers
  if (left?.checked && left.tempusers + left.temproles > 0) {
    lines.push(
      `⚠️ <code>admin.tempusers</code> (${left.tempusers}) and <code>admin.temproles</code> (${left.temproles}) were left on the target by an interrupted mongorestore; they hold credential hashes: drop them.`
    )
  } else if (left && !left.checked) {
    lines.push(
      `Leftovers of an interrupted restore (admin.tempusers, admin.temproles) not checked: ${esc(left.reason ?? '')}.`
    )
  }
  if (lines.length === 0) return ''
  return `<h3>Users</h3>\n${lines.map((l) => `<p>${l}</p>`).join('\n')}`
}

function probesSection(report: Report): string {
  const probes = [
    ...report.probes.before.map((p) => ['before restore', p] as const),
    ...report.probes.after.map(
      (p) => [report.mode === 'probe' ? 'now' : 'after restore', p] as const
    )
  ]
  if (probes.length === 0) return ''
  return (
    `<h3>Cold-connection probes</h3>\n` +
    table(
      ['When', 'App user', 'Result', 'Detail', 'Time'],
      probes.map(([when, p]) => [
        when,
        `<code>${esc(`${p.user}@${p.authSource}`)}</code>${p.member ? ` on ${esc(p.member)}` : ''}`,
        `${p.status === 'ok' ? '✅' : '❌'} ${esc(p.status)}`,
        esc(p.detail),
        `${p.durationMs} ms`
      ])
    )
  )
}

function phasesSection(report: Report): string {
  if (report.phases.length === 0) return ''
  const total = report.phases.reduce((n, p) => n + p.durationMs, 0)
  return (
    `<details><summary>Phases (${seconds(total)})</summary>\n\n` +
    table(
      ['Phase', 'Result', 'Duration'],
      report.phases.map((p) => [esc(p.name), esc(p.status), seconds(p.durationMs)])
    ) +
    `\n</details>`
  )
}

/** A split migration: the plan job's parts, or the parts the verify job found incomplete. */
function splitSection(report: Report): string {
  const parts: string[] = []
  const s = report.split
  if (s) {
    parts.push(
      `<p>Split plan: ${s.namespaces} namespace piece(s) in ${s.parts} part(s)${s.wholeDatabases ? ', whole databases per line' : ''}; plan file <code>${esc(s.planPath)}</code>${s.plan ? '' : ' (too large for the plan output: upload it as an artifact)'}.</p>`
    )
  }
  if (report.incompleteParts.length > 0) {
    parts.push(
      `<h3>Parts that failed or never ran</h3>\n` +
        table(
          ['Part', 'Namespaces'],
          report.incompleteParts.map((p) => [esc(p.part), esc(p.namespaces.join('; '))])
        )
    )
  }
  return parts.join('\n')
}

/** The versions the report knows: the servers' (read before anything was written) and the tools'. */
function versionsLine(report: Report): string {
  const text = report.versions
    ? describeVersions(report.versions, report.tools.source)
    : report.tools.mongodump && `tools ${report.tools.mongodump}`
  return text ? `<p><sub>Versions: ${esc(text)}.</sub></p>` : ''
}

function table(header: string[], rows: Cell[][]): string {
  const head = `<tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')
  return `<table>\n${head}\n${body}\n</table>`
}

/**
 * A count with thousands separators, as en-US writes them; toLocaleString would map ICU's
 * number-format data, about 7 MB of RSS for a step that never needs it elsewhere.
 */
function num(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}
