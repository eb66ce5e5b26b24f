import { test } from 'node:test'
import assert from 'node:assert/strict'
import { missingPrivileges, parsePrivileges } from '../../src/input/privileges.ts'

test('roles expand to actions; actions stay as written', () => {
  const [rw, some] = parsePrivileges(['appdb: readWrite', 'logs: find, insert'])
  assert.ok(rw!.actions.includes('insert') && rw!.actions.includes('find'))
  assert.deepEqual(some, {
    database: 'logs',
    actions: ['find', 'insert'],
    asWritten: 'logs: find, insert'
  })
})

for (const line of [
  'appdb',
  'appdb:',
  ': read',
  'app db: read',
  'appdb: readwrite',
  'appdb: fly'
]) {
  test(`rejects "${line}"`, () => {
    assert.throws(
      () => parsePrivileges([line]),
      (e: Error) => e.message.startsWith('app-privileges:')
    )
  })
}

test('read-only privileges miss the write actions of readWrite', () => {
  const required = parsePrivileges(['appdb: readWrite'])
  const granted = [
    {
      resource: { db: 'appdb', collection: '' },
      actions: [
        'find',
        'listCollections',
        'listIndexes',
        'collStats',
        'dbStats',
        'killCursors',
        'changeStream',
        'dbHash'
      ]
    }
  ]
  const [missing] = missingPrivileges(required, granted)
  assert.equal(missing?.database, 'appdb')
  assert.ok(missing?.actions.includes('insert') && !missing.actions.includes('find'))
})

test('anyResource and any-database grants count; a collection-only grant does not', () => {
  const required = parsePrivileges(['appdb: find'])
  assert.deepEqual(
    missingPrivileges(required, [{ resource: { anyResource: true }, actions: ['find'] }]),
    []
  )
  assert.deepEqual(
    missingPrivileges(required, [{ resource: { db: '', collection: '' }, actions: ['find'] }]),
    []
  )
  assert.equal(
    missingPrivileges(required, [
      { resource: { db: 'appdb', collection: 'orders' }, actions: ['find'] }
    ]).length,
    1
  )
})
