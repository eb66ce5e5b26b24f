// The oplog filter's entries replayed by the real mongorestore --oplogReplay on a real target:
// nothing forbidden reaches it, while the unfiltered file (the control) does write outside the
// plan (the filter's table itself is in unit/oplog-filter.test.ts).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { BSON, type Document } from 'mongodb'
import { filterEntry } from '../../src/oplog/filter.ts'
import { replayOplog } from '../../src/oplog/replay.ts'
import { MongoUri, SecretDir } from '../../src/secrets.ts'
import type { ToolContext } from '../../src/tools/transfer.ts'
import { applyOps, forbiddenEntries, insert, SCOPE, transaction } from '../support/oplog-entries.ts'
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
