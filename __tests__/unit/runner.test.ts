// How the runner joins two processes: through a kernel pipe (a FIFO's two ends, its name removed
// at once), so the data never passes through Node, a writer that finishes before its reader
// starts loses nothing, and nothing is left in the temporary directory. Small shell commands
// stand in for the tools here; the real mongodump | mongorestore runs in the integration tests.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { spawnTools, type ToolCommand } from '../../src/tools/runner.ts'

const options = {
  timeoutMs: 30_000,
  signal: new AbortController().signal,
  redact: (t: string) => t
}
const sh = (tool: ToolCommand['tool'], script: string): ToolCommand => ({
  tool,
  bin: 'sh',
  args: ['-c', script]
})
const pipeDirs = () =>
  readdirSync(tmpdir()).filter((n) => n.startsWith('mongo-restore-guard-pipe-'))

test('the reader reads a kernel pipe (a FIFO), not a socket, and no pipe is left on disk', async () => {
  const before = pipeDirs()
  const { runs } = await spawnTools(
    [
      sh('mongodump', 'printf "dumped bytes"'),
      sh('mongorestore', 'stat -L -c "stdin is a %F" /dev/stdin >&2; cat >&2')
    ],
    options
  )
  const [, reader] = runs
  assert.deepEqual(reader?.lines, ['stdin is a fifo', 'dumped bytes'])
  assert.deepEqual(
    runs.map((r) => r.exitCode),
    [0, 0]
  )
  assert.deepEqual(pipeDirs(), before)
})

test('a writer that exits before its reader starts reading loses nothing', async () => {
  const { runs } = await spawnTools(
    [
      sh('mongodump', 'printf "small dump"; echo "done" >&2'),
      sh('mongorestore', 'sleep 0.5; cat >&2')
    ],
    options
  )
  assert.deepEqual(runs[0]?.lines, ['done'])
  assert.deepEqual(runs[1]?.lines, ['small dump'])
})

test('a reader that fails stops its writer, which is marked as stopped by the reader', async () => {
  const { runs, interruption } = await spawnTools(
    [
      sh('mongodump', 'while :; do printf "%01000d" 0; done'),
      sh('mongorestore', 'head -c 10 >/dev/null; exit 3')
    ],
    options
  )
  assert.equal(runs[1]?.exitCode, 3)
  // Ended by its broken pipe or by the runner, not by the time limit.
  assert.notEqual(runs[0]?.exitCode, 0)
  assert.equal(interruption, undefined)
})
