// Issue 20, item 4 through the bundle: documents a TTL index (or a time-series collection's
// expireAfterSeconds) has expired are not data loss. The source keeps its expired documents (its
// TTL monitor is off, as in a backup taken before they expired); the target's monitor runs every
// second, so it deletes them during or after the restore, or not yet, from run to run. Every run
// must give the same verdict, pass, and report how many had expired.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  SERVER_VERSIONS,
  startServer,
  stopAllServers,
  tempDirFor,
  withClient,
  type MongoServer,
  type ServerVersion
} from '../support/testbed.ts'
import { explain, node24, runAction, type ActionRun } from '../support/run-action.ts'
import { migrateInputs } from '../support/inputs.ts'

after(stopAllServers)
const APP = 'app-pw-ttl'
const BACKUP = 'backup-pw-ttl'
const HOUR = 3600_000
// sessions: 17 expired long ago, 10 expiring a few seconds after they are written, 3 whose
// earliest date (of an array) is expired: 30 past the cutoff. 30 fresh and 5 without a date stay.
const EXPIRED_SESSIONS = 30

async function pair(
  t: { after(fn: () => unknown): void },
  version: ServerVersion
): Promise<[MongoServer, MongoServer]> {
  const servers = await Promise.all([
    startServer({ version, setParameters: { ttlMonitorEnabled: false } }),
    startServer({ version, setParameters: { ttlMonitorSleepSecs: 1 } })
  ])
  t.after(() => Promise.all(servers.map((s) => s.stop())))
  const [source, target] = servers
  await createUser(source, 'admin', 'backup', BACKUP, ['backup'])
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  return servers
}

async function seedSessions(c: MongoClient): Promise<void> {
  const sessions = c.db('appdb').collection('sessions')
  await sessions.createIndex({ lastSeen: 1 }, { expireAfterSeconds: 3600 })
  const now = Date.now()
  const at = (ms: number) => new Date(ms)
  await sessions.insertMany([
    ...Array.from({ length: 17 }, (_, i) => ({ user: `old${i}`, lastSeen: at(now - 2 * HOUR) })),
    ...Array.from({ length: 10 }, (_, i) => ({
      user: `soon${i}`,
      lastSeen: at(now - HOUR + 2000)
    })),
    ...Array.from({ length: 3 }, (_, i) => ({
      user: `arr${i}`,
      lastSeen: [at(now), at(now - 2 * HOUR)]
    })),
    ...Array.from({ length: 30 }, (_, i) => ({ user: `new${i}`, lastSeen: at(now) })),
    ...Array.from({ length: 5 }, (_, i) => ({ user: `undated${i}`, lastSeen: 'never' }))
  ])
}

async function seedMetrics(c: MongoClient): Promise<void> {
  const db = c.db('appdb')
  await db.createCollection('metrics', {
    timeseries: { timeField: 't', metaField: 'sensor', granularity: 'seconds' },
    expireAfterSeconds: 3600
  })
  const now = Date.now()
  await db.collection('metrics').insertMany(
    Array.from({ length: 120 }, (_, i) => ({
      t: new Date(i < 60 ? now - 2 * HOUR + i * 1000 : now - (i - 60) * 1000),
      sensor: i % 3,
      v: i
    }))
  )
}

/** A migration read by the backup user, whose app logs in to appdb. */
const inputs = (source: MongoServer, target: MongoServer) =>
  migrateInputs(source.uri('backup', BACKUP, 'admin'), target, APP)

interface Expiry {
  expired: number
  collections: { target: string; expired: number; sourceLive: number; targetLive: number }[]
}
const expiryOf = (run: ActionRun) => run.report?.['expiry'] as Expiry

function assertPassedWithExpired(run: ActionRun, expired: Record<string, number>): void {
  assert.equal(run.exitCode, 0, explain(run))
  const expiry = expiryOf(run)
  const byTarget = Object.fromEntries(expiry.collections.map((c) => [c.target, c.expired]))
  assert.deepEqual(byTarget, expired)
  const total = Object.values(expired).reduce((a, b) => a + b, 0)
  assert.equal(expiry.expired, total)
  assert.equal(run.outputs['expired-documents'], String(total))
  assert.match(run.summary, new RegExp(`⏳ ${total} source documents had expired by TTL`))
  for (const c of expiry.collections) assert.equal(c.targetLive, c.sourceLive)
  // The documents that must exist were compared, and all were found.
  const samples = run.report?.['copy'] as { samples: { compared: number; missing: number }[] }
  for (const s of samples.samples) assert.equal(s.missing, 0)
}

