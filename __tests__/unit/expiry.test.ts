// The pure parts of issue 20's items 3 and 4: which documents TTL may have deleted (the rules
// from either side's description, the filters), the source's writes between two readings, and
// the verdict that names the source, not the target, as the cause of what the sample found.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CollectionInfo } from '../../src/server/collection-options.ts'
import {
  expiredFilter,
  expiryRules,
  isExpired,
  liveFilter,
  ttlRuleOf
} from '../../src/server/expiry.ts'
import { expiryMismatches, withoutExpiring } from '../../src/report/expiry-check.ts'
import { writesBetween } from '../../src/server/source-writes.ts'
import { copyFailure } from '../../src/report/copy-verdict.ts'
import { exitCode } from '../../src/input/cli-args.ts'
import type { CopyCheck } from '../../src/report/verify-copy.ts'

const info = (over: Partial<CollectionInfo>): CollectionInfo => ({
  namespace: 'appdb.c',
  type: 'collection',
  options: {},
  indexes: [{ name: '_id_', key: { _id: 1 }, v: 2 }],
  documents: 10,
  ...over
})
const ttl = { name: 'lastSeen_1', key: { lastSeen: 1 }, expireAfterSeconds: 3600, v: 2 }

test('expiry rules: a TTL index, a clustered or time-series expireAfterSeconds; none for others', () => {
  assert.deepEqual(expiryRules(info({ indexes: [ttl] })), [
    { field: 'lastSeen', expireAfterSeconds: 3600, source: 'lastSeen_1' }
  ])
  assert.deepEqual(
    expiryRules(info({ options: { clusteredIndex: { key: { _id: 1 } }, expireAfterSeconds: 60 } })),
    [{ field: '_id', expireAfterSeconds: 60, source: 'clustered' }]
  )
  // A time-series collection's rule applies to its buckets' newest measurement.
  assert.deepEqual(
    expiryRules(
      info({
        type: 'timeseries',
        options: { timeseries: { timeField: 't', metaField: 'm' }, expireAfterSeconds: 86400 },
        indexes: []
      })
    ),
    [{ field: 'control.max.t', expireAfterSeconds: 86400, source: 'timeseries' }]
  )
  assert.deepEqual(expiryRules(info({})), [])
  assert.deepEqual(expiryRules(info({ type: 'view', indexes: [ttl] })), [])
  assert.deepEqual(expiryRules(undefined, undefined), [])
  // The TTL monitor ignores a compound index; an expireAfterSeconds that is not a number is no rule.
  assert.equal(ttlRuleOf({ name: 'x', key: { a: 1, b: 1 }, expireAfterSeconds: 10 }), undefined)
  assert.equal(ttlRuleOf({ name: 'x', key: { a: 1 }, expireAfterSeconds: 'soon' }), undefined)
  assert.equal(ttlRuleOf({ name: 'x', key: { a: 1 } }), undefined)
})

test('expiry rules: a TTL index on the target only (an ODM made it on the empty collection) counts; the same rule on both sides once', () => {
  const source = info({})
  const target = info({ indexes: [ttl] })
  assert.deepEqual(
    expiryRules(source, target).map((r) => r.field),
    ['lastSeen']
  )
  assert.equal(expiryRules(target, target).length, 1)
  const other = info({ indexes: [{ ...ttl, name: 'other', expireAfterSeconds: 60 }] })
  assert.equal(expiryRules(target, other).length, 2)
})

test('the filters: expired means before now − expireAfterSeconds for any rule; live is its negation', () => {
  const at = new Date('2026-12-05T12:00:00Z')
  const [rule] = expiryRules(info({ indexes: [ttl] }))
  assert.deepEqual(expiredFilter([rule!], at), {
    lastSeen: { $lt: new Date('2026-12-05T11:00:00Z') }
  })
  assert.deepEqual(liveFilter([rule!], at), {
    $nor: [{ lastSeen: { $lt: new Date('2026-12-05T11:00:00Z') } }]
  })
  const two = [rule!, { field: 'b', expireAfterSeconds: 60, source: 'b_1' }]
  assert.deepEqual(expiredFilter(two, at), {
    $or: [
      { lastSeen: { $lt: new Date('2026-12-05T11:00:00Z') } },
      { b: { $lt: new Date('2026-12-05T11:59:00Z') } }
    ]
  })
})

test('a document from a dump is expired as the query would match it: a date, the earliest of an array, a nested path', () => {
  const at = new Date('2026-12-05T12:00:00Z')
  const old = new Date('2026-12-05T10:00:00Z')
  const fresh = new Date('2026-12-05T11:30:00Z')
  const rules = [{ field: 'lastSeen', expireAfterSeconds: 3600, source: 'lastSeen_1' }]
  const expiring = { rules, at }
  assert.equal(isExpired({ lastSeen: old }, expiring), true)
  assert.equal(isExpired({ lastSeen: fresh }, expiring), false)
  assert.equal(isExpired({ lastSeen: [fresh, old] }, expiring), true)
  assert.equal(isExpired({ lastSeen: [fresh] }, expiring), false)
  // Documents without a date there never expire.
  assert.equal(isExpired({ lastSeen: 'yesterday' }, expiring), false)
  assert.equal(isExpired({ lastSeen: old.getTime() }, expiring), false)
  assert.equal(isExpired({}, expiring), false)
  // A time-series bucket: its newest measurement decides.
  const bucket = { rules: [{ field: 'control.max.t', expireAfterSeconds: 3600, source: 'ts' }], at }
  assert.equal(isExpired({ control: { min: { t: old }, max: { t: old } } }, bucket), true)
  assert.equal(isExpired({ control: { min: { t: old }, max: { t: fresh } } }, bucket), false)
  assert.equal(
    isExpired({ a: [{ b: fresh }, { b: old }] }, { rules: [{ ...rules[0]!, field: 'a.b' }], at }),
    true
  )
})

