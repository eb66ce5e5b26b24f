// The recovery objectives' pure parts (issue 23): the duration format of max-restore-duration
// and max-data-age, read as a runner passes them and refused with the input's name and an
// example; where the data's point in time comes from; and the judgement of each bound.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { getInputs } from '../../src/input/inputs.ts'
import { formatDuration, parseDuration } from '../../src/input/objectives.ts'
import {
  dataAsOf,
  judgeObjectives,
  measureRecovery,
  missedHeadline
} from '../../src/report/recovery.ts'
import { GuardError } from '../../src/errors.ts'
import { exitCode } from '../../src/input/cli-args.ts'
import { restoreEnvAfterEach, setInputs } from '../support/runner-env.ts'

const SOURCE = 'mongodb://dumper:src-Pa55@db1.example:27017/?authSource=admin'
const TARGET = 'mongodb://restorer:tgt-Pa55@db2.example:27017/?authSource=admin'
const APP = 'mongodb://app:app-Pa55@db2.example:27017/appdb'

restoreEnvAfterEach()

function inputs(values: Record<string, string>): ReturnType<typeof getInputs> {
  setInputs(values)
  return getInputs()
}

const HOUR = 3_600_000

describe('recovery objectives', () => {
  test('durations: a whole number and one unit, s, m, h or d', () => {
    assert.equal(parseDuration('max-data-age', '90s'), 90_000)
    assert.equal(parseDuration('max-data-age', '30m'), 30 * 60_000)
    assert.equal(parseDuration('max-data-age', '26h'), 26 * HOUR)
    assert.equal(parseDuration('max-data-age', ' 7d '), 7 * 24 * HOUR)
    assert.equal(parseDuration('max-data-age', ''), undefined)
  })

  for (const bad of ['30', '1.5h', '0m', '-1h', '2 days', '1h30m', 'PT1H', '26H', 'h']) {
    test(`"${bad}" is refused, naming the input and an example`, () => {
      assert.throws(
        () => parseDuration('max-restore-duration', bad),
        (error: GuardError) =>
          error.kind === 'InvalidInput' &&
          error.message.startsWith(`max-restore-duration: "${bad}" is not a duration.`) &&
          error.message.includes('e.g. 30m, 26h or 7d')
      )
    })
  }

  test('the inputs: read for the modes that restore', () => {
    const settings = inputs({
      mode: 'rehearse',
      'source-uri': SOURCE,
      'target-uri': TARGET,
      'app-uri': APP,
      'max-restore-duration': '30m',
      'max-data-age': '26h'
    })
    assert.ok(settings.mode === 'rehearse')
    assert.deepEqual(settings.objectives, { maxRestoreMs: 30 * 60_000, maxDataAgeMs: 26 * HOUR })
  })

  test('the inputs: refused in a mode that does not restore, or in another format', () => {
    assert.throws(
      () => inputs({ mode: 'probe', 'app-uri': APP, 'max-data-age': '1d' }),
      /^InvalidInput: max-data-age: is not used with mode: probe\. .*mode: rehearse, restore or migrate/
    )
    process.env['INPUT_MODE'] = 'restore'
    assert.throws(
      () => inputs({ 'target-uri': TARGET, archive: '.', 'max-data-age': 'a week' }),
      /max-data-age: "a week" is not a duration/
    )
  })

  test('formatDuration: two units at most, seconds below a minute', () => {
    assert.equal(formatDuration(12_345), '12.3s')
    assert.equal(formatDuration(90_000), '1m 30s')
    assert.equal(formatDuration(HOUR), '1h')
    assert.equal(formatDuration(26 * HOUR + 59_000), '1d 2h')
    assert.equal(formatDuration(3 * 24 * HOUR), '3d')
  })

  test('data as of: the consistent point first, then the own dump, the manifest, the newest ObjectId, else unknown', () => {
    const manifest = {
      format: 'mongo-restore-guard-manifest/1' as const,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      durationSeconds: 60,
      source: { version: '7.0.15', fcv: '7.0' },
      tools: '100.7.0',
      gzip: false,
      namespaces: []
    }
    const newestId = { at: new Date('2025-12-31T23:00:00Z'), namespace: 'appdb.orders' }
    const started = new Date('2026-02-01T00:00:00Z')
    const t = { t: Date.parse('2026-02-01T00:00:05Z') / 1000, i: 3 }
    assert.equal(dataAsOf({ consistentAt: t, dumpStartedAt: started }).source, 'consistent-copy')
    assert.equal(dataAsOf({ consistentAt: t }).at, '2026-02-01T00:00:05.000Z')
    assert.equal(dataAsOf({ dumpStartedAt: started, manifest }).at, started.toISOString())
    assert.equal(dataAsOf({ manifest, newestId }).at, manifest.startedAt)
    const consistent = { ...manifest, consistentAt: { ...t, time: '2026-02-01T00:00:05.000Z' } }
    assert.equal(dataAsOf({ manifest: consistent }).source, 'manifest-consistent')
    assert.equal(dataAsOf({ newestId }).source, 'newest-objectid')
    const unknown = dataAsOf({ unknownBecause: 'no ObjectId' })
    assert.deepEqual([unknown.at, unknown.source], [undefined, 'unknown'])
  })

  test('judging: within the bounds passes; a missed bound is ObjectiveMissed, exit code 8', () => {
    const asOf = dataAsOf({ dumpStartedAt: new Date('2026-01-01T00:00:00Z') })
    const measured = {
      restoreMs: 5_000,
      finishedAt: new Date('2026-01-01T02:00:00Z'),
      bytes: undefined,
      documents: 10,
      asOf
    }
    const within = measureRecovery(measured, { maxRestoreMs: 60_000, maxDataAgeMs: 3 * HOUR })
    assert.equal(within.dataAgeSeconds, 7200)
    assert.doesNotThrow(() => judgeObjectives(within))
    const missed = measureRecovery(measured, { maxRestoreMs: 2_000, maxDataAgeMs: HOUR })
    assert.deepEqual(
      missed.objectives.map((o) => [o.objective, o.actualSeconds, o.met]),
      [
        ['max-restore-duration', 5, false],
        ['max-data-age', 7200, false]
      ]
    )
    assert.throws(
      () => judgeObjectives(missed),
      (error: GuardError) =>
        error.kind === 'ObjectiveMissed' &&
        /max-restore-duration missed by 3\.0s: the restore took 5\.0s, the bound is 2\.0s/.test(
          error.message
        ) &&
        /max-data-age missed by 1h: the data is as of 2026-01-01T00:00:00\.000Z .*2h old when the restore finished at 2026-01-01T02:00:00\.000Z; the bound is 1h/.test(
          error.message
        )
    )
    assert.equal(
      missedHeadline(missed),
      'max-restore-duration missed by 3.0s: the restore took 5.0s (bound 2.0s)'
    )
    assert.equal(missedHeadline(within), undefined)
    const unknown = measureRecovery(
      { ...measured, asOf: dataAsOf({ unknownBecause: 'no ObjectId' }) },
      { maxRestoreMs: undefined, maxDataAgeMs: HOUR }
    )
    assert.equal(unknown.objectives[0]?.met, false)
    assert.match(
      missedHeadline(unknown) ?? '',
      /age is unknown, so max-data-age \(1h\) is not shown/
    )
    assert.equal(exitCode({ status: 'failed', failure: { kind: 'ObjectiveMissed' } }), 8)
  })
})
