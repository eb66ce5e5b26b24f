// Probe verdicts: every server code the probe can meet, mapped in one table (unit), then the
// same situations against real servers of each test-bed version. A user restored from an old
// source may hold only SCRAM-SHA-1 credentials, which fails an app that forces SCRAM-SHA-256:
// 6.0 answers 18 AuthenticationFailed, 7.0 answers 334 MechanismUnavailable; both get the
// verdict mechanism-unavailable.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError
} from 'mongodb'
import {
  authenticationVerdict,
  classify,
  probe,
  STATUS_BY_CODE,
  tryUserMechanisms,
  type ProbeStatus
} from '../../src/server/probe.ts'
import { MongoUri } from '../../src/secrets.ts'
import { parsePrivileges } from '../../src/input/privileges.ts'
import { exitCode } from '../../src/input/cli-args.ts'
import { judgeNow } from '../../src/report/judge.ts'
import { newReport } from '../../src/report/report.ts'
import { GuardError } from '../../src/errors.ts'
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

const serverError = (code: number) => new MongoServerError({ ok: 0, code, errmsg: `code ${code}` })

describe('the server codes the probe can meet (unit)', () => {
  test('one table maps every code; any other code is error', () => {
    const expected: [number, ProbeStatus][] = [
      [18, 'authentication-failed'],
      [11, 'user-not-found'],
      [13, 'unauthorized'],
      [334, 'mechanism-unavailable'],
      [8000, 'authentication-failed']
    ]
    assert.deepEqual([...STATUS_BY_CODE.entries()].sort(), expected.sort())
    for (const [code, status] of expected) assert.equal(classify(serverError(code)), status)
    // BadValue, HostUnreachable, ShutdownInProgress, and no code at all.
    for (const code of [2, 6, 91]) assert.equal(classify(serverError(code)), 'error', `${code}`)
    assert.equal(classify(new MongoServerError({ ok: 0, errmsg: 'no code' })), 'error')
  })

  test('no answer from a server: its cause (name, refused, timed out, TLS, unreachable); anything else: error', () => {
    assert.equal(classify(new MongoNetworkError('connection reset')), 'unreachable')
    assert.equal(classify(new MongoNetworkTimeoutError('timed out')), 'timed-out')
    const selection = new MongoServerSelectionError('no server', {} as never)
    assert.equal(classify(selection), 'timed-out')
    const coded = (code: string, syscall?: string) =>
      Object.assign(new Error(`${syscall} ${code}`), { code, syscall })
    for (const [code, syscall] of [
      ['ENOTFOUND', 'querySrv'],
      ['ESERVFAIL', 'queryTxt'],
      ['ETIMEOUT', 'querySrv'],
      ['EAI_AGAIN', 'getaddrinfo']
    ] as const) {
      assert.equal(classify(coded(code, syscall)), 'name-not-resolved', `${syscall} ${code}`)
    }
    const wrapped = (cause: Error) => new MongoNetworkError('wrapped', { cause })
    assert.equal(classify(wrapped(coded('ECONNREFUSED', 'connect'))), 'refused')
    assert.equal(classify(wrapped(coded('ERR_TLS_CERT_ALTNAME_INVALID'))), 'tls-failed')
    assert.equal(classify(wrapped(coded('SELF_SIGNED_CERT_IN_CHAIN'))), 'tls-failed')
    assert.equal(classify(new MongoError('driver')), 'error')
    assert.equal(classify(new Error('plain')), 'error')
    assert.equal(classify('a string'), 'error')
  })

  const app = { username: 'app', authSource: 'appdb', mechanism: 'SCRAM-SHA-256' }
  const notForced = { ...app, mechanism: undefined }

  test('334 (7.0) and 18 (6.0) for a user without the forced mechanism: one verdict', () => {
    for (const status of ['mechanism-unavailable', 'authentication-failed'] as const) {
      const v = authenticationVerdict(status, app, ['SCRAM-SHA-1'])
      assert.equal(v.status, 'mechanism-unavailable', status)
      assert.match(
        v.why,
        /has only SCRAM-SHA-1 credentials; the connection string forces SCRAM-SHA-256/
      )
    }
  })

  test('334 when the mechanisms cannot be listed still names the forced one', () => {
    const v = authenticationVerdict('mechanism-unavailable', app, null)
    assert.equal(v.status, 'mechanism-unavailable')
    assert.match(v.why, /could not list; the connection string forces SCRAM-SHA-256/)
  })

  test('18 with the forced mechanism present, or none forced: a wrong password', () => {
    const both = ['SCRAM-SHA-1', 'SCRAM-SHA-256']
    assert.equal(
      authenticationVerdict('authentication-failed', app, both).status,
      'authentication-failed'
    )
    const v = authenticationVerdict('authentication-failed', notForced, ['SCRAM-SHA-1'])
    assert.deepEqual(v, {
      status: 'authentication-failed',
      why: 'the user exists but rejects this password'
    })
    assert.equal(
      authenticationVerdict('authentication-failed', app, null).status,
      'authentication-failed'
    )
  })

  test('a user hello does not know is user-not-found, whatever the code', () => {
    for (const status of ['mechanism-unavailable', 'authentication-failed'] as const) {
      assert.equal(authenticationVerdict(status, app, undefined).status, 'user-not-found')
    }
  })

  test('the verdict fails the step with its meaning and fix, and the CLI exits 4', () => {
    const result = {
      app: 'mongodb://app@h/',
      user: 'app',
      authSource: 'appdb',
      status: 'mechanism-unavailable' as const,
      detail:
        'the user exists but has only SCRAM-SHA-1 credentials; the connection string forces SCRAM-SHA-256',
      missing: [],
      mechanisms: ['SCRAM-SHA-1'],
      durationMs: 1
    }
    let failure: unknown
    assert.throws(
      () => judgeNow([result]),
      (err) => ((failure = err), err instanceof GuardError)
    )
    const error = failure as GuardError
    assert.match(error.message, /no credentials for the mechanism the app forces/)
    assert.match(
      error.message,
      /db\.updateUser\(user, \{ pwd, mechanisms: \['SCRAM-SHA-1', 'SCRAM-SHA-256'\] \}\)/
    )
    const report = newReport()
    report.status = 'failed'
    report.failure = { kind: error.kind, title: error.title, message: error.message }
    assert.equal(exitCode(report), 4)
  })
})

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

test('tryUserMechanisms answers null when the server cannot be asked', async () => {
  const nowhere = new MongoUri('mongodb://app:pw@127.0.0.1:9/?directConnection=true', 'app-uri')
  assert.equal(await tryUserMechanisms(nowhere, 300), null)
})
