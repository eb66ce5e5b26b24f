// The replay's guard (src/oplog/filter.ts) as one table: what it keeps, renamed, and what it
// drops, alone and nested in applyOps (transactions). The same entries replayed by the real
// mongorestore --oplogReplay on a real target are in server/oplog-filter.test.ts.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Document } from 'mongodb'
import { filterEntry, type OplogScope } from '../../src/oplog/filter.ts'
import {
  applyOps,
  command,
  forbiddenEntries,
  insert,
  noop,
  SCOPE,
  transaction,
  update
} from '../support/oplog-entries.ts'

const RENAMED: OplogScope = {
  ...SCOPE,
  renames: [{ from: 'appdb.$coll$', to: 'rehearsal_1_appdb.$coll$' }]
}

/** What the filter made of an entry: its namespace and, for applyOps, the nested namespaces. */
function shape(entry: Document | undefined): unknown {
  if (!entry) return 'dropped'
  const nested = (entry.o as Document).applyOps as Document[] | undefined
  if (nested) return { ns: entry.ns, nested: nested.map((e) => shape(e)) }
  const o = entry.o as Document
  return entry.op === 'c'
    ? { ns: entry.ns, [Object.keys(o)[0] as string]: Object.values(o)[0] }
    : entry.ns
}

describe('the oplog filter', () => {
  const table: [string, Document, OplogScope, unknown, number][] = [
    ['an insert in the plan', insert('appdb.items', { _id: 1 }), SCOPE, 'appdb.items', 1],
    ['an update in the plan', update('appdb.items', 1, { a: 1 }), SCOPE, 'appdb.items', 1],
    ['an insert renamed', insert('appdb.items', { _id: 1 }), RENAMED, 'rehearsal_1_appdb.items', 1],
    ['a no-op', noop(), SCOPE, 'dropped', 0],
    ...forbiddenEntries().map(
      ({ kind, entry }): [string, Document, OplogScope, unknown, number] => [
        kind,
        entry,
        SCOPE,
        'dropped',
        0
      ]
    ),
    ...forbiddenEntries().map(
      ({ kind, entry }): [string, Document, OplogScope, unknown, number] => [
        `${kind}, nested in applyOps`,
        applyOps([entry]),
        SCOPE,
        'dropped',
        0
      ]
    ),
    [
      'a create in the plan, renamed',
      command('appdb', { create: 'fresh' }),
      RENAMED,
      { ns: 'rehearsal_1_appdb.$cmd', create: 'fresh' },
      1
    ],
    [
      'createIndexes in the plan',
      command('appdb', { createIndexes: 'items', v: 2, key: { a: 1 }, name: 'a_1' }),
      SCOPE,
      { ns: 'appdb.$cmd', createIndexes: 'items' },
      1
    ],
    [
      'a transaction keeps its envelope and only the plan’s writes, renamed',
      transaction([
        insert('appdb.events', { _id: 1 }),
        insert('admin.system.users', { _id: 'admin.evil' }),
        update('appdb.counters', 'events', { n: 1 }),
        insert('otherdb.c', { _id: 1 })
      ]),
      RENAMED,
      { ns: 'admin.$cmd', nested: ['rehearsal_1_appdb.events', 'rehearsal_1_appdb.counters'] },
      2
    ],
    [
      'a transaction outside the plan keeps an empty envelope (mongorestore chains them)',
      transaction([insert('otherdb.c', { _id: 1 })]),
      SCOPE,
      { ns: 'admin.$cmd', nested: [] },
      0
    ],
    [
      'applyOps nested twice',
      applyOps([applyOps([insert('config.x', { _id: 1 }), insert('appdb.items', { _id: 2 })])]),
      SCOPE,
      { ns: 'admin.$cmd', nested: [{ ns: 'admin.$cmd', nested: ['appdb.items'] }] },
      1
    ]
  ]
  for (const [name, entry, scope, expected, writes] of table) {
    test(name, () => {
      const filtered = filterEntry(entry, scope)
      assert.deepEqual(shape(filtered.entry), expected)
      assert.equal(filtered.writes, writes)
    })
  }

  const refused: [string, Document][] = [
    [
      'renameCollection out of the plan',
      command('admin', { renameCollection: 'appdb.items', to: 'otherdb.items' })
    ],
    [
      'renameCollection into the plan',
      command('admin', { renameCollection: 'otherdb.items', to: 'appdb.items' })
    ],
    ['dropDatabase of a planned database', command('appdb', { dropDatabase: 1 })],
    ['an unknown command on a planned database', command('appdb', { somethingNew: 'items' })]
  ]
  for (const [name, entry] of refused) {
    test(`refused: ${name}`, () => {
      assert.throws(() => filterEntry(entry, SCOPE), { name: 'ReplayImpossible' })
    })
  }

  test('a rename and a dropDatabase outside the plan are dropped, not refused', () => {
    const rename = command('admin', { renameCollection: 'otherdb.a', to: 'otherdb.b' })
    assert.equal(filterEntry(rename, SCOPE).entry, undefined)
    assert.equal(filterEntry(command('otherdb', { dropDatabase: 1 }), SCOPE).entry, undefined)
  })
})
