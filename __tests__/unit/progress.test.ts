import { test } from 'node:test'
import assert from 'node:assert/strict'
import { progressOf } from '../../src/tools/progress.ts'
import type { ToolRun } from '../../src/tools/runner.ts'

const T = '2026-01-01T00:00:00.000+0000\t'

test('a dump stopped mid-way: what it finished and what it was writing', () => {
  const run: ToolRun = {
    tool: 'mongodump',
    exitCode: 1,
    interruption: undefined,
    lines: [
      `${T}writing admin.system.users to archive '/tmp/a.archive'`,
      `${T}done dumping admin.system.users (1 document)`,
      `${T}writing appdb.orders to archive '/tmp/a.archive'`,
      `${T}[##########..............]  appdb.orders  101000/200000  (50.5%)`,
      `${T}Failed: error writing data for collection \`appdb.orders\` to disk: EOF`
    ]
  }
  assert.deepEqual(progressOf(run), {
    tool: 'mongodump',
    outcome: 'failed',
    finished: [{ namespace: 'admin.system.users', documents: 1 }],
    unfinished: [{ namespace: 'appdb.orders', progress: '101000/200000 (50.5%)' }],
    removedArchive: undefined
  })
})

test('a stopped restore: its "finished" lines do not prove a namespace complete', () => {
  const run: ToolRun = {
    tool: 'mongorestore',
    exitCode: 1,
    interruption: 'cancelled',
    lines: [
      `${T}restoring \`appdb.orders\` from archive on stdin`,
      `${T}appdb.orders  3.89MB`,
      `${T}finished restoring \`appdb.orders\` (48017 documents, 0 failures)`,
      `${T}48017 document(s) restored successfully. 0 document(s) failed to restore.`
    ]
  }
  const progress = progressOf(run)
  assert.equal(progress.outcome, 'cancelled')
  assert.deepEqual(progress.finished, [])
  assert.deepEqual(progress.unfinished, [
    { namespace: 'appdb.orders', progress: '48017 documents written before it stopped' }
  ])
})

test('a clean restore', () => {
  const run: ToolRun = {
    tool: 'mongorestore',
    exitCode: 0,
    interruption: undefined,
    lines: [
      `${T}restoring appdb.orders from archive on stdin`,
      `${T}finished restoring appdb.orders (2000 documents, 3 failures)`
    ]
  }
  assert.deepEqual(progressOf(run).finished, [
    { namespace: 'appdb.orders', documents: 2000, failed: 3 }
  ])
  assert.deepEqual(progressOf(run).unfinished, [])
})
