// Probe verdicts: every server code the probe can meet, mapped in one table, and a server that
// cannot be asked (the same situations against real servers are in e2e/mechanisms.test.ts).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError
} from 'mongodb'
import {
  authenticationVerdict,
  classify,
  STATUS_BY_CODE,
  tryUserMechanisms,
  type ProbeStatus
} from '../../src/server/probe.ts'
import { MongoUri } from '../../src/secrets.ts'
import { exitCode } from '../../src/input/cli-args.ts'
import { judgeNow } from '../../src/report/judge.ts'
import { newReport } from '../../src/report/report.ts'
import { GuardError } from '../../src/errors.ts'

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

test('tryUserMechanisms answers null when the server cannot be asked', async () => {
  const nowhere = new MongoUri('mongodb://app:pw@127.0.0.1:9/?directConnection=true', 'app-uri')
  assert.equal(await tryUserMechanisms(nowhere, 300), null)
})