test('TTL collections are counted by their live documents instead of the dumped count', () => {
  const check = {
    asOf: '2026-12-05T12:10:00.000Z',
    expired: 17,
    uncounted: [{ source: 'appdb.archived', target: 'appdb.archived', reason: 'an archive' }],
    collections: [
      {
        source: 'appdb.sessions',
        target: 'appdb.sessions',
        rules: [],
        expired: 17,
        sourceLive: 40,
        targetLive: 39
      }
    ]
  }
  const expected = new Map([
    ['appdb.sessions', { documents: 57, indexes: undefined }],
    ['appdb.orders', { documents: 5, indexes: undefined }],
    ['appdb.archived', { documents: 9, indexes: undefined }]
  ])
  const without = withoutExpiring(expected, check)
  assert.equal(without.get('appdb.sessions')?.documents, undefined)
  // TTL may have thinned it and its source side was not counted: reported, not compared.
  assert.equal(without.get('appdb.archived')?.documents, undefined)
  assert.equal(without.get('appdb.orders')?.documents, 5)
  const [mismatch] = expiryMismatches(check, true)
  assert.equal(mismatch?.namespace, 'appdb.sessions')
  assert.match(mismatch?.problem ?? '', /39 documents not expired by TTL, expected 40 \(17 expired/)
  const same = { ...check, collections: [{ ...check.collections[0]!, targetLive: 40 }] }
  assert.deepEqual(expiryMismatches(same, true), [])
  // A merge may hold more.
  const more = { ...check, collections: [{ ...check.collections[0]!, targetLive: 41 }] }
  assert.deepEqual(expiryMismatches(more, false), [])
  assert.equal(expiryMismatches(more, true).length, 1)
  assert.deepEqual(expiryMismatches(undefined, true), [])
})

test('the source writes between two readings, per namespace; a counter that went down counts', () => {
  const before = new Map([
    ['appdb.a', 5],
    ['appdb.b', 9],
    ['appdb.c', 40]
  ])
  const after = new Map([
    ['appdb.a', 12],
    ['appdb.b', 9],
    ['appdb.c', 2],
    ['appdb.d', 3]
  ])
  assert.deepEqual(writesBetween(before, after), {
    measured: true,
    reason: undefined,
    total: 12,
    namespaces: [
      { namespace: 'appdb.a', writes: 7 },
      { namespace: 'appdb.c', writes: 2 },
      { namespace: 'appdb.d', writes: 3 }
    ]
  })
  assert.deepEqual(writesBetween(before, { refused: 'no' }), {
    measured: false,
    reason: 'no',
    total: 0,
    namespaces: []
  })
})

const sampled = (missing: number): CopyCheck => ({
  options: { checked: true, reason: undefined, collections: 1, differences: [], durationMs: 1 },
  sampleSize: 100,
  samples: [
    {
      namespace: 'appdb.events',
      compared: 100,
      differing: 0,
      differingIds: [],
      missing,
      missingIds: Array.from({ length: missing }, (_, i) => String(i)),
      durationMs: 1,
      skipped: undefined
    }
  ]
})
const writes = (total: number) => ({
  measured: true,
  reason: undefined,
  total,
  namespaces: total > 0 ? [{ namespace: 'appdb.events', writes: total }] : []
})

test('sampled documents that differ after the source took writes: SourceChanged (exit 7), no advice to drop the target', () => {
  const error = copyFailure(sampled(3), [], writes(42))
  assert.equal(error?.kind, 'SourceChanged')
  assert.match(
    error?.message ?? '',
    /The source took 42 writes while it was copied \(42 in appdb\.events\)/
  )
  assert.match(error?.message ?? '', /appdb\.events: of 100 sampled documents, 3 missing/)
  assert.match(
    error?.message ?? '',
    /stop the application's writes .* copy from a replica-set member/
  )
  assert.doesNotMatch(error?.message ?? '', /Drop or fix|drop: true/)
  assert.equal(exitCode({ status: 'failed', failure: { kind: 'SourceChanged' } }), 7)
  // Without writes, or with a count that differs from what the dump read, the target is at fault.
  assert.equal(copyFailure(sampled(3), [], writes(0))?.kind, 'DataMismatch')
  assert.equal(copyFailure(sampled(3), [])?.kind, 'DataMismatch')
  const count = { namespace: 'appdb.events', check: 'count' as const, problem: '9 documents' }
  assert.equal(copyFailure(sampled(3), [count], writes(42))?.kind, 'DataMismatch')
  // Writes that changed nothing the check reads: no failure.
  assert.equal(copyFailure(sampled(0), [], writes(42)), undefined)
})
