// The probe's mechanism check against a real server: a user restored from an old source may
// hold only SCRAM-SHA-1 credentials, which fails an app that forces SCRAM-SHA-256.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { probe, tryUserMechanisms } from '../src/server/probe.ts'
import { MongoUri } from '../src/secrets.ts'
import { createUser, startServer, withLogsOnFailure } from './support/testbed.ts'

const TIMEOUT_MS = 5000
const PASSWORD = 'mech@:/%?#pass'

test('an app forcing SCRAM-SHA-256 fails on a SHA-1-only user and says why', async (t) => {
  const server = await startServer()
  t.after(() => server.stop())
  await withLogsOnFailure([server], async () => {
    await createUser(server, 'appdb', 'old', PASSWORD, ['readWrite'], ['SCRAM-SHA-1'])
    await createUser(
      server,
      'appdb',
      'both',
      PASSWORD,
      ['readWrite'],
      ['SCRAM-SHA-1', 'SCRAM-SHA-256']
    )
    const app = (user: string, extra?: string) =>
      new MongoUri(server.uri(user, PASSWORD, 'appdb', extra), 'app-uri')
    const sha256 = 'authMechanism=SCRAM-SHA-256'

    assert.deepEqual(await tryUserMechanisms(app('old'), TIMEOUT_MS), ['SCRAM-SHA-1'])
    assert.deepEqual((await tryUserMechanisms(app('both'), TIMEOUT_MS))?.sort(), [
      'SCRAM-SHA-1',
      'SCRAM-SHA-256'
    ])
    assert.equal(await tryUserMechanisms(app('nobody'), TIMEOUT_MS), undefined)

    const forced = await probe(app('old', sha256), [], TIMEOUT_MS)
    t.diagnostic(`SHA-1-only user, SCRAM-SHA-256 forced: ${forced.status}: ${forced.detail}`)
    assert.equal(forced.status, 'authentication-failed')
    assert.match(forced.detail, /has no SCRAM-SHA-256 credentials \(only SCRAM-SHA-1\)/)
    assert.deepEqual(forced.mechanisms, ['SCRAM-SHA-1'])
    assert.ok(!forced.detail.includes(PASSWORD))

    const ok = await probe(app('both', sha256), [], TIMEOUT_MS)
    assert.equal(ok.status, 'ok', ok.detail)
    // Not forced, the driver negotiates SCRAM-SHA-1 and the same user logs in.
    const negotiated = await probe(app('old'), [], TIMEOUT_MS)
    assert.equal(negotiated.status, 'ok', negotiated.detail)
  })
})

test('tryUserMechanisms answers null when the server cannot be asked', async () => {
  const nowhere = new MongoUri('mongodb://app:pw@127.0.0.1:9/?directConnection=true', 'app-uri')
  assert.equal(await tryUserMechanisms(nowhere, 300), null)
})
