import { test } from 'node:test'
import assert from 'node:assert/strict'
import { planNamespaces } from '../../src/input/ns-plan.ts'

const none = {
  databases: [] as string[],
  nsExclude: [] as string[],
  renames: [] as { from: string; to: string }[],
  dumpOptions: [] as string[]
}
const source = [
  'appdb.orders',
  'appdb.users',
  'shop.items',
  'shop.tmp_1',
  'admin.keep',
  'x.system.users'
]
const targets = (settings: Partial<typeof none>) =>
  planNamespaces(source, { ...none, ...settings }).map((p) => p.target)

test('every user namespace, never admin or user collections', () => {
  assert.deepEqual(targets({}), ['appdb.orders', 'appdb.users', 'shop.items', 'shop.tmp_1'])
})

test('databases limits the plan', () => {
  assert.deepEqual(targets({ databases: ['shop'] }), ['shop.items', 'shop.tmp_1'])
})

test('ns-exclude: anchored, * matches dots too', () => {
  assert.deepEqual(targets({ nsExclude: ['appdb.*', '*tmp*'] }), ['shop.items'])
  assert.deepEqual(targets({ nsExclude: ['appdb.order'] }).length, 4)
})

test("mongodump's collection exclusions", () => {
  const dumpOptions = ['--excludeCollection=orders', '--excludeCollectionsWithPrefix', 'tmp_']
  assert.deepEqual(targets({ dumpOptions }), ['appdb.users', 'shop.items'])
})

test('renames carry $variables$ over; the first matching rename wins', () => {
  const renames = [
    { from: 'appdb.$c$', to: 'copy.$c$' },
    { from: 'shop.items', to: 'shop.products' }
  ]
  assert.deepEqual(
    planNamespaces(['appdb.orders', 'shop.items', 'shop.tmp_1'], { ...none, renames }),
    [
      { source: 'appdb.orders', target: 'copy.orders' },
      { source: 'shop.items', target: 'shop.products' },
      { source: 'shop.tmp_1', target: 'shop.tmp_1' }
    ]
  )
})
