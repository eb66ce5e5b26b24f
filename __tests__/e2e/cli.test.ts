// The command line: dist/cli.js end to end against real servers, with connection strings from
// the environment (argv parsing and exit codes are in unit/cli.test.ts).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { MongoClient } from 'mongodb'
import { binaries, createUser, pairFor, stopAllServers } from '../support/testbed.ts'
import { runCli } from '../support/run-cli.ts'
import { runAction } from '../support/run-action.ts'

after(stopAllServers)

/** Lines a GitHub runner would read as workflow commands. */
function workflowCommands(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('::'))
}

/** The command line (swept for secrets by runCli), its stdout and stderr together. */
async function cli(args: string[], env: Record<string, string>) {
  const run = await runCli(args, env)
  return { code: run.code, stdout: run.stdout + run.stderr }
}

test('the command line end to end: migrate, then the verdicts as exit codes', async (t) => {
  const [source, target] = await pairFor(t)
  await createUser(target, 'appdb', 'app', 'B-pass', ['readWrite'])
  const c = new MongoClient(source.rootUri)
  await c
    .db('appdb')
    .collection('orders')
    .insertMany([{ n: 1 }, { n: 2 }])
  await c.close()
  const env = {
    MONGODB_SOURCE_URI: source.rootUri,
    MONGODB_TARGET_URI: target.rootUri,
    MONGODB_APP_URI: target.uri('app', 'B-pass', 'appdb')
  }
  const tools = ['--tools-path', binaries().toolsDir]

  const help = await cli(['--help'], {})
  assert.equal(help.code, 0)
  assert.match(help.stdout, /Exit codes:/)

  const migrated = await cli(['migrate', '--app-privileges', 'appdb: readWrite', ...tools], env)
  assert.equal(migrated.code, 0, migrated.stdout)
  assert.match(migrated.stdout, /mongo-restore-guard migrate: passed, exit 0/)
  // No runner reads workflow commands here (::add-mask::, ::group::, ::set-output::, ::error::…).
  assert.deepEqual(workflowCommands(migrated.stdout), [], migrated.stdout)
  assert.match(migrated.stdout, /^== Probe after restore$/m)
  assert.ok(!migrated.stdout.includes('B-pass'), 'the app password was printed')
  assert.ok(!migrated.stdout.includes(source.rootPassword), 'the source password was printed')

  const refused = await cli(['migrate', '--mongorestore-options', '--oplogReplay', ...tools], env)
  assert.equal(refused.code, 2, refused.stdout)

  const rejected = await cli(['migrate', '--drop', ...tools], {
    ...env,
    MONGODB_APP_URI: target.uri('app', 'wrong', 'appdb')
  })
  assert.equal(rejected.code, 3, rejected.stdout)

  const probe = await cli(['probe', '--app', target.uri('nobody', 'x', 'appdb')], {})
  assert.equal(probe.code, 4, probe.stdout)
  assert.match(probe.stdout, /user-not-found/)
  assert.deepEqual(workflowCommands(probe.stdout), [], probe.stdout)
  assert.match(probe.stdout, /^error: /m)
})

test('a missing connection string: the command line names its flag and variable, in plain text', async () => {
  const probe = await cli(['probe'], {})
  assert.equal(probe.code, 2, probe.stdout)
  // No workflow commands (::error, ::set-output) and no workflow syntax: a person reads this.
  assert.deepEqual(workflowCommands(probe.stdout), [], probe.stdout)
  assert.ok(!probe.stdout.includes('${{'), probe.stdout)
  assert.match(probe.stdout, /^error: Invalid input: --app$/m)
  assert.match(
    probe.stdout,
    /^--app: is empty, and probe needs it\. Set the environment variable MONGODB_APP_URI .*or pass --app <connection string>\./m
  )
  assert.match(probe.stdout, /^status: failed$/m)
  assert.match(probe.stdout, /mongo-restore-guard probe: failed \(InvalidInput\), exit 2/)

  const migrate = await cli(['migrate'], {})
  assert.equal(migrate.code, 2, migrate.stdout)
  assert.match(
    migrate.stdout,
    /--source: is empty, and migrate needs it\. Set the environment variable MONGODB_SOURCE_URI/
  )

  // The action itself still speaks to the runner: an annotation and the secret to pass.
  const action = await runAction({ mode: 'probe', 'app-uri': '' })
  assert.equal(action.exitCode, 1)
  assert.match(
    action.stdout,
    /^::error title=Invalid input%3A app-uri::app-uri: is empty, and mode: probe needs it\. Pass a connection string, e\.g\. app-uri: \$\{\{ secrets\./m
  )
  assert.equal(action.outputs['status'], 'failed')
})