for (const version of SERVER_VERSIONS) {
  test(`TTL-expired sessions and time-series buckets pass on every one of 5 runs, with the number expired (mongod ${version})`, async (t) => {
    const [source, target] = await pair(t, version)
    await withClient(source.rootUri, async (c) => {
      await seedSessions(c)
      await seedMetrics(c)
    })
    const oldBuckets = await withClient(source.rootUri, (c) =>
      c
        .db('appdb')
        .collection('system.buckets.metrics')
        .countDocuments({ 'control.max.t': { $lt: new Date(Date.now() - HOUR) } })
    )
    assert.ok(oldBuckets > 0)
    const leftOnTarget: number[] = []
    for (let i = 0; i < 5; i++) {
      // drop: each run replaces what the last one restored; every other run compares every document.
      const run = await runAction(
        { ...inputs(source, target), drop: 'true', 'verify-sample': i % 2 ? 'all' : '100' },
        { node: node24() }
      )
      assertPassedWithExpired(run, {
        'appdb.sessions': EXPIRED_SESSIONS,
        'appdb.metrics': oldBuckets
      })
      leftOnTarget.push(
        await withClient(target.rootUri, (c) =>
          c.db('appdb').collection('sessions').countDocuments()
        )
      )
    }
    // What the target's monitor had deleted by the end of each run, for a failure's message.
    t.diagnostic(`sessions left on the target after each run: ${leftOnTarget.join(', ')}`)
  })

  test(`TTL-expired sessions pass when the target already has the TTL index on an empty collection (mongod ${version})`, async (t) => {
    const [source, target] = await pair(t, version)
    await withClient(source.rootUri, seedSessions)
    for (let i = 0; i < 3; i++) {
      // As an application's ODM does at start-up against the new, empty host.
      await withClient(target.rootUri, async (c) => {
        await c
          .db('appdb')
          .collection('sessions')
          .drop()
          .catch(() => undefined)
        await c
          .db('appdb')
          .collection('sessions')
          .createIndex({ lastSeen: 1 }, { expireAfterSeconds: 3600 })
      })
      const run = await runAction(inputs(source, target), { node: node24() })
      assertPassedWithExpired(run, { 'appdb.sessions': EXPIRED_SESSIONS })
    }
  })
}

test('a dump on disk restored after some of its documents expired passes on every one of 3 runs, with the number expired', async (t) => {
  const [source, target] = await pair(t, '6.0')
  await withClient(source.rootUri, async (c) => {
    await seedSessions(c)
    await seedMetrics(c)
  })
  const oldBuckets = await withClient(source.rootUri, (c) =>
    c
      .db('appdb')
      .collection('system.buckets.metrics')
      .countDocuments({ 'control.max.t': { $lt: new Date(Date.now() - HOUR) } })
  )
  const archive = join(tempDirFor(t), 'dump')
  const tools = binaries().toolsDir
  const dumped = await runAction(
    {
      mode: 'dump',
      'source-uri': source.uri('backup', BACKUP, 'admin'),
      archive,
      'tools-path': tools
    },
    { node: node24() }
  )
  assert.equal(dumped.exitCode, 0, explain(dumped))
  for (let i = 0; i < 3; i++) {
    const run = await runAction(
      {
        mode: 'restore',
        archive,
        'target-uri': target.rootUri,
        'app-uri': target.uri('app', APP, 'appdb'),
        'tools-path': tools,
        drop: 'true',
        'verify-sample': i % 2 ? 'all' : '100'
      },
      { node: node24() }
    )
    assertPassedWithExpired(run, {
      'appdb.sessions': EXPIRED_SESSIONS,
      'appdb.metrics': oldBuckets
    })
  }
})
