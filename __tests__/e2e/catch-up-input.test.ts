// mode catch-up through the bundle: a bad consistent-at is refused before any connection (the
// parsing itself is in unit/catch-up-input.test.ts).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { explain, node24, runAction } from '../support/run-action.ts'

describe('mode catch-up refuses a bad consistent-at before it connects anywhere', () => {
  // Closed ports: a connection attempt would fail with another kind (Unreachable).
  const sides = {
    mode: 'catch-up',
    'source-uri': 'mongodb://root:Src-pw-1@127.0.0.1:9/?replicaSet=rs',
    'target-uri': 'mongodb://root:Tgt-pw-2@127.0.0.2:9/?replicaSet=rt',
    'app-uri': 'mongodb://app:App-pw-3@127.0.0.2:9/appdb'
  }
  for (const [name, value, says] of [
    ['missing', '', /consistent-at: is empty, and mode: catch-up needs it/],
    ['a file that does not exist', 'no-such-report.json', /does not exist and is not a timestamp/],
    ['not a timestamp', '12:x', /is not an oplog timestamp/]
  ] as const) {
    test(name, async () => {
      const run = await runAction({ ...sides, 'consistent-at': value }, { node: node24() })
      assert.equal(run.exitCode, 1, explain(run))
      const failure = run.report?.['failure'] as { kind: string; message: string }
      assert.equal(failure.kind, 'InvalidInput')
      assert.match(failure.message, says)
    })
  }
})
