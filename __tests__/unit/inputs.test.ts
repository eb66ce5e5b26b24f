// The inputs as a runner passes them (INPUT_* variables), read into each mode's settings, without
// a server: what each mode requires, the defaults, and errors that name the input and the fix.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { getInputs } from '../../src/input/inputs.ts'
import type { Settings } from '../../src/input/settings.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'
import { restoreEnvAfterEach, setInputs } from '../support/runner-env.ts'

const SOURCE = 'mongodb://dumper:src-Pa55@db1.example:27017/?authSource=admin'
const TARGET = 'mongodb://restorer:tgt-Pa55@db2.example:27017/?authSource=admin'
const APP = 'mongodb://app:app-Pa55@db2.example:27017/appdb'

restoreEnvAfterEach()

/** Runs getInputs with these inputs set as a runner sets them; returns it and what it printed. */
function read(inputs: Record<string, string>): { settings: Settings; printed: string } {
  setInputs(inputs)
  const write = process.stdout.write.bind(process.stdout)
  let printed = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    process.env['RUNNER_DEBUG'] = '1'
    return { settings: getInputs(), printed }
  } finally {
    process.stdout.write = write
  }
}

function refusal(inputs: Record<string, string>): Error {
  try {
    read(inputs)
  } catch (error) {
    return error as Error
  }
  assert.fail('the inputs were accepted')
}

describe('inputs', () => {
  test('consistent: auto by default, true and false read, anything else refused with the fix', () => {
    const base = { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP }
    const consistent = (value?: string) => {
      const { settings } = read(value === undefined ? base : { ...base, consistent: value })
      return settings.mode === 'migrate' ? settings.consistent : undefined
    }
    assert.equal(consistent(), 'auto')
    assert.equal(consistent('true'), 'true')
    assert.equal(consistent('false'), 'false')
    const error = refusal({ ...base, consistent: 'yes' })
    assert.match(error.message, /^consistent: "yes" is not auto, true or false\. Write auto/)
  })

  test('migrate: the three connection strings and the defaults', () => {
    const { settings } = read({ 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP })
    assert.equal(settings.mode, 'migrate')
    if (settings.mode !== 'migrate') return
    assert.equal(settings.source.username, 'dumper')
    assert.equal(settings.target.username, 'restorer')
    assert.deepEqual(
      settings.apps.map((a) => a.authSource),
      ['appdb']
    )
    assert.equal(settings.archive, undefined)
    assert.equal(settings.probeTimeoutMs, 10_000)
    assert.equal(settings.phaseTimeoutMs, 60 * 60_000)
    assert.deepEqual(settings.transfer, DEFAULT_PLAN)
  })

  test('the parsed settings are debug-logged without a password; every password is masked', () => {
    const { printed } = read({ 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP })
    const debug = printed.split('\n').filter((l) => l.startsWith('::debug::'))
    assert.equal(debug.length, 1)
    assert.match(debug[0] as string, /"source":"mongodb:\/\/\*\*\*@db1\.example:27017/)
    assert.doesNotMatch(debug.join('\n'), /Pa55/)
    for (const secret of ['src-Pa55', 'tgt-Pa55', 'app-Pa55']) {
      assert.ok(printed.includes(`::add-mask::${secret}`), `${secret} is masked`)
    }
  })

  test('rehearse: keep and the run id that names the scratch databases', () => {
    process.env['GITHUB_RUN_ID'] = '4242'
    const { settings } = read({
      mode: 'rehearse',
      'source-uri': SOURCE,
      'target-uri': TARGET,
      'app-uri': APP,
      keep: 'true'
    })
    assert.equal(settings.mode, 'rehearse')
    if (settings.mode !== 'rehearse') return
    assert.equal(settings.keep, true)
    assert.equal(settings.runId, '4242')
  })

  test('dump needs no app and no target, but an archive', () => {
    const error = refusal({ mode: 'dump', 'source-uri': SOURCE })
    assert.equal(error.name, 'InvalidInput')
    assert.match(error.message, /^archive: is required with mode: dump/)
    const dir = mkdtempSync(join(tmpdir(), 'inputs-test-'))
    try {
      const { settings } = read({
        mode: 'dump',
        'source-uri': SOURCE,
        archive: join(dir, 'nightly')
      })
      assert.equal(settings.mode, 'dump')
      assert.deepEqual(settings.apps, [])
      assert.equal('target' in settings, false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('restore needs an archive that exists', () => {
    const error = refusal({
      mode: 'restore',
      'target-uri': TARGET,
      'app-uri': APP,
      archive: '/nonexistent/dump'
    })
    assert.match(error.message, /^archive: \/nonexistent\/dump does not exist\. Name an existing/)
  })

  test('probe: the target is optional', () => {
    const { settings } = read({ mode: 'probe', 'app-uri': APP })
    assert.equal(settings.mode, 'probe')
    if (settings.mode === 'probe') assert.equal(settings.target, undefined)
  })

  test('errors name the input and the fix', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ mode: 'copy' }, /^mode: "copy" is not a mode\. Use one of migrate, rehearse, dump/],
      [
        { 'target-uri': TARGET, 'app-uri': APP },
        /^source-uri: is empty, and mode: migrate needs it\. Pass a connection string, e\.g\. source-uri: \$\{\{ secrets/
      ],
      [
        { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP, drop: 'yes' },
        /^drop: "yes" is not a boolean\. Write true or false/
      ],
      [
        { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP, databases: 'app.db' },
        /^databases: "app\.db" is not a database name/
      ],
      [
        { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP, 'ns-from': 'a.*' },
        /^ns-to: has 0 lines but ns-from has 1/
      ],
      [
        {
          mode: 'rehearse',
          'source-uri': SOURCE,
          'target-uri': TARGET,
          'app-uri': APP,
          'ns-from': 'a.*',
          'ns-to': 'b.*'
        },
        /^ns-from: is not used with mode: rehearse\. Remove ns-from and ns-to; the rehearsal chooses its own scratch names/
      ],
      [
        {
          mode: 'plan',
          'source-uri': SOURCE,
          'target-uri': TARGET,
          'app-uri': APP,
          'ns-from': 'a.*',
          'ns-to': 'b.*'
        },
        /^ns-from: is not used with mode: plan\. Split a migration without renames/
      ],
      [
        { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP, 'timeout-minutes': '0' },
        /^timeout-minutes: "0" is not a positive number/
      ]
    ]
    for (const [inputs, message] of cases) {
      const error = refusal(inputs)
      assert.equal(error.name, 'InvalidInput', JSON.stringify(inputs))
      assert.match(error.message, message)
      for (const key of Object.keys(process.env))
        if (key.startsWith('INPUT_')) delete process.env[key]
    }
  })

  test('databases: commas and new lines; the guard refuses admin', () => {
    const base = { 'source-uri': SOURCE, 'target-uri': TARGET, 'app-uri': APP }
    const { settings } = read({ ...base, databases: 'appdb, billing\nshop' })
    assert.deepEqual('transfer' in settings && settings.transfer.databases, [
      'appdb',
      'billing',
      'shop'
    ])
    assert.equal(refusal({ ...base, databases: 'appdb,admin' }).name, 'ForbiddenOption')
  })
})
