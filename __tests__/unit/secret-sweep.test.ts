// The secret sweep itself (pure): it must find a credential in any place and any form, and
// ignore only the runner's own ::add-mask:: commands.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  assertNoSecrets,
  credentialsIn,
  secretPlaces,
  withoutMaskCommands
} from '../support/secret-sweep.ts'

const URI = 'mongodb://app:p%40ss%2Fw0rd@db.example:27017/?authSource=appdb'

test('credentialsIn reads passwords from -uri inputs, MONGODB_*_URI variables and --password options', () => {
  const found = credentialsIn({
    'app-uri': `${URI}\nmongodb://nopass@h/`,
    MONGODB_TARGET_URI: 'mongodb://t:Target-pw1@h/',
    'mongodump-options': '--password=Opt-pw-22'
  })
  for (const s of ['p%40ss%2Fw0rd', 'p@ss/w0rd', URI, 'Target-pw1', 'Opt-pw-22']) {
    assert.ok(found.includes(s), s)
  }
})

test('a secret in any place and any form is found; ::add-mask:: lines are not places', () => {
  const secrets = credentialsIn({ 'app-uri': URI })
  assert.deepEqual(secretPlaces([['summary', 'all fine']], secrets), [])
  assert.deepEqual(secretPlaces([['/tmp/leftover.json', '{"pw":"p@ss/w0rd"}']], secrets), [
    '/tmp/leftover.json'
  ])
  assert.ok(secretPlaces([['report', 'p%40ss%2Fw0rd']], secrets).includes('report'))
  assert.deepEqual(
    secretPlaces([['stdout', withoutMaskCommands('::add-mask::p@ss/w0rd\nok\n')]], secrets),
    []
  )
  assert.throws(
    () => assertNoSecrets('a run', [['stderr', `failed: ${URI}`]], secrets),
    /secret sweep: a run left a credential in stderr/
  )
})
