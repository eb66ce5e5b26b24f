// Probe verdicts against real servers of each test-bed version (every server code mapped in one
// table is in unit/mechanisms.test.ts). A user restored from an old
// source may hold only SCRAM-SHA-1 credentials, which fails an app that forces SCRAM-SHA-256:
// 6.0 answers 18 AuthenticationFailed, 7.0 answers 334 MechanismUnavailable; both get the
// verdict mechanism-unavailable.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient, MongoServerError } from 'mongodb'
import { probe, tryUserMechanisms } from '../../src/server/probe.ts'
import { MongoUri } from '../../src/secrets.ts'
import { parsePrivileges } from '../../src/input/privileges.ts'
import {
  createUser,
  SERVER_VERSIONS,
  startServer,
  stopAllServers,
  withLogsOnFailure,
  type MongoServer
} from '../support/testbed.ts'
import { repoRoot, runAction } from '../support/run-action.ts'

const TIMEOUT_MS = 5000
const PASSWORD = 'mech@:/%?#pass'
const SHA256 = 'authMechanism=SCRAM-SHA-256'

after(stopAllServers)

/** The server's own answer to a login, for the record: the code each version sends. */
async function serverCode(uri: string): Promise<number | string> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: TIMEOUT_MS, maxPoolSize: 1 })
  try {
    await client.db('admin').command({ ping: 1 })
    return 'ok'
  } catch (error) {
    return error instanceof MongoServerError ? Number(error.code) : String(error)
  } finally {
    await client.close()
  }
}

async function cliProbe(app: string): Promise<{ code: number | null; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'guard-cli-'))
  try {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'probe'], {
      env: { PATH: process.env['PATH'] ?? '', RUNNER_TEMP: dir, MONGODB_APP_URI: app }
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stdout += d))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    return { code, stdout }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const version of SERVER_VERSIONS) {
  describe(`probe verdicts on mongod ${version}`, { timeout: 300_000 }, () => {
    let server: MongoServer
    const app = (user: string, password = PASSWORD, extra?: string) =>
      new MongoUri(server.uri(user, password, 'appdb', extra), 'app-uri')

    // A SHA-1-only user, a SHA-256-only user, a user with both mechanisms, a read-only user.
    before(async () => {
      server = await startServer({ version })
      await withLogsOnFailure([server], async () => {
        await createUser(server, 'appdb', 'old', PASSWORD, ['readWrite'], ['SCRAM-SHA-1'])
        const both = ['SCRAM-SHA-1', 'SCRAM-SHA-256']
        await createUser(server, 'appdb', 'both', PASSWORD, ['readWrite'], both)
        await createUser(server, 'appdb', 'new', PASSWORD, ['readWrite'], ['SCRAM-SHA-256'])
        await createUser(server, 'appdb', 'reader', PASSWORD, ['read'])
      })
    })

    test('tryUserMechanisms lists what the user holds, undefined for no user', async () => {
      assert.deepEqual(await tryUserMechanisms(app('old'), TIMEOUT_MS), ['SCRAM-SHA-1'])
      assert.deepEqual((await tryUserMechanisms(app('both'), TIMEOUT_MS))?.sort(), [
        'SCRAM-SHA-1',
        'SCRAM-SHA-256'
      ])
      assert.equal(await tryUserMechanisms(app('nobody'), TIMEOUT_MS), undefined)
    })

    test('SHA-1-only user, SCRAM-SHA-256 forced: mechanism-unavailable naming both', async (t) => {
      const code = await serverCode(server.uri('old', PASSWORD, 'appdb', SHA256))
      t.diagnostic(`mongod ${version} answers code ${code}`)
      // The reason for one verdict: the versions disagree on the code.
      assert.equal(code, version === '6.0' ? 18 : 334)
      const forced = await probe(app('old', PASSWORD, SHA256), [], TIMEOUT_MS)
      t.diagnostic(`${forced.status}: ${forced.detail}`)
      assert.equal(forced.status, 'mechanism-unavailable')
      assert.match(
        forced.detail,
        /has only SCRAM-SHA-1 credentials; the connection string forces SCRAM-SHA-256/
      )
      assert.deepEqual(forced.mechanisms, ['SCRAM-SHA-1'])
      assert.ok(!forced.detail.includes(PASSWORD))
      // The same user with the wrong password: the mechanism, not the password, is the cause.
      const wrong = await probe(app('old', 'wrong', SHA256), [], TIMEOUT_MS)
      assert.equal(wrong.status, 'mechanism-unavailable', wrong.detail)
    })

    test('SHA-256-only user, SCRAM-SHA-1 forced: mechanism-unavailable too', async (t) => {
      const sha1 = 'authMechanism=SCRAM-SHA-1'
      t.diagnostic(
        `mongod ${version} answers code ${await serverCode(server.uri('new', PASSWORD, 'appdb', sha1))}`
      )
      const forced = await probe(app('new', PASSWORD, sha1), [], TIMEOUT_MS)
      assert.equal(forced.status, 'mechanism-unavailable', forced.detail)
      assert.match(
        forced.detail,
        /has only SCRAM-SHA-256 credentials; the connection string forces SCRAM-SHA-1/
      )
    })

    test('the other verdicts: ok, wrong password, no user, unauthorized, refused', async () => {
      assert.equal((await probe(app('both', PASSWORD, SHA256), [], TIMEOUT_MS)).status, 'ok')
      // Not forced, the driver negotiates SCRAM-SHA-1 and the SHA-1-only user logs in.
      assert.equal((await probe(app('old'), [], TIMEOUT_MS)).status, 'ok')
      const wrong = await probe(app('both', 'wrong', SHA256), [], TIMEOUT_MS)
      assert.equal(wrong.status, 'authentication-failed', wrong.detail)
      assert.match(wrong.detail, /rejects this password/)
      for (const extra of [undefined, SHA256]) {
        const nobody = await probe(app('nobody', PASSWORD, extra), [], TIMEOUT_MS)
        assert.equal(nobody.status, 'user-not-found', `${extra}: ${nobody.detail}`)
      }
      const needs = parsePrivileges(['appdb: readWrite'])
      const reader = await probe(app('reader'), needs, TIMEOUT_MS)
      assert.equal(reader.status, 'unauthorized', reader.detail)
      const nowhere = new MongoUri('mongodb://app:pw@127.0.0.1:9/?directConnection=true', 'app-uri')
      assert.equal((await probe(nowhere, [], 300)).status, 'refused')
    })

    test('through dist/index.js (mode: probe): probe-result mechanism-unavailable', async () => {
      const run = await runAction({
        mode: 'probe',
        'app-uri': server.uri('old', PASSWORD, 'appdb', SHA256)
      })
      assert.equal(run.exitCode, 1, run.stdout)
      assert.equal(run.outputs['probe-result'], 'mechanism-unavailable')
      assert.match(
        run.stdout,
        /has only SCRAM-SHA-1 credentials; the connection string forces SCRAM-SHA-256/
      )
      assert.ok(!run.stdout.includes(PASSWORD) && !run.summary.includes(PASSWORD))
    })

    test('through dist/cli.js probe: exit 4 and the verdict in the output', async () => {
      const run = await cliProbe(server.uri('old', PASSWORD, 'appdb', SHA256))
      assert.equal(run.code, 4, run.stdout)
      assert.match(
        run.stdout,
        /mechanism-unavailable|no credentials for the mechanism the app forces/
      )
      assert.match(run.stdout, /SCRAM-SHA-1.*SCRAM-SHA-256/)
      assert.ok(!run.stdout.includes(PASSWORD), 'the password was printed')
    })

    after(() => server?.stop())
  })
}
