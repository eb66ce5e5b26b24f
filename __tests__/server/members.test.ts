// Per-member probes on a real two-member replica set: a secondary that has not applied the
// app's new user rejects it while the primary accepts it, which a probe through the set misses.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient } from 'mongodb'
import { dataMembers } from '../../src/server/members.ts'
import { probe } from '../../src/server/probe.ts'
import { MongoUri } from '../../src/secrets.ts'
import { serverFor, startReplicaSet, withLogsOnFailure } from '../support/testbed.ts'

const TIMEOUT_MS = 5000
const APP_PASSWORD = 'app@:/%?#pass'

test('forMember aims at one host directly, keeping credentials and options', () => {
  const app = new MongoUri(
    `mongodb://app:${encodeURIComponent(APP_PASSWORD)}@a.example:27017,b.example:27018/appdb` +
      '?replicaSet=rs0&authMechanism=SCRAM-SHA-256&tls=true',
    'app-uri'
  )
  const member = app.forMember('b.example:27018')
  assert.deepEqual(member.hosts, ['b.example:27018'])
  assert.equal(member.input, 'app-uri (member b.example:27018)')
  assert.equal(member.username, 'app')
  assert.equal(member.authSource, 'appdb')
  assert.equal(member.mechanism, 'SCRAM-SHA-256')
  assert.match(member.redacted, /directConnection=true/)
  assert.match(member.redacted, /tls=true/)
  assert.doesNotMatch(member.redacted, /replicaSet/)
  // The password went along: the member string's secrets are the app's.
  assert.equal(member.scrub(`x ${APP_PASSWORD} y`), 'x *** y')
})

test('forMember turns mongodb+srv into one TLS host with the same authSource', () => {
  const app = new MongoUri('mongodb+srv://app:pw@cluster0.example.net/appdb', 'app-uri')
  const member = app.forMember('shard-00-01.example.net:27017')
  assert.equal(member.isSrv, false)
  assert.deepEqual(member.hosts, ['shard-00-01.example.net:27017'])
  assert.equal(member.authSource, 'appdb')
  assert.match(member.redacted, /^mongodb:\/\/\*\*\*@shard-00-01\.example\.net:27017\/appdb\?/)
  assert.match(member.redacted, /tls=true/)
})

describe('per-member probes', { timeout: 120_000 }, () => {
  test('a secondary that has not applied the new user rejects the app; the primary accepts', async (t) => {
    const rs = await startReplicaSet(2)
    t.after(() => rs.stop())
    const [primary, secondary] = rs.members as [(typeof rs.members)[0], (typeof rs.members)[0]]
    await withLogsOnFailure(rs.members, async () => {
      const app = new MongoUri(rs.uri('app', APP_PASSWORD, 'appdb'), 'app-uri')
      const members = await dataMembers(app, TIMEOUT_MS)
      assert.deepEqual(members.sort(), [primary.hostPort, secondary.hostPort].sort())

      // Run as root directly on the secondary: it keeps fetching the oplog but applies nothing.
      // If the test fails before turning it off, stopping the set ends the fail point.
      await failPoint(secondary.rootUri, 'alwaysOn')
      await withClient(rs.rootUri, (c) =>
        c.db('appdb').command({
          ...{ createUser: 'app', pwd: APP_PASSWORD, roles: ['readWrite'] },
          writeConcern: { w: 1 }
        })
      )

      const onPrimary = await probe(app.forMember(primary.hostPort), [], TIMEOUT_MS)
      assert.equal(onPrimary.status, 'ok', onPrimary.detail)
      const onSecondary = await probe(app.forMember(secondary.hostPort), [], TIMEOUT_MS)
      t.diagnostic(`secondary before catching up: ${onSecondary.status}: ${onSecondary.detail}`)
      assert.ok(
        ['user-not-found', 'authentication-failed'].includes(onSecondary.status),
        JSON.stringify(onSecondary)
      )
      assert.match(onSecondary.app, /directConnection=true/)

      await failPoint(secondary.rootUri, 'off')
      const caughtUp = await eventually(async () => {
        const result = await probe(app.forMember(secondary.hostPort), [], TIMEOUT_MS)
        return result.status === 'ok' ? result : undefined
      })
      assert.equal(caughtUp?.status, 'ok', 'the secondary never accepted the app after catching up')
    })
  })

  test('a standalone has no members to probe one by one', async (t) => {
    const server = await serverFor(t)
    const app = new MongoUri(server.uri('nobody', 'x', 'admin'), 'app-uri')
    assert.deepEqual(await dataMembers(app, TIMEOUT_MS), [])
  })
})

// rsSyncApplyStop (mongo 6.0 src/mongo/db/repl/oplog_applier_impl.cpp) needs enableTestCommands.
async function failPoint(directRootUri: string, mode: 'alwaysOn' | 'off'): Promise<void> {
  await withClient(directRootUri, (c) =>
    c.db('admin').command({ configureFailPoint: 'rsSyncApplyStop', mode })
  )
}

async function withClient<T>(uri: string, fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: TIMEOUT_MS })
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T | undefined> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    const value = await fn()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return undefined
}
