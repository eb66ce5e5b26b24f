import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GuardError } from '../../src/errors.ts'
import { checkPlan, checkToolOptions } from '../../src/input/guard.ts'
import { isProtectedNamespace, PROTECTED_NAMESPACES } from '../../src/input/namespace.ts'
import { MongoUri } from '../../src/secrets.ts'

const source = new MongoUri('mongodb://u:p@old.example:27017/', 'source-uri')
const target = new MongoUri('mongodb://u:p@new.example:27017/', 'target-uri')
const plan = { mode: 'migrate' as const, source, target, databases: [], nsExclude: [], renames: [] }

function refusal(fn: () => unknown): GuardError {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof GuardError, `expected a GuardError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a refusal')
}

describe('mongorestore options', () => {
  for (const option of [
    '--restoreDbUsersAndRoles',
    '--oplogReplay',
    '--oplogFile=x.bson',
    '--db=admin',
    '-d admin',
    '--nsInclude=admin.*',
    '--nsFrom=admin.* --nsTo=x.*',
    '--uri=mongodb://a:b@h/',
    '--password=secret',
    '--quiet',
    '--drop'
  ]) {
    test(`refuses ${option}`, () => {
      const error = refusal(() => checkToolOptions('mongorestore', option, 'mongorestore-options'))
      assert.equal(error.kind, 'ForbiddenOption')
      assert.match(error.message, /mongorestore-options/)
      assert.doesNotMatch(error.message, /secret/)
    })
  }
  test('passes tuning options through', () => {
    const args = checkToolOptions(
      'mongorestore',
      '--numInsertionWorkersPerCollection=4 -j 2 --stopOnError',
      'x'
    )
    assert.deepEqual(args, ['--numInsertionWorkersPerCollection=4', '-j', '2', '--stopOnError'])
  })
  test('an unknown option is named with the fix', () => {
    const error = refusal(() =>
      checkToolOptions('mongorestore', '--frobnicate', 'mongorestore-options')
    )
    assert.equal(error.kind, 'InvalidInput')
    assert.match(error.message, /--frobnicate/)
  })
  test('an option missing its value', () => {
    assert.equal(
      refusal(() => checkToolOptions('mongorestore', '--writeConcern', 'x')).kind,
      'InvalidInput'
    )
  })
})

describe('mongodump options', () => {
  for (const option of [
    '--dumpDbUsersAndRoles',
    '--oplog',
    '--out=/tmp/x',
    '--config=f.yaml',
    '--db=x'
  ]) {
    test(`refuses ${option}`, () => {
      assert.equal(
        refusal(() => checkToolOptions('mongodump', option, 'mongodump-options')).kind,
        'ForbiddenOption'
      )
    })
  }
})

describe('the plan', () => {
  test('a plain plan passes', () => assert.doesNotThrow(() => checkPlan(plan)))
  for (const db of ['admin', 'local', 'config', 'ADMIN']) {
    test(`refuses databases: ${db}`, () => {
      assert.equal(
        refusal(() => checkPlan({ ...plan, databases: ['appdb', db] })).kind,
        'ForbiddenOption'
      )
    })
  }
  for (const [from, to] of [
    ['admin.*', 'x.*'],
    ['appdb.*', 'admin.*'],
    ['appdb.system.users', 'x.system.users'],
    ['a$db$.c', '$db$.c']
  ]) {
    test(`refuses the rename ${from} → ${to}`, () => {
      assert.equal(
        refusal(() => checkPlan({ ...plan, renames: [{ from: from!, to: to! }] })).kind,
        'ForbiddenOption'
      )
    })
  }
  test('allows a rename between user databases with variables', () => {
    assert.doesNotThrow(() =>
      checkPlan({ ...plan, renames: [{ from: 'appdb.$coll$', to: 'copy.$coll$' }] })
    )
  })
  test('rejects mismatched rename variables', () => {
    assert.equal(
      refusal(() => checkPlan({ ...plan, renames: [{ from: 'a.$x$', to: 'b.$y$' }] })).kind,
      'InvalidInput'
    )
  })
  test('rejects $ in ns-exclude', () => {
    const error = refusal(() => checkPlan({ ...plan, nsExclude: ['appdb.$x$'] }))
    assert.match(error.message, /^ns-exclude/)
  })
  test('refuses a target that is the source, however the host is spelled', () => {
    const same = new MongoUri('mongodb://other:pw@OLD.example/?authSource=admin', 'target-uri')
    assert.equal(refusal(() => checkPlan({ ...plan, target: same })).kind, 'ForbiddenOption')
  })
  test('a rehearsal may use the source deployment (it restores into scratch databases)', () => {
    const same = new MongoUri('mongodb://other:pw@old.example/', 'target-uri')
    assert.doesNotThrow(() => checkPlan({ ...plan, mode: 'rehearse', target: same }))
  })
  test('protected namespaces', () => {
    assert.ok(isProtectedNamespace('admin.system.users'))
    assert.ok(isProtectedNamespace('appdb.system.users'))
    assert.ok(!isProtectedNamespace('appdb.users'))
    // Every system database (issue 20): config and local are never restored or replayed into.
    assert.ok(isProtectedNamespace('config.external_validation_keys'))
    assert.ok(isProtectedNamespace('local.oplog.rs'))
    assert.ok(!isProtectedNamespace('configuration.x'))
    assert.deepEqual(PROTECTED_NAMESPACES, [
      'admin.*',
      'local.*',
      'config.*',
      '*.system.users',
      '*.system.roles'
    ])
  })
})
