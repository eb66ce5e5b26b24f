// How the two tools are joined, measured alone (issue 11): the same `mongodump --archive |
// mongorestore --archive` with the action's restore flags, 100 databases x 3 collections x 50
// documents, joined by a shell's pipe, by Node's `stdio: 'pipe'` (a socket pair), and by the
// action's runner (a kernel pipe), round-robin, the target emptied between runs.
//
//   node --import tsx scripts/bench/joins.ts        (JOINS_REPEAT, default 3)
// May import: bed.ts, measure.ts, the test support and the action's runner.
import { spawn } from 'node:child_process'
import { binaries } from '../../__tests__/support/testbed.ts'
import { spawnTools } from '../../src/tools/runner.ts'
import { emptyTarget, setUp, tearDown } from './bed.ts'
import { median, mustSucceed, timed } from './measure.ts'

const REPEAT = Number(process.env['JOINS_REPEAT'] ?? 3)
const bed = await setUp()
try {
  for (let d = 0; d < 100; d++) {
    for (let c = 0; c < 3; c++) {
      await bed.sourceClient
        .db(`tenant${d}`)
        .collection(`c${c}`)
        .insertMany(Array.from({ length: 50 }, (_, i) => ({ i, s: 'x'.repeat(400) })))
    }
  }
  const { mongodump, mongorestore } = binaries()
  const dumpArgs = [`--config=${bed.sourceConfig}`, '--archive']
  const restoreArgs = [
    `--config=${bed.targetConfig}`,
    '--archive',
    '-v',
    '--nsExclude=admin.*',
    '--nsExclude=*.system.users',
    '--nsExclude=*.system.roles'
  ]
  const joins: Record<string, () => Promise<number>> = {
    "a shell's pipe": async () => {
      const line = `${mongodump} ${dumpArgs.join(' ')} | ${mongorestore} ${restoreArgs.join(' ')}`
      return mustSucceed('shell', await timed('bash', ['-o', 'pipefail', '-c', line])).ms
    },
    "Node's stdio 'pipe' (a socket pair)": async () => {
      const started = performance.now()
      const dump = spawn(mongodump, dumpArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
      const restore = spawn(mongorestore, restoreArgs, { stdio: [dump.stdout, 'ignore', 'pipe'] })
      dump.stdout.destroy()
      dump.stderr.resume()
      restore.stderr.resume()
      const codes = await Promise.all(
        [dump, restore].map((p) => new Promise((resolve) => p.on('close', resolve)))
      )
      if (codes.some((c) => c !== 0)) throw new Error(`socket pair: exit codes ${codes}`)
      return performance.now() - started
    },
    "the action's runner (a kernel pipe)": async () => {
      const started = performance.now()
      const { runs } = await spawnTools(
        [
          { tool: 'mongodump', bin: mongodump, args: dumpArgs },
          { tool: 'mongorestore', bin: mongorestore, args: restoreArgs }
        ],
        { timeoutMs: 600_000, signal: new AbortController().signal, redact: (t) => t }
      )
      if (runs.some((r) => r.exitCode !== 0)) throw new Error('runner: a tool failed')
      return performance.now() - started
    }
  }
  const times: Record<string, number[]> = {}
  for (let round = 0; round < REPEAT; round++) {
    for (const [name, run] of Object.entries(joins)) {
      await emptyTarget(bed)
      ;(times[name] ??= []).push(await run())
    }
  }
  console.log(`\n| 100 × 3 collections, ${REPEAT} runs each | Median | Runs |`)
  console.log('| --- | ---: | --- |')
  for (const [name, ms] of Object.entries(times)) {
    const runs = ms.map((m) => (m / 1000).toFixed(1)).join(', ')
    console.log(`| ${name} | ${(median(ms) / 1000).toFixed(1)} s | ${runs} s |`)
  }
} finally {
  await tearDown(bed)
}
