// The command line: argv parsing and exit codes (pure), then dist/cli.js end to end against
// real servers, with connection strings from the environment.
import { after, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { exitCode, inputsFromArgv } from '../src/input/cli-args.ts'
import { newReport } from '../src/report/report.ts'
import { binaries, createUser, startServer, stopAllServers } from './support/testbed.ts'
import { repoRoot } from './support/run-action.ts'

after(stopAllServers)

describe('arguments', () => {
  test('flags become inputs; aliases, repeats, bare booleans and the environment', () => {
    const env = { MONGODB_SOURCE_URI: 'mongodb://s/', MONGODB_APP_URI: 'mongodb://ignored/' }
    const inputs = inputsFromArgv(
      ['migrate', '--app', 'mongodb://a/', '--app=mongodb://b/', '--drop', '--databases', 'x,y'],
      env
    )
    assert.deepEqual(inputs, {
      INPUT_MODE: 'migrate',
      'INPUT_APP-URI': 'mongodb://a/\nmongodb://b/',
      INPUT_DROP: 'true',
      INPUT_DATABASES: 'x,y',
      'INPUT_SOURCE-URI': 'mongodb://s/'
    })
  })
  test('a stray word is an error', () => {
    assert.throws(() => inputsFromArgv(['migrate', 'oops'], {}), /flags start with --/)
  })
  test('exit codes tell the verdicts apart', () => {
    const report = newReport()
    report.status = 'passed'
    assert.equal(exitCode(report), 0)
    report.status = 'failed'
    const codes = [
      'InvalidInput',
      'AlreadyRejected',
      'BrokenByRestore',
      'PartialRestore',
      'DumpCarriesUsers',
      'ToolFailed',
      'ShardedCluster',
      'PartsIncomplete'
    ].map((kind) => {
      report.failure = { kind: kind as never, title: '', message: '' }
      return exitCode(report)
    })
    assert.deepEqual(codes, [2, 3, 4, 5, 6, 1, 2, 5])
  })
})

async function cli(t: TestContext, args: string[], env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'guard-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', RUNNER_TEMP: dir, ...env }
  })
  let stdout = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stdout += d))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  return { code, stdout }
}

test('the command line end to end: migrate, then the verdicts as exit codes', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
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

  const help = await cli(t, ['--help'], {})
  assert.equal(help.code, 0)
  assert.match(help.stdout, /Exit codes:/)

  const migrated = await cli(t, ['migrate', '--app-privileges', 'appdb: readWrite', ...tools], env)
  assert.equal(migrated.code, 0, migrated.stdout)
  assert.match(migrated.stdout, /mongo-restore-guard migrate: passed, exit 0/)
  // No runner reads ::add-mask:: here, so the command line never prints one.
  assert.ok(!migrated.stdout.includes('B-pass'), 'the app password was printed')
  assert.ok(!migrated.stdout.includes(source.rootPassword), 'the source password was printed')

  const refused = await cli(
    t,
    ['migrate', '--mongorestore-options', '--oplogReplay', ...tools],
    env
  )
  assert.equal(refused.code, 2, refused.stdout)

  const rejected = await cli(t, ['migrate', '--drop', ...tools], {
    ...env,
    MONGODB_APP_URI: target.uri('app', 'wrong', 'appdb')
  })
  assert.equal(rejected.code, 3, rejected.stdout)

  const probe = await cli(t, ['probe', '--app', target.uri('nobody', 'x', 'appdb')], {})
  assert.equal(probe.code, 4, probe.stdout)
  assert.match(probe.stdout, /user-not-found/)
})
