// mode catch-up end to end (issue 21): the bundle under Node 24, real replica sets (6.0.5 and
// 7.0.15), the real tools, an application writing on the source the whole time. The target is a
// copy of the source at T; the catch-up replays what came after, the app goes into maintenance,
// the cutover verifies: the target equals the source, its users never changed.
import { after, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import {
  withClient,
  binaries,
  startReplicaSet,
  stopAllServers,
  type ReplicaSet,
  type ServerVersion
} from '../support/testbed.ts'
import { SERVER_VERSIONS } from '../support/testbed.ts'
import { explain, node24, runAction, type ActionRun } from '../support/run-action.ts'
import { seedWriter, startWriter, type LiveWriter } from '../support/writer.ts'
import {
  APP_DB,
  APP_PASSWORD,
  appLogsIn,
  appUsers,
  changeSourceUsers,
  contentsOf,
  copyAt,
  newestTs,
  tsText,
  usersOf
} from '../support/catch-up-bed.ts'

after(stopAllServers)
const node = node24()

interface Bed {
  source: ReplicaSet
  target: ReplicaSet
  writer: LiveWriter
  /** The T the target's copy is consistent at. */
  t: string
}

/** Source and target replica sets, the app writing on the source, the target a copy at T. */
async function liveBed(t: TestContext, version: ServerVersion): Promise<Bed> {
  const [source, target] = await Promise.all([
    startReplicaSet(1, { version }),
    startReplicaSet(1, { version })
  ])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await appUsers(source, target)
  await seedWriter(source.rootUri, APP_DB)
  const writer = startWriter(source.rootUri, { database: APP_DB })
  t.after(() => writer.stop().catch(() => undefined))
  await writer.waitForRounds(30)
  const at = await newestTs(source.rootUri)
  await copyAt(source.rootUri, target.rootUri, APP_DB, at)
  await writer.waitForRounds(writer.rounds() + 60)
  return { source, target, writer, t: tsText(at) }
}

function catchUpInputs(bed: Bed, more: Record<string, string> = {}): Record<string, string> {
  return {
    mode: 'catch-up',
    'source-uri': bed.source.rootUri,
    'target-uri': bed.target.rootUri,
    'app-uri': bed.target.uri('app', APP_PASSWORD, APP_DB),
    databases: APP_DB,
    'consistent-at': bed.t,
    'max-lag-seconds': '2',
    'tools-path': binaries().toolsDir,
    ...more
  }
}

for (const version of SERVER_VERSIONS) {
  describe(`catch-up, mongod ${version}`, () => {
    test('promise: after catch-up and cutover the target equals the source, its users unchanged, the app logs in', async (t) => {
      const [source, target] = await Promise.all([
        startReplicaSet(1, { version }),
        startReplicaSet(1, { version })
      ])
      t.after(() => Promise.all([source.stop(), target.stop()]))
      await appUsers(source, target)
      await seedWriter(source.rootUri, APP_DB)
      const writer = startWriter(source.rootUri, { database: APP_DB })
      t.after(() => writer.stop().catch(() => undefined))
      await writer.waitForRounds(30)
      const usersBefore = await usersOf(target.rootUri)
      // The migration, with the application writing and the source's users changing meanwhile.
      let changed: Promise<void> | undefined
      const migrate = await runAction(
        {
          mode: 'migrate',
          'source-uri': source.rootUri,
          'target-uri': target.rootUri,
          'app-uri': target.uri('app', APP_PASSWORD, APP_DB),
          databases: APP_DB,
          'tools-path': binaries().toolsDir
        },
        {
          node,
          onStdout: (text) => {
            if (!changed && text.includes('::group::Dump')) {
              changed = changeSourceUsers(source, 'migrate')
            }
          }
        }
      )
      await changed
      assert.equal(migrate.exitCode, 0, explain(migrate))
      const at = migrate.outputs['consistent-at']
      assert.match(at ?? '', /^\d+:\d+$/, explain(migrate))
      await writer.waitForRounds(writer.rounds() + 60)
      const bed: Bed = { source, target, writer, t: at as string }
      let stopped: Promise<number> | undefined
      const run = await runAction(catchUpInputs(bed, { cutover: 'true', 'quiet-seconds': '2' }), {
        node,
        onStdout: (text) => {
          // The application goes into maintenance once the catch-up is close behind.
          if (!stopped && text.includes('Caught up:')) {
            stopped = changeSourceUsers(source, 'during').then(() => writer.stop())
          }
        }
      })
      const rounds = await stopped
      assert.equal(run.exitCode, 0, explain(run))
      assert.ok(rounds && rounds > 90, `the app wrote ${rounds} rounds`)
      assert.equal(run.outputs['catch-up-verdict'], 'verified')
      assert.ok(Number(run.outputs['entries-applied']) > 0, explain(run))
      assert.match(run.outputs['consistent-at'] ?? '', /^\d+:\d+$/)
      assert.deepEqual(
        await contentsOf(target.rootUri, APP_DB),
        await contentsOf(source.rootUri, APP_DB)
      )
      assert.equal(await usersOf(target.rootUri), usersBefore)
      assert.ok(await appLogsIn(target))
      assert.match(run.stdout, /Applied \d+ entries in \d+ batches/)
      assert.match(run.summary, /Catch-up from T = <code>\d+:\d+<\/code>: [1-9]\d* writes replayed/)
    })

    test('a target written after the copy is refused before anything is replayed', async (t) => {
      const bed = await liveBed(t, version)
      await withTarget(bed, (c) =>
        c
          .db(APP_DB)
          .collection('items')
          .deleteOne({ _id: 400 as never })
      )
      const before = await contentsOf(bed.target.rootUri, APP_DB)
      const run = await runAction(catchUpInputs(bed), { node })
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failureOf(run), 'TargetWritten')
      const [, actual, expected] =
        /appdb\.items holds (\d+) documents, the source held (\d+)/.exec(run.stdout) ?? []
      assert.equal(Number(actual), Number(expected) - 1, explain(run))
      assert.deepEqual(await contentsOf(bed.target.rootUri, APP_DB), before)
      assert.equal(run.outputs['consistent-at'], bed.t)
    })

    test('a target written during the catch-up is found when it has caught up', async (t) => {
      const bed = await liveBed(t, version)
      let written: Promise<unknown> | undefined
      const run = await runAction(catchUpInputs(bed), {
        node,
        onStdout: (text) => {
          // Right after the check at T, before the first batch is applied.
          if (!written && text.includes("hold the source's counts at T")) {
            written = withTarget(bed, (c) =>
              c
                .db(APP_DB)
                .collection('items')
                .insertOne({ _id: 'intruder' as never })
            )
          }
        }
      })
      await written
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failureOf(run), 'TargetWritten')
      assert.match(run.stdout, /After the catch-up, the target did not hold what the source held/)
      assert.match(run.stdout, /appdb\.items holds \d+ documents, the source held \d+/)
    })

    test('a transaction larger than one oplog entry (a chain of partialTxn entries) is replayed whole', async (t) => {
      const bed = await liveBed(t, version)
      await bed.writer.stop()
      await withClient(bed.source.rootUri, async (c) => {
        await c.db(APP_DB).createCollection('blobs')
        const session = c.startSession()
        try {
          await session.withTransaction(async () => {
            for (let n = 0; n < 20; n++) {
              const doc = { _id: n, blob: 'b'.repeat(1024 * 1024) }
              await c
                .db(APP_DB)
                .collection('blobs')
                .insertOne(doc as never, { session })
            }
          })
        } finally {
          await session.endSession()
        }
      })
      const chain = await withClient(bed.source.rootUri, (c) =>
        c.db('local').collection('oplog.rs').countDocuments({ 'o.partialTxn': true })
      )
      assert.ok(chain > 0, 'the transaction was logged as a chain of entries')
      const run = await runAction(catchUpInputs(bed, { cutover: 'true', 'quiet-seconds': '1' }), {
        node
      })
      assert.equal(run.exitCode, 0, explain(run))
      assert.equal(await count(bed.target, 'blobs'), 20)
      assert.deepEqual(
        await contentsOf(bed.target.rootUri, APP_DB),
        await contentsOf(bed.source.rootUri, APP_DB)
      )
    })

    test('T older than the oldest entry of the source oplog: rolled over, nothing written, migrate again', async (t) => {
      const bed = await liveBed(t, version)
      await bed.writer.stop()
      const before = await contentsOf(bed.target.rootUri, APP_DB)
      // A real rollover needs 990 MB of writes (the smallest oplog): a T from before the set's
      // first entry is what the catch-up sees after one, its entries gone.
      const gone = `${Number(bed.t.split(':')[0]) - 3600}:1`
      const run = await runAction(catchUpInputs(bed, { 'consistent-at': gone }), { node })
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failureOf(run), 'OplogRolledOver')
      assert.match(run.stdout, /oplog now reaches back only to \d+:\d+ \(\d{4}-\d\d-\d\dT/)
      assert.match(run.stdout, /Run the migration \(mode: migrate\) again/)
      assert.deepEqual(await contentsOf(bed.target.rootUri, APP_DB), before)
    })

    test('a planned collection dropped on the source after T: refused before that batch, the target keeps it', async (t) => {
      const bed = await liveBed(t, version)
      await bed.writer.stop()
      await withClient(bed.source.rootUri, (c) => c.db(APP_DB).collection('items').drop())
      const run = await runAction(catchUpInputs(bed), { node })
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failureOf(run), 'SourceNamespacesChanged')
      assert.match(run.stdout, /the collection appdb\.items was dropped/)
      assert.ok((await count(bed.target, 'items')) >= 500, 'the target still holds items')
    })

    test('a planned collection renamed on the source after T: refused, the target keeps it', async (t) => {
      const bed = await liveBed(t, version)
      await bed.writer.stop()
      await withClient(bed.source.rootUri, (c) =>
        c.db(APP_DB).collection('items').rename('items_old')
      )
      const run = await runAction(catchUpInputs(bed), { node })
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failureOf(run), 'SourceNamespacesChanged')
      assert.match(run.stdout, /the collection appdb\.items was renamed to appdb\.items_old/)
      assert.ok((await count(bed.target, 'items')) >= 500, 'the target still holds items')
      assert.equal(await count(bed.target, 'items_old'), 0)
    })

    test('cancelled between batches: the last T applied is reported, and a re-run continues from it', async (t) => {
      const bed = await liveBed(t, version)
      let pid = 0
      let signalled = false
      // The app keeps writing: the cutover waits for it to stop, batch after batch, until cancelled.
      const first = await runAction(catchUpInputs(bed, { cutover: 'true' }), {
        node,
        onSpawn: (p) => (pid = p),
        onStdout: (text) => {
          if (!signalled && /Applied [1-9]\d* entries/.test(text)) {
            signalled = true
            process.kill(pid, 'SIGINT')
          }
        }
      })
      assert.equal(failureOf(first), 'Cancelled', explain(first))
      const reached = first.outputs['consistent-at'] ?? ''
      assert.match(reached, /^\d+:\d+$/)
      assert.notEqual(reached, bed.t)
      assert.match(first.stdout, new RegExp(`consistent-at: ${reached}`))
      assert.match(
        first.report?.['aftermath'] as string,
        new RegExp(`holds the source's writes through ${reached} .*nothing after`)
      )
      await bed.writer.stop()
      const second = await runAction(
        catchUpInputs(bed, { 'consistent-at': reached, cutover: 'true', 'quiet-seconds': '1' }),
        { node }
      )
      assert.equal(second.exitCode, 0, explain(second))
      assert.equal(second.outputs['catch-up-verdict'], 'verified')
      assert.deepEqual(
        await contentsOf(bed.target.rootUri, APP_DB),
        await contentsOf(bed.source.rootUri, APP_DB)
      )
    })
  })
}

