// Steps that read the servers after the restore name the side that failed them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MongoUri } from '../../src/secrets.ts'
import { readSource } from '../../src/pipeline/steps.ts'
import { closedPort } from '../support/faults.ts'

test('a source gone after the restore: Unreachable, naming source-uri, not an unexpected failure', async () => {
  const source = new MongoUri(
    `mongodb://dumper:gone-pw@127.0.0.1:${await closedPort()}/?directConnection=true`,
    'source-uri'
  )
  const settings = { source, probeTimeoutMs: 500 } as Parameters<typeof readSource>[0]
  await assert.rejects(readSource(settings, ['appdb.orders']), (error: Error) => {
    assert.equal(error.name, 'Unreachable')
    assert.match(error.message, /^source-uri: the source \(mongodb:\/\/\*\*\*@127\.0\.0\.1:\d+/)
    assert.match(error.message, /The restore itself finished; the copy was not verified/)
    assert.doesNotMatch(error.message, /gone-pw/)
    return true
  })
})
