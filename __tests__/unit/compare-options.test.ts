// The pure comparison of collection options and indexes, the verify-sample input, and the
// failure message (which names _ids, never values).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BSON } from 'mongodb'
import { ABSENT, canonical, compareOptions } from '../../src/report/compare-options.ts'
import { copyFailure } from '../../src/report/copy-verdict.ts'
import { parseVerifySample } from '../../src/input/verify-sample.ts'
import type { CollectionInfo } from '../../src/server/collection-options.ts'
import type { CopyCheck } from '../../src/report/verify-copy.ts'

const info = (
  namespace: string,
  options: Record<string, unknown>,
  indexes: Record<string, unknown>[] = [],
  type: CollectionInfo['type'] = 'collection'
): CollectionInfo => ({ namespace, type, options, indexes, documents: 0 })

const pair = [{ source: 'a.c', target: 'b.c' }]
const compare = (s: CollectionInfo, t: CollectionInfo) =>
  compareOptions(pair, new Map([['a.c', s]]), new Map([['b.c', t]]))

test('equal options and indexes give no difference, whatever the key order or number type', () => {
  const index = { v: 2, key: { b: -1, a: 1 }, name: 'b_a', unique: true }
  assert.deepEqual(
    compare(
      info('a.c', { collation: { locale: 'fr', strength: 2 }, size: 5120, capped: true }, [index]),
      info(
        'b.c',
        {
          capped: true,
          size: new BSON.Long(5120),
          collation: { strength: new BSON.Int32(2), locale: 'fr' }
        },
        [{ name: 'b_a', unique: true, key: { b: -1, a: 1 }, v: 2, background: true }]
      )
    ),
    []
  )
})

test('each compared option that differs is one row with both values', () => {
  const rows = compare(
    info('a.c', { validator: { x: 1 }, validationAction: 'error', collation: { locale: 'fr' } }),
    info('b.c', { validator: { x: 1 }, validationAction: 'warn' })
  )
  assert.deepEqual(rows, [
    { namespace: 'b.c', option: 'validationAction', source: '"error"', target: '"warn"' },
    { namespace: 'b.c', option: 'collation', source: '{"locale":"fr"}', target: ABSENT }
  ])
})

test('an absent validationLevel/validationAction equals the server default, only with a validator', () => {
  assert.deepEqual(
    compare(
      info('a.c', { validator: { x: 1 }, validationLevel: 'strict', validationAction: 'error' }),
      info('b.c', { validator: { x: 1 } })
    ),
    []
  )
  assert.equal(compare(info('a.c', { validationLevel: 'strict' }), info('b.c', {})).length, 1)
})

test('order is meaning in an index key and a view pipeline, and nowhere else', () => {
  const key = (k: Record<string, number>) => [{ v: 2, name: 'i', key: k }]
  assert.deepEqual(
    compare(info('a.c', {}, key({ a: 1, b: 1 })), info('b.c', {}, key({ b: 1, a: 1 }))).map(
      (r) => r.option
    ),
    ['index i.key']
  )
  const view = (project: Record<string, number>) =>
    info('x', { viewOn: 'c', pipeline: [{ $project: project }] }, [], 'view')
  assert.equal(compare(view({ a: 1, b: 1 }), view({ b: 1, a: 1 }))[0]?.option, 'pipeline')
  assert.equal(canonical({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}')
})

test('a type, a missing collection, and missing or extra indexes are differences', () => {
  assert.deepEqual(compare(info('a.c', {}, [], 'timeseries'), info('b.c', {})), [
    { namespace: 'b.c', option: 'type', source: '"timeseries"', target: '"collection"' }
  ])
  assert.deepEqual(
    compareOptions(pair, new Map([['a.c', info('a.c', {})]]), new Map()).map((r) => r.target),
    [ABSENT]
  )
  const rows = compare(
    info('a.c', {}, [{ v: 2, name: 'x', key: { x: 1 } }]),
    info('b.c', {}, [{ v: 2, name: 'y', key: { y: 1 } }])
  )
  assert.deepEqual(
    rows.map((r) => [r.option, r.source, r.target]),
    [
      ['index x', '{"x":1}', ABSENT],
      ['index y', ABSENT, '{"y":1}']
    ]
  )
  // Index version, hidden, sparse, TTL: every field of the definition counts.
  const fields = compare(
    info('a.c', {}, [{ v: 2, name: 'i', key: { i: 1 }, hidden: true, expireAfterSeconds: 60 }]),
    info('b.c', {}, [{ v: 1, name: 'i', key: { i: 1 }, sparse: true, expireAfterSeconds: 60 }])
  )
  assert.deepEqual(
    fields.map((r) => r.option),
    ['index i.hidden', 'index i.sparse', 'index i.v']
  )
})

test('verify-sample: default 100, 0 off, all, and a clear error otherwise', () => {
  assert.equal(parseVerifySample(''), 100)
  assert.equal(parseVerifySample('0'), 0)
  assert.equal(parseVerifySample(' 250 '), 250)
  assert.equal(parseVerifySample('ALL'), 'all')
  for (const bad of ['-1', '1.5', 'some', '1e3']) {
    assert.throws(
      () => parseVerifySample(bad),
      /^InvalidInput: verify-sample: ".*" is not a number of documents\. Write a whole number/
    )
  }
})

test('the failure names options with both values, and documents by _id with counts only', () => {
  const check: CopyCheck = {
    options: {
      checked: true,
      reason: undefined,
      collections: 2,
      differences: [
        {
          namespace: 'appdb.orders',
          option: 'collation',
          source: ABSENT,
          target: '{"locale":"de"}'
        }
      ],
      durationMs: 1
    },
    sampleSize: 100,
    samples: [
      {
        namespace: 'appdb.items',
        compared: 20,
        differing: 12,
        differingIds: Array.from({ length: 12 }, (_, i) => String(i)),
        missing: 0,
        missingIds: [],
        durationMs: 1,
        skipped: undefined
      }
    ]
  }
  const error = copyFailure(check, [])
  assert.equal(error?.kind, 'DataMismatch')
  assert.match(
    error?.message ?? '',
    /appdb\.orders collation: source \(absent\), target \{"locale":"de"\}/
  )
  assert.match(
    error?.message ?? '',
    /appdb\.items: of 20 sampled documents, 12 differ byte for byte \(_id 0, 1, .*, 9 and 2 more\)/
  )
  assert.equal(
    copyFailure({ ...check, options: { ...check.options, differences: [] }, samples: [] }, []),
    undefined
  )
})

test('objects whose field order does not matter show only the fields that differ', () => {
  const full = (locale: string, strength: number) => ({
    locale,
    strength,
    caseLevel: false,
    alternate: 'non-ignorable',
    version: '57.1'
  })
  assert.deepEqual(
    compare(
      info('a.c', { collation: full('fr', 2) }),
      info('b.c', { collation: full('de', 3) })
    ).map((r) => [r.option, r.source, r.target]),
    [
      ['collation.locale', '"fr"', '"de"'],
      ['collation.strength', '2', '3']
    ]
  )
})
