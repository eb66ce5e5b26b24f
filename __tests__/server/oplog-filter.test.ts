// The replay's guard (src/oplog/filter.ts) as one table: what it keeps, renamed, and what it
// drops, alone and nested in applyOps (transactions); then the same entries replayed by the
// real mongorestore --oplogReplay on a real target: nothing forbidden reaches it, while the
// unfiltered file (the control) does write outside the plan.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { BSON, type Document } from 'mongodb'
import { filterEntry, type OplogScope } from '../../src/oplog/filter.ts'
import { replayOplog } from '../../src/oplog/replay.ts'
import { MongoUri, SecretDir } from '../../src/secrets.ts'
import type { ToolContext } from '../../src/tools/transfer.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'
import {
  applyOps,
  command,
  forbiddenEntries,
  insert,
  noop,
  transaction,
  update
} from '../support/oplog-entries.ts'
import {
  binaries,
  createUser,
  SERVER_VERSIONS,
  serverFor,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'

after(stopAllServers)

const SCOPE: OplogScope = { ...DEFAULT_PLAN, databases: ['appdb'], nsExclude: ['appdb.skip*'] }
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

for (const version of SERVER_VERSIONS) {
  describe(`the filtered oplog replayed by mongorestore on a real target (${version})`, () => {
    test('no forbidden entry, alone or nested in applyOps, reaches the target; the unfiltered control does', async (t) => {
      const [target, control] = await Promise.all([
        serverFor(t, { version }),
        serverFor(t, { version })
      ])
      await createUser(target, 'admin', 'restorer', 'restore-pw', [
        'restore',
        'readWriteAnyDatabase',
        'dbAdminAnyDatabase'
      ])
      const entries = [
        insert('appdb.items', { _id: 'kept' }),
        ...forbiddenEntries().map((f) => f.entry),
        ...forbiddenEntries().map((f) => applyOps([f.entry])),
        transaction([
          insert('appdb.items', { _id: 'in-transaction' }),
          ...forbiddenEntries().map((f) => f.entry)
        ])
      ]
      const dir = tempDirFor(t)
      const secrets = await SecretDir.create(dir)
      t.after(() => secrets.remove())
      const bins = binaries()
      const ctx: ToolContext = {
        bins: { mongodump: bins.mongodump, mongorestore: bins.mongorestore },
        secrets,
        signal: new AbortController().signal,
        timeoutMs: 120_000,
        redact: (text) => text,
        observer: { restoreStarting() {}, exited() {}, dumpRemoved() {} }
      }
      const write = (name: string, list: Document[]) => {
        const file = join(dir, name)
        writeFileSync(file, Buffer.concat(list.map((e) => BSON.serialize(e))))
        return file
      }
      const kept = entries.flatMap((e) => filterEntry(e, SCOPE).entry ?? [])
      // As after the restore: the plan's collection exists (applyOps inserts into existing ones only).
      await withClient(target.rootUri, (c) => c.db('appdb').createCollection('items'))
      const before = await everything(target.rootUri)
      const applied = await replayOplog(
        ctx,
        new MongoUri(target.uri('restorer', 'restore-pw', 'admin'), 'target-uri'),
        write('filtered.bson', kept)
      )
      assert.equal(applied, 2)
      const afterReplay = await everything(target.rootUri)
      assert.deepEqual(
        afterReplay,
        before.map((line) => (line === 'appdb.items: ' ? 'appdb.items: in-transaction,kept' : line))
      )

      // The control: each forbidden entry unfiltered, replayed as root, does write (the ones the
      // server itself refuses aside): the filter is what keeps them out.
      await withClient(control.rootUri, async (c) => {
        for (const ns of ['otherdb.c', 'config.x', 'appdb.skipped']) {
          await c.db(ns.split('.')[0] as string).createCollection(ns.split('.')[1] as string)
        }
      })
      const controlBefore = await everything(control.rootUri)
      for (const [i, { entry }] of forbiddenEntries().entries()) {
        await replayOplog(
          ctx,
          new MongoUri(control.rootUri, 'target-uri'),
          write(`unfiltered-${i}.bson`, [entry])
        ).catch(() => undefined)
      }
      const leaked = (await everything(control.rootUri)).filter((l) => !controlBefore.includes(l))
      for (const written of ['otherdb.c: 1', 'config.x: 1', 'appdb.skipped: 1', 'otherdb.made: ']) {
        assert.ok(
          leaked.includes(written),
          `unfiltered, ${written} is written: ${leaked.join('; ')}`
        )
      }
    })
  })
}

/** Every collection of every database with its `_id`s (config's session bookkeeping aside), and every user. */
async function everything(uri: string): Promise<string[]> {
  return withClient(uri, async (c) => {
    const out: string[] = []
    const { databases } = await c.db('admin').admin().listDatabases({ nameOnly: true })
    for (const { name } of databases) {
      for (const coll of await c.db(name).listCollections({}, { nameOnly: true }).toArray()) {
        if (name === 'config' && coll.name === 'system.sessions') continue
        if (name === 'local' && coll.name === 'startup_log') continue
        if (name === 'admin' && coll.name === 'system.version') continue
        const ids = (
          await c
            .db(name)
            .collection(coll.name)
            .find({}, { projection: { _id: 1 } })
            .toArray()
        )
          .map((d) => String(d._id))
          .sort()
        out.push(`${name}.${coll.name}: ${ids.join(',')}`)
      }
    }
    return out.sort()
  })
}
