import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LogLines } from '../../src/tools/log-lines.ts'
import { progressOf } from '../../src/tools/progress.ts'

const T = '2026-01-01T00:00:00.000+0000\t'
const bar = (ns: string, n: number) => `${T}[##......]  ${ns}  ${n}/100000  (${n / 1000}%)`

test('only the latest progress line of each namespace is kept; every other line, in order', () => {
  const echoed: string[] = []
  const log = new LogLines('[mongorestore] ', (text) => echoed.push(text))
  log.add(`${T}restoring appdb.a from archive on stdin`)
  log.add(`${T}restoring appdb.b from archive on stdin`)
  for (let n = 1000; n <= 5000; n += 1000) {
    log.add(bar('appdb.a', n))
    log.add(bar('appdb.b', n * 2))
  }
  log.add(`${T}finished restoring appdb.a (100000 documents, 0 failures)`)
  log.flush()
  assert.deepEqual(log.lines(), [
    `${T}restoring appdb.a from archive on stdin`,
    `${T}restoring appdb.b from archive on stdin`,
    bar('appdb.a', 5000),
    bar('appdb.b', 10000),
    `${T}finished restoring appdb.a (100000 documents, 0 failures)`
  ])
  // Everything is echoed, in one batch here, each line with the tool's name.
  assert.equal(echoed.length, 1)
  assert.equal(echoed[0]?.split('\n').length, 13)
  assert.ok(echoed[0]?.startsWith(`[mongorestore] ${T}restoring appdb.a`))
  // What the report says of a stopped restore is unchanged by the trimming.
  const progress = progressOf({
    tool: 'mongorestore',
    exitCode: null,
    lines: log.lines(),
    interruption: 'cancelled'
  })
  assert.deepEqual(progress.unfinished, [
    { namespace: 'appdb.a', progress: '100000 documents written before it stopped' },
    { namespace: 'appdb.b', progress: '10000/100000 (10%)' }
  ])
})

test('a day of progress bars stays a few lines', () => {
  const log = new LogLines('', () => undefined)
  for (let n = 0; n < 200_000; n++) log.add(bar(`appdb.c${n % 4}`, n))
  log.flush()
  assert.equal(log.lines().length, 4)
})
