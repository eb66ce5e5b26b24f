import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dumpedNamespaces, failureReason, restoreCounts } from '../../src/tools/output.ts'

test('dump lines, with and without backticks (tools 100.16+)', () => {
  const lines = [
    '2026-01-01T00:00:00.000+0000\twriting appdb.orders to archive on stdout',
    '2026-01-01T00:00:00.000+0000\tdone dumping appdb.orders (1200 documents)',
    '2026-01-01T00:00:00.000+0000\tdone dumping `admin.system.users` (1 document)'
  ]
  assert.deepEqual(dumpedNamespaces(lines), [
    { namespace: 'appdb.orders', documents: 1200 },
    { namespace: 'admin.system.users', documents: 1 }
  ])
})

test('the restore summary line', () => {
  const lines = [
    'x\tfinished restoring appdb.c (3 documents, 2 failures)',
    'x\t3 document(s) restored successfully. 2 document(s) failed to restore.'
  ]
  assert.deepEqual(restoreCounts(lines), { restored: 3, failed: 2 })
  assert.equal(restoreCounts(['x\tsomething else']), undefined)
})

test('the failure reason', () => {
  assert.equal(
    failureReason(['a\tone', 'b\tFailed: error connecting to host: boom']),
    'error connecting to host: boom'
  )
  assert.equal(failureReason(['2026\tlast words']), 'last words')
})
