// The job summary: its first line answers the user's question and names the actual cause; the
// per-database table and the users line say what moved and what was checked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newReport, type Report } from '../../src/report/report.ts'
import { headline, renderSummary } from '../../src/report/summary.ts'
import { judgeBaseline } from '../../src/report/judge.ts'
import type { ProbeResult, ProbeStatus } from '../../src/server/probe.ts'

const probe = (status: ProbeStatus): ProbeResult => ({
  app: 'mongodb://app:***@h/appdb',
  user: 'app',
  authSource: 'appdb',
  status,
  detail: status === 'ok' ? 'authenticated' : 'not authorized on appdb to execute find',
  missing: [],
  mechanisms: undefined,
  durationMs: 5
})

function passedMigration(): Report {
  const report = newReport()
  report.mode = 'migrate'
  report.status = 'passed'
  report.dumped = [
    { namespace: 'admin.system.users', documents: 3 },
    { namespace: 'appdb.orders', documents: 1200 },
    { namespace: 'billing.invoices', documents: 5 }
  ]
  report.restore = { restored: 1205, failed: 0 }
  report.restored = [
    { source: 'appdb.orders', target: 'appdb.orders', documents: 1200, failures: 0 },
    { source: 'billing.invoices', target: 'billing.invoices', documents: 5, failures: 0 }
  ]
  report.phases = [{ name: 'Verify', status: 'ok', durationMs: 40 }]
  report.probes = { before: [probe('ok')], after: [probe('ok')] }
  report.users = {
    checked: true,
    reason: undefined,
    drift: { appeared: [], disappeared: [], changed: [] },
    count: 3
  }
  report.copy = {
    options: { checked: true, reason: undefined, collections: 2, differences: [], durationMs: 3 },
    sampleSize: 100,
    samples: [
      {
        namespace: 'appdb.orders',
        compared: 100,
        differing: 0,
        differingIds: [],
        missing: 0,
        missingIds: [],
        durationMs: 4,
        skipped: undefined
      }
    ]
  }
  report.tools = { mongodump: '100.7.0', mongorestore: '100.7.0', source: 'cache' }
  report.versions = {
    tools: '100.7.0',
    source: { version: '6.0.5', fcv: '6.0' },
    target: undefined
  }
  return report
}

test('a passing run: the verdict, each database with its counts, the users checked and unchanged', () => {
  const report = passedMigration()
  assert.equal(
    headline(report),
    '✅ The app will log in after its next restart, and the copy is whole'
  )
  const html = renderSummary(report)
  assert.match(
    html,
    /<tr><td><code>appdb<\/code><\/td><td>1<\/td><td>1,200<\/td><td>1,200<\/td><td>0<\/td><td>counts ✓, indexes ✓, options ✓, sample ✓ \(100 documents\)<\/td><\/tr>/
  )
  assert.match(html, /<td><code>billing<\/code><\/td><td>1<\/td><td>5<\/td><td>5<\/td>/)
  assert.doesNotMatch(html, /<code>admin<\/code>/)
  assert.match(html, /The target's 3 users were checked before and after the restore: unchanged/)
  // Only the versions the report holds.
  assert.match(html, /Versions: tools 100\.7\.0 \(cache\), source MongoDB 6\.0\.5 \(FCV 6\.0\)\./)
})

test('an app that authenticates but lacks privileges is never headed "credentials rejected"', () => {
  const report = newReport()
  report.mode = 'migrate'
  report.status = 'failed'
  report.probes.before = [probe('unauthorized')]
  let title = ''
  try {
    judgeBaseline(report.probes.before)
  } catch (error) {
    const e = error as { kind: string; title: string; message: string }
    report.failure = { kind: 'AlreadyRejected', title: e.title, message: e.message }
    title = e.title
  }
  assert.equal(title, 'The app already lacks privileges on the target')
  assert.match(headline(report), /lacks privileges it needs; nothing was restored/)
  assert.doesNotMatch(renderSummary(report), /credentials/)
})

test('the headline names the cause: a broken login, or a copy that is not whole', () => {
  const broken = passedMigration()
  broken.status = 'failed'
  broken.probes.after = [probe('authentication-failed')]
  broken.failure = { kind: 'BrokenByRestore', title: 't', message: 'm' }
  assert.equal(
    headline(broken),
    "❌ The app's next restart would fail: its credentials are rejected"
  )

  const partial = passedMigration()
  partial.status = 'failed'
  partial.failure = { kind: 'DataMismatch', title: 't', message: 'm' }
  partial.copy!.options.differences = [
    {
      namespace: 'appdb.orders',
      option: 'collation',
      source: '(absent)',
      target: '{"locale":"de"}'
    }
  ]
  assert.equal(
    headline(partial),
    '❌ The app will log in after its next restart, but the copy is not whole'
  )
  const html = renderSummary(partial)
  assert.match(html, /options ✗/)
  assert.match(
    html,
    /<td><code>collation<\/code><\/td><td><code>\(absent\)<\/code><\/td><td><code>\{&quot;locale&quot;:&quot;de&quot;\}<\/code><\/td>/
  )
})
