// mode catch-up's pure parts: how T is read (the migrate step's output, a report file's JSON)
// and refused, and which oplog commands count as a planned namespace dropped or renamed.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { GuardError } from '../../src/errors.ts'
import { formatOplogTime, parseOplogTime, timeIn } from '../../src/input/consistent-at.ts'
import { namespaceChange } from '../../src/oplog/catch-up-checks.ts'

describe('consistent-at', () => {
  for (const [text, t, i] of [
    ['1796472277:32', 1796472277, 32],
    ['1796472277.32', 1796472277, 32],
    [' Timestamp(1796472277, 32) ', 1796472277, 32],
    ['{"t":1796472277,"i":32}', 1796472277, 32],
    ['{"consistency":{"pointInTime":true,"at":"1796472277:32"}}', 1796472277, 32]
  ] as const) {
    test(`reads ${text.trim()}`, () => {
      assert.deepEqual(parseOplogTime(text), { t, i })
    })
  }

  for (const bad of ['yesterday', '12', '0:0', '{"t":"x"}', '{not json', '99999999999:1']) {
    test(`refuses ${bad}, naming the input and the fix`, () => {
      assert.throws(
        () => parseOplogTime(bad),
        (e: unknown) =>
          e instanceof GuardError &&
          e.kind === 'InvalidInput' &&
          /^consistent-at: /.test(e.message) &&
          /needs\.migrate\.outputs\.consistent-at/.test(e.message)
      )
    })
  }

  test("a report: a catch-up's appliedThrough wins over the T it started from", () => {
    const report = {
      consistency: { pointInTime: true, at: '100:1' },
      catchUp: { from: { t: 100, i: 1 }, appliedThrough: { t: 200, i: 7 } }
    }
    assert.deepEqual(timeIn(report), { t: 200, i: 7 })
    assert.deepEqual(timeIn({ consistency: { pointInTime: false, reason: 'x' } }), undefined)
  })

  test('written back as migrate writes it', () => {
    assert.equal(formatOplogTime({ t: 1796472277, i: 32 }), '1796472277:32')
  })
})

describe('a planned namespace dropped or renamed after T', () => {
  const inPlan = (ns: string) => ns.startsWith('appdb.')
  const cmd = (ns: string, o: object) => ({ op: 'c', ns, o })
  for (const [name, entry, expected] of [
    ['drop', cmd('appdb.$cmd', { drop: 'items' }), 'the collection appdb.items was dropped'],
    ['dropDatabase', cmd('appdb.$cmd', { dropDatabase: 1 }), 'the database appdb was dropped'],
    [
      'renameCollection',
      cmd('admin.$cmd', { renameCollection: 'appdb.items', to: 'appdb.old' }),
      'the collection appdb.items was renamed to appdb.old'
    ],
    [
      'a drop inside applyOps',
      cmd('admin.$cmd', { applyOps: [cmd('appdb.$cmd', { drop: 'events' })] }),
      'the collection appdb.events was dropped'
    ],
    ['a drop outside the plan', cmd('other.$cmd', { drop: 'items' }), undefined],
    ['a create in the plan', cmd('appdb.$cmd', { create: 'new' }), undefined],
    ['an insert', { op: 'i', ns: 'appdb.items', o: { _id: 1 } }, undefined]
  ] as const) {
    test(name, () => {
      assert.equal(namespaceChange([entry], inPlan), expected)
    })
  }
})
