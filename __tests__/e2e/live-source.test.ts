// Issue 20, item 3 through the bundle: a standalone source (no oplog, so no point in time) that an
// application writes to while the action copies it. When the copy check finds what the writes
// changed, the step fails naming the source as the cause ("the source took N writes while it was
// copied") and the ways out, never the advice to drop or fix the target; when the writes touched
// nothing the check reads, it passes and the report says how many there were.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { ObjectId, type MongoClient } from 'mongodb'
import {
  createUser,
  pairFor,
  stopAllServers,
  withClient,
  type MongoServer
} from '../support/testbed.ts'
import { explain, node24, runAction, type ActionRun } from '../support/run-action.ts'
import { migrateInputs } from '../support/inputs.ts'

after(stopAllServers)
const APP = 'app-pw-live'
const BACKUP = 'backup-pw-live'

/** Seeds appdb: `events` (2000 documents) and `accounts` (1000, numbered by `n`). */
async function seed(c: MongoClient): Promise<void> {
  const db = c.db('appdb')
  await db
    .collection('events')
    .insertMany(Array.from({ length: 2000 }, (_, i) => ({ i, body: 'x'.repeat(200) })))
  await db
    .collection<{ _id: number; n: number; balance: number }>('accounts')
    .insertMany(Array.from({ length: 1000 }, (_, n) => ({ _id: n, n, balance: 0 })))
}

/**
 * An application writing to the source until `stop` is called: each round one write chosen by
 * `write`, about every 10 ms. Returns how many writes it made.
 */
function writer(
  uri: string,
  write: (c: MongoClient, round: number) => Promise<unknown>
): { stop: () => Promise<number> } {
  let running = true
  const done = withClient(uri, async (c) => {
    let round = 0
    while (running) {
      await write(c, round++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return round
  })
  return {
    stop: async () => {
      running = false
      return done
    }
  }
}

async function setUp(t: Parameters<typeof pairFor>[0]): Promise<[MongoServer, MongoServer]> {
  const [source, target] = await pairFor(t)
  await createUser(source, 'admin', 'backup', BACKUP, ['backup'])
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  await withClient(source.rootUri, seed)
  return [source, target]
}

/** A migration read by the backup user, whose app logs in to appdb. */
const inputs = (source: MongoServer, target: MongoServer) =>
  migrateInputs(source.uri('backup', BACKUP, 'admin'), target, APP)

const failure = (run: ActionRun) =>
  run.report?.['failure'] as { kind: string; message: string } | undefined

test('a standalone source written during the copy fails naming the source as the cause, not the target', async (t) => {
  const [source, target] = await setUp(t)
  // Inserts (at the high end of the _id index, where the sample reads), updates and deletes.
  const app = writer(source.rootUri, (c, round) => {
    const events = c.db('appdb').collection('events')
    if (round % 3 === 0) return events.insertOne({ _id: new ObjectId(), live: round })
    if (round % 3 === 1) return events.updateOne({ i: round % 2000 }, { $set: { touched: round } })
    return events.deleteOne({ i: 1999 - (round % 2000) })
  })
  let run: ActionRun
  try {
    run = await runAction(inputs(source, target), { node: node24() })
  } finally {
    assert.ok((await app.stop()) > 0)
  }
  assert.equal(run.exitCode, 1, explain(run))
  assert.equal(failure(run)?.kind, 'SourceChanged', explain(run))
  const message = failure(run)?.message ?? ''
  assert.match(message, /The source took \d+ writes while it was copied \(\d+ in appdb\.events\)/)
  assert.match(message, /appdb\.events: of \d+ sampled documents, .*missing/)
  assert.match(message, /stop the application's writes/)
  assert.match(message, /copy from a replica-set member/)
  // The target is not the cause: no advice to drop or fix it, anywhere the user reads.
  for (const [place, text] of [
    ['message', message],
    ['stdout', run.stdout],
    ['summary', run.summary]
  ]) {
    assert.doesNotMatch(text as string, /Drop or fix|drop: true replaces/, `${place}`)
  }
  const writes = run.report?.['sourceWrites'] as { measured: boolean; total: number }
  assert.equal(writes.measured, true)
  assert.ok(writes.total > 0)
  assert.equal(run.outputs['source-writes'], String(writes.total))
  assert.match(run.summary, /but the source changed while it was copied/)
  assert.match(run.summary, /The source took [\d,]+ writes while it was copied \(appdb\.events/)
  // The counts match what the dump read: the restore did its part.
  assert.deepEqual(run.report?.['mismatches'], [])
})

test('a standalone source written during the copy where the check finds no change passes, with the writes in the report', async (t) => {
  const [source, target] = await setUp(t)
  // Updates to the middle of `accounts` only: the sample reads its lowest and highest 50 _ids.
  const app = writer(source.rootUri, (c, round) =>
    c
      .db('appdb')
      .collection<{ _id: number; balance: number }>('accounts')
      .updateOne({ _id: 400 + (round % 200) }, { $inc: { balance: 1 } })
  )
  let run: ActionRun
  try {
    run = await runAction(inputs(source, target), { node: node24() })
  } finally {
    assert.ok((await app.stop()) > 0)
  }
  assert.equal(run.exitCode, 0, explain(run))
  const writes = run.report?.['sourceWrites'] as {
    total: number
    namespaces: { namespace: string; writes: number }[]
  }
  assert.ok(writes.total > 0, JSON.stringify(writes))
  assert.deepEqual(
    writes.namespaces.map((n) => n.namespace),
    ['appdb.accounts']
  )
  assert.equal(run.outputs['source-writes'], String(writes.total))
  assert.match(
    run.summary,
    /The source took [\d,]+ writes while it was copied \(appdb\.accounts [\d,]+\); the copy check found no difference/
  )
})

test('a rehearsal on a standalone source that takes writes fails naming the source; the restore into its scratch databases is not counted as writes', async (t) => {
  const [source, target] = await setUp(t)
  await createUser(source, 'appdb', 'app', APP, ['readWrite'])
  const app = writer(source.rootUri, (c, round) =>
    c.db('appdb').collection('events').insertOne({ _id: new ObjectId(), live: round })
  )
  let run: ActionRun
  try {
    run = await runAction(
      {
        ...inputs(source, target),
        mode: 'rehearse',
        'target-uri': source.rootUri,
        'app-uri': source.uri('app', APP, 'appdb')
      },
      { node: node24() }
    )
  } finally {
    assert.ok((await app.stop()) > 0)
  }
  assert.equal(run.exitCode, 1, explain(run))
  assert.equal(failure(run)?.kind, 'SourceChanged', explain(run))
  assert.doesNotMatch(failure(run)?.message ?? '', /Drop or fix|drop: true/)
  const writes = run.report?.['sourceWrites'] as { namespaces: { namespace: string }[] }
  // Only the application's collection: mongorestore wrote into rehearsal_<run>_appdb, not counted.
  assert.deepEqual(
    writes.namespaces.map((n) => n.namespace),
    ['appdb.events']
  )
  const rehearsal = run.report?.['rehearsal'] as { databases: string[]; dropped: boolean }
  assert.equal(rehearsal.dropped, true)
  const left = await withClient(source.rootUri, (c) =>
    c.db('admin').admin().listDatabases({ nameOnly: true })
  )
  assert.deepEqual(
    left.databases.filter((d) => d.name.startsWith('rehearsal_')),
    []
  )
})
