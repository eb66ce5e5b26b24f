// The users drift check against real servers: a raw, unguarded `mongorestore --drop` of another
// deployment's whole dump shows up user by user; a quiet target shows nothing.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient } from 'mongodb'
import { diffUsers, hasDrift, snapshotUsers, type UserRecord } from '../../src/server/drift.ts'
import { GuardError } from '../../src/errors.ts'
import { MongoUri } from '../../src/secrets.ts'
import {
  binaries,
  createUser,
  runTool,
  SERVER_VERSIONS,
  startServer,
  withLogsOnFailure,
  type MongoServer
} from '../support/testbed.ts'

const TIMEOUT_MS = 5000

const record = (user: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  ...{ user, db: 'appdb', userId: 'aa', roles: ['readWrite@appdb'] },
  ...{ mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'], credentialDigest: 'd1', ...extra }
})
const snapshot = (...records: UserRecord[]) => new Map(records.map((r) => [`${r.db}.${r.user}`, r]))

test('diffUsers names users added, removed and each changed field', () => {
  const before = snapshot(record('app'), record('gone'), record('same'))
  const after = snapshot(
    record('app', { credentialDigest: 'd2', roles: ['read@appdb'], userId: 'bb' }),
    record('same'),
    record('new')
  )
  const drift = diffUsers(before, after)
  assert.deepEqual(drift, {
    appeared: ['appdb.new'],
    disappeared: ['appdb.gone'],
    changed: [{ user: 'appdb.app', what: ['credentials', 'roles', 'userId'] }]
  })
  assert.equal(hasDrift(drift), true)
  assert.equal(hasDrift(diffUsers(before, before)), false)
})

for (const version of SERVER_VERSIONS) {
  describe(`users drift on mongod ${version}`, { timeout: 300_000 }, () => {
    // One server for the tests that only read users; the raw restore gets its own pair.
    let shared: MongoServer
    before(async () => {
      shared = await startServer({ version })
    })
    after(() => shared?.stop())

    test('a raw mongorestore --drop of another deployment replaces and adds users', async (t) => {
      const [S, T] = await Promise.all([startServer({ version }), startServer({ version })])
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrg-drift-'))
      t.after(async () => {
        fs.rmSync(dir, { recursive: true, force: true })
        await Promise.all([S.stop(), T.stop()])
      })
      await withLogsOnFailure([S, T], async () => {
        await createUser(S, 'appdb', 'app', 'source-A@:/%', ['readWrite'])
        await createUser(S, 'admin', 'legacy', 'legacy@:/%', [{ role: 'read', db: 'appdb' }])
        await createUser(T, 'appdb', 'app', 'target-B@:/%', ['readWrite'])
        const before = await snapshotUsers(new MongoUri(T.rootUri, 'target-uri'), TIMEOUT_MS)
        assert.deepEqual([...before.keys()].sort(), ['admin.root', 'appdb.app'])

        const { mongodump, mongorestore } = binaries()
        const archive = path.join(dir, 'dump.archive')
        await runTool(mongodump, S.rootUri, [`--archive=${archive}`], dir)
        await runTool(mongorestore, T.rootUri, ['--drop', `--archive=${archive}`], dir)

        // The restore replaced T's root with S's: only S's root password works on T now.
        const admin = new MongoUri(T.uri('root', S.rootPassword, 'admin'), 'target-uri')
        const drift = diffUsers(before, await snapshotUsers(admin, TIMEOUT_MS))
        t.diagnostic(`drift after a raw --drop restore: ${JSON.stringify(drift)}`)
        assert.deepEqual(drift.appeared, ['admin.legacy'])
        assert.deepEqual(drift.disappeared, [])
        assert.deepEqual(drift.changed, [
          { user: 'admin.root', what: ['credentials', 'userId'] },
          { user: 'appdb.app', what: ['credentials', 'userId'] }
        ])
        assert.equal(hasDrift(drift), true)
      })
    })

    test('two snapshots with nothing in between show no drift and hold no credentials', async () => {
      const T = shared
      await withLogsOnFailure([T], async () => {
        await createUser(T, 'appdb', 'app', 'target-B@:/%', ['readWrite'], ['SCRAM-SHA-256'])
        const admin = new MongoUri(T.rootUri, 'target-uri')
        const first = await snapshotUsers(admin, TIMEOUT_MS)
        const second = await snapshotUsers(admin, TIMEOUT_MS)
        assert.deepEqual(diffUsers(first, second), { appeared: [], disappeared: [], changed: [] })
        assert.equal(hasDrift(diffUsers(first, second)), false)

        const app = first.get('appdb.app')
        assert.deepEqual(app?.roles, ['readWrite@appdb'])
        assert.deepEqual(app?.mechanisms, ['SCRAM-SHA-256'])
        assert.match(app?.userId ?? '', /^[0-9a-f]{32}$/)
        assert.match(app?.credentialDigest ?? '', /^[0-9a-f]{64}$/)
        // No salt or key of any user may survive into the snapshot.
        const raw = await rawCredentials(T.rootUri)
        const kept = JSON.stringify([...first.values()])
        for (const secret of raw) assert.ok(!kept.includes(secret), `snapshot holds ${secret}`)
        assert.ok(raw.length >= 6)
      })
    })

    test('a user that may not list every user gets DriftUnavailable', async () => {
      const T = shared
      await withLogsOnFailure([T], async () => {
        // userAdmin on one database is not enough: forAllDBs needs viewUser on the cluster.
        await createUser(T, 'admin', 'dbadmin', 'dbadmin@:/%', [
          'userAdmin',
          'readWriteAnyDatabase'
        ])
        const admin = new MongoUri(T.uri('dbadmin', 'dbadmin@:/%', 'admin'), 'target-uri')
        await assert.rejects(snapshotUsers(admin, TIMEOUT_MS), (error: unknown) => {
          assert.ok(error instanceof GuardError && error.kind === 'DriftUnavailable', `${error}`)
          assert.match(error.message, /viewUser/)
          assert.match(error.message, /userAdminAnyDatabase/)
          assert.ok(!error.message.includes('dbadmin@:/%'), error.message)
          return true
        })
      })
    })
  })
}

/** Every salt, storedKey and serverKey on the server, read as root. */
async function rawCredentials(rootUri: string): Promise<string[]> {
  const client = new MongoClient(rootUri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 })
  try {
    const reply = await client
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    return (reply.users as { credentials: Record<string, Record<string, unknown>> }[]).flatMap(
      (u) =>
        Object.values(u.credentials).flatMap((c) => [c.salt, c.storedKey, c.serverKey].map(String))
    )
  } finally {
    await client.close()
  }
}