for (const version of SERVER_VERSIONS) {
  describe(`catch-up through a failover of the source, mongod ${version}`, () => {
    test('the primary steps down during the catch-up: it continues on the new one and verifies', async (t) => {
      const [source, target] = await Promise.all([
        startReplicaSet(2, { version }),
        startReplicaSet(1, { version })
      ])
      t.after(() => Promise.all([source.stop(), target.stop()]))
      await appUsers(source, target)
      await seedWriter(source.rootUri, APP_DB)
      const writer = startWriter(source.rootUri, { database: APP_DB })
      t.after(() => writer.stop().catch(() => undefined))
      await writer.waitForRounds(30)
      const at = await newestTs(source.rootUri)
      await copyAt(source.rootUri, target.rootUri, APP_DB, at)
      const bed: Bed = { source, target, writer, t: tsText(at) }
      let stepped: Promise<unknown> | undefined
      let stopped: Promise<unknown> | undefined
      const run = await runAction(catchUpInputs(bed, { cutover: 'true', 'quiet-seconds': '2' }), {
        node,
        onStdout: (text) => {
          if (!stepped && /Applied [1-9]\d* entries/.test(text)) {
            stepped = withClient(source.primary.rootUri, (c) =>
              c.db('admin').command({ replSetStepDown: 30, secondaryCatchUpPeriodSecs: 10 })
            ).catch(() => undefined)
          }
          if (!stopped && text.includes('Source failover')) stopped = writer.stop()
        }
      })
      await stepped
      await stopped
      assert.equal(run.exitCode, 0, explain(run))
      const failovers = (run.report?.['catchUp'] as { failovers: string[] }).failovers
      assert.ok(failovers.length >= 1, explain(run))
      assert.deepEqual(
        await contentsOf(target.rootUri, APP_DB),
        await contentsOf(source.rootUri, APP_DB)
      )
    })
  })
}

async function count(rs: ReplicaSet, collection: string): Promise<number> {
  return withClient(rs.rootUri, (c) => c.db(APP_DB).collection(collection).countDocuments())
}

async function withTarget(bed: Bed, fn: (c: import('mongodb').MongoClient) => Promise<unknown>) {
  await withClient(bed.target.rootUri, async (c) => {
    await fn(c)
  })
}

function failureOf(run: ActionRun): string | undefined {
  return (run.report?.['failure'] as { kind?: string } | undefined)?.kind
}
