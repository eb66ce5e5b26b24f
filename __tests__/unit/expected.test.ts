// What each restored collection must hold (src/pipeline/expected.ts), computed without a server:
// counts at T for a point-in-time copy, dumped counts less failed documents, `_id` ranges left
// to the range check, time-series buckets, a dump's manifest against what mongorestore read.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { expectedOfCopy, expectedOfDump, expectedOfSource } from '../../src/pipeline/expected.ts'
import type { CollectionInfo } from '../../src/server/collection-options.ts'
import type { Manifest } from '../../src/tools/manifest.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'

const ID_INDEX = { v: 2, key: { _id: 1 }, name: '_id_' }

function info(namespace: string, documents: number | undefined): CollectionInfo {
  return { namespace, type: 'collection', options: {}, indexes: [ID_INDEX], documents }
}

function restored(source: string, documents: number, failures = 0) {
  return { source, target: source, documents, failures }
}

describe('what a copy from the source must hold', () => {
  const source = new Map([
    ['app.orders', info('app.orders', 120)],
    ['app.events', info('app.events', 40)]
  ])
  const dumped = [
    { namespace: 'app.orders', documents: 100 },
    { namespace: 'app.system.buckets.metrics', documents: 7 }
  ]

  test('an ordinary copy: what mongodump wrote less what failed, with the source indexes', () => {
    const expected = expectedOfCopy(
      [restored('app.orders', 98, 2), restored('app.metrics', 7)],
      dumped,
      source,
      false,
      DEFAULT_PLAN
    )
    assert.deepEqual(expected.get('app.orders')?.documents, 98)
    assert.deepEqual(expected.get('app.orders')?.indexes, [
      { name: '_id_', definition: '{"key":{"_id":1}}' }
    ])
    // A time-series collection is dumped as its buckets: their count is what it must hold.
    assert.equal(expected.get('app.metrics')?.documents, 7)
    assert.equal(expected.get('app.metrics')?.indexes, undefined)
  })

  test('a point-in-time copy: the source count at T, not what mongodump wrote', () => {
    const expected = expectedOfCopy(
      [restored('app.orders', 100)],
      dumped,
      source,
      true,
      DEFAULT_PLAN
    )
    assert.equal(expected.get('app.orders')?.documents, 120)
  })

  test('a collection cut into _id ranges: no count; indexes only in the part that builds them', () => {
    const plan = (range: Record<string, unknown>) => ({
      ...DEFAULT_PLAN,
      namespaces: [{ database: 'app', collection: 'orders', range }]
    })
    const first = expectedOfCopy(
      [restored('app.orders', 50)],
      dumped,
      source,
      false,
      plan({ $lt: 50 })
    )
    assert.deepEqual(first.get('app.orders'), {
      documents: undefined,
      indexes: [{ name: '_id_', definition: '{"key":{"_id":1}}' }]
    })
    const later = expectedOfCopy(
      [restored('app.orders', 50)],
      dumped,
      source,
      false,
      plan({ $gte: 50 })
    )
    assert.deepEqual(later.get('app.orders'), { documents: undefined, indexes: undefined })
  })
})

describe('what a restore of a dump must hold', () => {
  const indexes = new Map([['app.orders', [{ name: '_id_', definition: '{}' }]]])

  test('the manifest counts, less failed documents, whatever mongorestore read', () => {
    const manifest = { namespaces: [{ namespace: 'app.orders', documents: 100 }] } as Manifest
    const expected = expectedOfDump([restored('app.orders', 90, 3)], manifest, indexes)
    assert.deepEqual(expected.get('app.orders'), {
      documents: 97,
      indexes: [{ name: '_id_', definition: '{}' }]
    })
  })

  test('a foreign dump without a manifest: what mongorestore read', () => {
    const expected = expectedOfDump([restored('app.orders', 90, 3)], undefined, indexes)
    assert.equal(expected.get('app.orders')?.documents, 90)
  })
})

test('after a cutover: exactly the source as it is now; a collection it no longer has, unchecked', () => {
  const planned = [
    { source: 'app.orders', target: 'app.orders' },
    { source: 'app.gone', target: 'app.gone' }
  ]
  const expected = expectedOfSource(planned, new Map([['app.orders', info('app.orders', 5)]]))
  assert.equal(expected.get('app.orders')?.documents, 5)
  assert.deepEqual(expected.get('app.gone'), { documents: undefined, indexes: undefined })
})
