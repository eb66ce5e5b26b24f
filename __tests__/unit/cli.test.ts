// The command line's pure parts: argv parsing, exit codes and each input's command-line name
// (dist/cli.js end to end is in e2e/cli.test.ts).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { commandLineName, exitCode, inputsFromArgv } from '../../src/input/cli-args.ts'
import { newReport } from '../../src/report/report.ts'

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

test('each input has its command-line name: a short flag and a variable where there are', () => {
  assert.deepEqual(commandLineName('app-uri'), { flag: '--app', env: 'MONGODB_APP_URI' })
  assert.deepEqual(commandLineName('source-uri'), { flag: '--source', env: 'MONGODB_SOURCE_URI' })
  assert.deepEqual(commandLineName('drop'), { flag: '--drop', env: undefined })
})
