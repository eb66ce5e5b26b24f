// The opt-in repair of the app's user against a real server: it re-registers the app's password
// (or recreates the user with its recorded roles) and touches no other user.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient } from 'mongodb'
import { diffUsers, snapshotUsers } from '../../src/server/drift.ts'
import { GuardError } from '../../src/errors.ts'
import { parsePrivileges } from '../../src/input/privileges.ts'
import { probe } from '../../src/server/probe.ts'
import { appUserRoles, repairAppUser } from '../../src/server/repair.ts'
import { MongoUri } from '../../src/secrets.ts'
import { createUser, startServer, withLogsOnFailure, type MongoServer } from '../support/testbed.ts'

const TIMEOUT_MS = 5000
const APP_PASSWORD = 'app@:/%?#pass'
const READ_WRITE = parsePrivileges(['appdb: readWrite'])

/** A target with root, app (readWrite on appdb) and two other users the repair must not touch. */
async function target(): Promise<{ T: MongoServer; admin: MongoUri; app: MongoUri }> {
  const T = await startServer()
  await createUser(T, 'appdb', 'app', APP_PASSWORD, ['readWrite'])
  await createUser(T, 'appdb', 'other1', 'other1@:/%', ['read'])
  await createUser(T, 'admin', 'other2', 'other2@:/%', ['readAnyDatabase'])
  const admin = new MongoUri(T.rootUri, 'target-uri')
  const app = new MongoUri(T.uri('app', APP_PASSWORD, 'appdb'), 'app-uri')
  return { T, admin, app }
}

async function asRoot(T: MongoServer, db: string, command: Record<string, unknown>) {
  const client = new MongoClient(T.rootUri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 })
  try {
    return await client.db(db).command(command)
  } finally {
    await client.close()
  }
}

test('users outside the database cannot be repaired (no server needed)', async () => {
  const admin = new MongoUri('mongodb://root:pw@127.0.0.1:1/', 'target-uri')
  for (const raw of [
    'mongodb://127.0.0.1:1/appdb',
    'mongodb://CN=app@127.0.0.1:1/?authMechanism=MONGODB-X509&authSource=$external'
  ]) {
    await assert.rejects(
      repairAppUser(admin, new MongoUri(raw, 'app-uri'), [], TIMEOUT_MS),
      (e: unknown) => e instanceof GuardError && e.kind === 'RepairImpossible'
    )
  }
})

describe('repairing the app user on a real server', { timeout: 120_000 }, () => {
  test('a changed password is reset; only the app user changes', async (t) => {
    const { T, admin, app } = await target()
    t.after(() => T.stop())
    await withLogsOnFailure([T], async () => {
      await asRoot(T, 'appdb', { updateUser: 'app', pwd: 'someone-else-changed-it' })
      const broken = await probe(app, READ_WRITE, TIMEOUT_MS)
      assert.equal(broken.status, 'authentication-failed', broken.detail)
      const before = await snapshotUsers(admin, TIMEOUT_MS)

      const result = await repairAppUser(admin, app, undefined, TIMEOUT_MS)
      assert.deepEqual(result, {
        ...{ user: 'app', db: 'appdb', action: 'password-reset' },
        roles: ['readWrite@appdb']
      })
      const repaired = await probe(app, READ_WRITE, TIMEOUT_MS)
      assert.equal(repaired.status, 'ok', repaired.detail)
      const drift = diffUsers(before, await snapshotUsers(admin, TIMEOUT_MS))
      assert.deepEqual(drift, {
        appeared: [],
        disappeared: [],
        changed: [{ user: 'appdb.app', what: ['credentials'] }]
      })
    })
  })

  test('a dropped user is recreated with the roles recorded before', async (t) => {
    const { T, admin, app } = await target()
    t.after(() => T.stop())
    await withLogsOnFailure([T], async () => {
      const recorded = await appUserRoles(admin, app, TIMEOUT_MS)
      assert.deepEqual(recorded, [{ role: 'readWrite', db: 'appdb' }])
      await asRoot(T, 'appdb', { dropUser: 'app' })
      assert.equal(await appUserRoles(admin, app, TIMEOUT_MS), undefined)
      const gone = await probe(app, READ_WRITE, TIMEOUT_MS)
      assert.equal(gone.status, 'user-not-found', gone.detail)
      const before = await snapshotUsers(admin, TIMEOUT_MS)

      await assert.rejects(repairAppUser(admin, app, undefined, TIMEOUT_MS), (e: unknown) => {
        assert.ok(e instanceof GuardError && e.kind === 'RepairImpossible', `${e}`)
        assert.match(e.message, /roles .* unknown/)
        return true
      })
      // A user administrator of nothing: the repair fails without leaking the password.
      await createUser(T, 'appdb', 'reader', 'reader@:/%', ['read'])
      const reader = new MongoUri(T.uri('reader', 'reader@:/%', 'appdb'), 'target-uri')
      await assert.rejects(repairAppUser(reader, app, recorded, TIMEOUT_MS), (e: unknown) => {
        assert.ok(e instanceof GuardError && e.kind === 'RepairFailed', `${e}`)
        assert.ok(!e.message.includes(APP_PASSWORD) && !e.message.includes('reader@:/%'))
        return true
      })
      await asRoot(T, 'appdb', { dropUser: 'reader' })

      const result = await repairAppUser(admin, app, recorded, TIMEOUT_MS)
      assert.deepEqual(result, {
        ...{ user: 'app', db: 'appdb', action: 'created' },
        roles: ['readWrite@appdb']
      })
      assert.ok(!JSON.stringify(result).includes(APP_PASSWORD))
      const repaired = await probe(app, READ_WRITE, TIMEOUT_MS)
      assert.equal(repaired.status, 'ok', repaired.detail)
      const drift = diffUsers(before, await snapshotUsers(admin, TIMEOUT_MS))
      assert.deepEqual(drift, { appeared: ['appdb.app'], disappeared: [], changed: [] })
    })
  })
})
