// Input refusals come before anything else: a mode that chooses the target's names itself
// (rehearse, plan) refuses ns-from/ns-to while reading the inputs, on a runner and on the
// command line, before any tool is looked for or downloaded and before any server is asked.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runAction } from '../support/run-action.ts'
import { runCli } from '../support/run-cli.ts'

// Nothing listens on these ports: a connection would fail, so the error shows none was tried.
const SOURCE = 'mongodb://dumper:Src-pw-41@127.0.0.1:9/?authSource=admin&connectTimeoutMS=500'
const TARGET = 'mongodb://restorer:Tgt-pw-42@127.0.0.1:13/?authSource=admin&connectTimeoutMS=500'
const APP = 'mongodb://app:App-pw-43@127.0.0.1:13/appdb'
const RENAME = { 'ns-from': 'appdb.$c$', 'ns-to': 'copy.$c$' }

const REFUSALS = [
  {
    mode: 'rehearse',
    says: /^ns-from: is not used with mode: rehearse\. Remove ns-from and ns-to; the rehearsal chooses its own scratch names\./
  },
  {
    mode: 'plan',
    says: /^ns-from: is not used with mode: plan\. Split a migration without renames\./
  }
]

for (const { mode, says } of REFUSALS) {
  test(`mode: ${mode} refuses ns-from before any tool or server: on a runner`, async () => {
    // No tools-path: the tools would be looked for, then downloaded (tools-version latest).
    const run = await runAction({
      mode,
      'source-uri': SOURCE,
      'target-uri': TARGET,
      'app-uri': APP,
      ...RENAME
    })
    const failure = run.report?.['failure'] as { kind: string; message: string } | undefined
    assert.equal(run.exitCode, 1, run.stdout)
    assert.equal(failure?.kind, 'InvalidInput', run.stdout)
    assert.match(failure.message, says)
    // Neither the tools nor the servers' versions were read: the run stopped at its inputs.
    assert.deepEqual(run.report?.['tools'], {})
    assert.equal(run.report?.['versions'], undefined)
    assert.deepEqual(run.report?.['phases'], [])
  })

  test(`mode: ${mode} refuses ns-from before any tool or server: on the command line`, async () => {
    const run = await runCli([mode, '--ns-from', RENAME['ns-from'], '--ns-to', RENAME['ns-to']], {
      MONGODB_SOURCE_URI: SOURCE,
      MONGODB_TARGET_URI: TARGET,
      MONGODB_APP_URI: APP
    })
    assert.equal(run.code, 2, run.stdout + run.stderr)
    assert.match(run.stderr, /^error: Invalid input: ns-from$/m, run.stderr)
    assert.match(run.stderr.split('\n')[1] ?? '', says, run.stderr)
    assert.deepEqual(run.report?.['tools'], {})
    assert.equal(run.report?.['versions'], undefined)
  })
}
