// The tests' layout: unit tests start no server and run no bundle, so `npm run test:unit` needs
// no provisioning; and every test file sits in exactly one of unit/, server/ and e2e/.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { test } from 'node:test'

const TESTS = resolve(import.meta.dirname, '..')
const FOLDERS = ['unit', 'server', 'e2e']
// What starts a mongod (the test bed, the catch-up bed) or runs the bundle or the command line.
const NOT_UNIT = /from '[^']*support\/(testbed|run-action|run-cli|catch-up-bed)\.ts'/
const RUNS_BUNDLE = /from '[^']*support\/(run-action|run-cli)\.ts'|'dist'/

/** Every file below __tests__, as a path with forward slashes. */
function allFiles(): string[] {
  return readdirSync(TESTS, { recursive: true, encoding: 'utf8' }).map((f) =>
    f.split(sep).join('/')
  )
}

test('no unit test imports the test bed, the catch-up bed or the runners of the bundle and CLI', () => {
  const unit = readdirSync(join(TESTS, 'unit')).filter((f) => f.endsWith('.ts'))
  assert.ok(unit.length > 10, `only ${unit.length} files in unit/`)
  const offenders = unit.filter((f) => NOT_UNIT.test(readFileSync(join(TESTS, 'unit', f), 'utf8')))
  assert.deepEqual(
    offenders,
    [],
    'these start servers or run the bundle: move them to server/ or e2e/'
  )
})

test('no server test runs the bundle or the command line: those are e2e tests', () => {
  const server = readdirSync(join(TESTS, 'server')).filter((f) => f.endsWith('.ts'))
  const offenders = server.filter((f) =>
    RUNS_BUNDLE.test(readFileSync(join(TESTS, 'server', f), 'utf8'))
  )
  assert.deepEqual(offenders, [], 'these run dist/: move them to e2e/')
})

test('every test file is in exactly one of unit/, server/ and e2e/', () => {
  const tests = allFiles().filter((f) => f.endsWith('.test.ts'))
  const misplaced = tests.filter((f) => {
    const [folder, ...rest] = f.split('/')
    return !FOLDERS.includes(folder as string) || rest.length !== 1
  })
  assert.deepEqual(misplaced, [], 'test files outside unit/, server/ and e2e/')
  for (const folder of FOLDERS) {
    assert.ok(
      tests.some((f) => f.startsWith(`${folder}/`)),
      `no test in ${folder}/`
    )
  }
})
