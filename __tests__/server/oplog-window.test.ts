// The oplog window on real servers (src/oplog/window.ts): a standalone cannot give one, a
// replica-set member can, the window holds exactly the writes between its start and its end,
// and a start the oplog no longer holds (rolled over) fails the copy, named.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Timestamp } from 'mongodb'
import { openWindow, readWindow } from '../../src/oplog/window.ts'
import { MongoUri } from '../../src/secrets.ts'
import { serverFor, startReplicaSet, stopAllServers, withClient } from '../support/testbed.ts'

after(stopAllServers)

test('a standalone has no window; a replica set has one holding the writes in it; a rolled-over start fails', async (t) => {
  const standalone = await serverFor(t)
  const none = await openWindow(new MongoUri(standalone.rootUri, 'source-uri'), 5000)
  assert.deepEqual(none, { unavailable: 'the source is a standalone server, which keeps no oplog' })

  const rs = await startReplicaSet(1)
  t.after(() => rs.stop())
  const uri = new MongoUri(rs.rootUri, 'source-uri')
  const opened = await openWindow(uri, 5000)
  assert.ok('start' in opened)
  await withClient(rs.rootUri, (c) =>
    c
      .db('appdb')
      .collection('x')
      .insertMany([{ a: 1 }, { a: 2 }])
  )
  const seen: string[] = []
  const times: Timestamp[] = []
  const read = await readWindow(uri, opened.start, 5000, (entry) => {
    times.push(entry.ts as Timestamp)
    if (entry.op === 'i' && String(entry.ns).startsWith('appdb.')) seen.push(`${entry.ns}`)
  })
  assert.deepEqual(seen, ['appdb.x', 'appdb.x'])
  // As mongodump --oplog: the entry at the start itself (already applied, replayed idempotently) is in.
  assert.ok(times[0]?.equals(opened.start))
  assert.equal(read.entries, times.length)
  assert.ok(read.end.greaterThan(opened.start))

  // A start older than the oldest entry the oplog holds: the writes in between are lost.
  await assert.rejects(
    readWindow(uri, new Timestamp({ t: 1, i: 0 }), 5000, () => undefined),
    (error: Error) =>
      error.name === 'ReplayImpossible' && /oplog no longer holds/.test(error.message)
  )
})
