import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareCollections } from '../../src/report/data-check.ts'

const restored = [{ source: 'appdb.orders', target: 'appdb.orders', documents: 10, failures: 0 }]
const index = { name: 'who_1', definition: '{"key":{"who":1}}' }
const expected = new Map([['appdb.orders', { documents: 10, indexes: [index] }]])
const state = (documents: number, indexes = [index]) => [
  { namespace: 'appdb.orders', documents, indexes }
]

test('an exact copy must match the count; a merge may hold more, never fewer', () => {
  assert.deepEqual(compareCollections(restored, expected, state(10), true), [])
  assert.equal(compareCollections(restored, expected, state(12), true).length, 1)
  assert.deepEqual(compareCollections(restored, expected, state(12), false), [])
  assert.match(
    compareCollections(restored, expected, state(9), false)[0]?.problem ?? '',
    /at least 10/
  )
})

test('a missing index is named', () => {
  const [mismatch] = compareCollections(restored, expected, state(10, []), true)
  assert.match(mismatch?.problem ?? '', /who_1/)
})

test('a collection mongorestore restored but the target lacks is a mismatch', () => {
  assert.deepEqual(compareCollections(restored, expected, [], true), [
    { namespace: 'appdb.orders', check: 'presence', problem: 'missing on the target' }
  ])
})
