// The command line speaks to a person: no line a runner would read as a workflow command
// (::warning, ::error, ::group, ::add-mask, ::set-output…), and the plain lines in their place.
// runCli fails any run that prints one; these runs make sure each kind of message is printed.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import * as ui from '../../src/interface.ts'
import { binaries, createUser, pairFor, stopAllServers } from '../support/testbed.ts'
import { seedOrders } from '../support/faults.ts'
import { runCli, workflowCommands } from '../support/run-cli.ts'

after(stopAllServers)

test('on the command line every function of interface.ts prints plain lines, never a :: line', async () => {
  const printed = { stdout: '', stderr: '' }
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write }
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string | Uint8Array) => {
      printed[stream] += String(chunk)
      return true
    }) as typeof process.stdout.write
  }
  try {
    ui.useCommandLine()
    ui.maskSecret('S3cret-value')
    ui.info('a plain line')
    ui.debug('only for a runner')
    ui.warning('the check was skipped', { title: 'Check skipped' })
    ui.notice('a fact worth knowing', { title: 'Worth knowing' })
    ui.output('status', 'failed')
    ui.output('empty', '')
    await ui.group('A phase', async () => ui.info('inside the phase'))
    ui.reportFailure('It failed', 'what happened and what to do')
  } finally {
    process.stdout.write = writes.stdout
    process.stderr.write = writes.stderr
    process.exitCode = 0
  }
  assert.deepEqual(workflowCommands(printed.stdout, printed.stderr), [])
  assert.equal(
    printed.stdout,
    'a plain line\nnote: Worth knowing\na fact worth knowing\nstatus: failed\n\n== A phase\ninside the phase\n'
  )
  assert.equal(
    printed.stderr,
    'warning: Check skipped\nthe check was skipped\nerror: It failed\nwhat happened and what to do\n'
  )
})

test('real runs: a migrate with skipped checks, a refused migrate and a failing probe print plain warning/error lines', async (t) => {
  const [source, target] = await pairFor(t)
  await Promise.all([
    seedOrders(source, 2),
    createUser(target, 'appdb', 'app', 'App-pw-1', ['readWrite']),
    createUser(target, 'admin', 'restorer', 'Restore-pw-7', ['restore'])
  ])
  const tools = ['--tools-path', binaries().toolsDir]
  const env = {
    MONGODB_SOURCE_URI: source.rootUri,
    // The restore role may not list the restored collections nor read users: both checks skip.
    MONGODB_TARGET_URI: target.uri('restorer', 'Restore-pw-7', 'admin'),
    MONGODB_APP_URI: target.uri('app', 'App-pw-1', 'appdb')
  }

  // runCli itself fails on any :: line; the matches below show the messages were printed.
  const migrated = await runCli(['migrate', '--allow-merge', ...tools], env)
  const all = migrated.stdout + migrated.stderr
  assert.equal(migrated.code, 0, all)
  assert.match(migrated.stderr, /^warning: Data check skipped$/m, all)
  assert.match(migrated.stderr, /^warning: Users drift check skipped$/m, all)
  assert.match(migrated.stdout, /^== Probe after restore$/m, all)
  assert.match(migrated.stdout, /mongo-restore-guard migrate: passed, exit 0/, all)

  // app-uri names the source: a warning from the inputs, then the probe fails before any write.
  const elsewhere = await runCli(['migrate', ...tools], {
    ...env,
    MONGODB_APP_URI: source.uri('app', 'App-pw-1', 'appdb')
  })
  assert.notEqual(elsewhere.code, 0, elsewhere.stdout + elsewhere.stderr)
  assert.match(elsewhere.stderr, /^warning: app-uri points elsewhere$/m, elsewhere.stderr)
  assert.match(elsewhere.stderr, /^error: /m, elsewhere.stderr)

  const probe = await runCli(['probe', '--app', target.uri('nobody', 'x', 'appdb')], {})
  assert.equal(probe.code, 4, probe.stdout + probe.stderr)
  assert.match(probe.stderr, /^error: /m, probe.stderr)
  assert.match(probe.stdout, /^status: failed$/m, probe.stdout)
})
