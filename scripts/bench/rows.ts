// The rows of the tables: each one way of copying the dataset from source to target, run once
// per sample. The raw tools' pipeline (the baseline), the action's streamed migrate, the action
// with its dump on disk, the node-mongotools peer, and the tuning grid (the streamed migrate
// with one mongorestore option each); plus running them all round-robin.
// May import: bed.ts, dataset.ts, measure.ts (and the test support that runs dist/index.js).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { binaries } from '../../__tests__/support/testbed.ts'
import { nodeRuntimes, runAction } from '../../__tests__/support/run-action.ts'
import {
  APP_PASSWORD,
  PEER_PASSWORD,
  checkCopy,
  emptyTarget,
  pipeDumpIntoRestore,
  type Bed
} from './bed.ts'
import { DB } from './dataset.ts'
import { fmtS, loadavg, log, mustSucceed, sleep, timed, watchPeakRss } from './measure.ts'

export interface Sample {
  ms: number
  peakMb?: number
  probeMs?: number
  phases?: Record<string, number>
}

export interface Row {
  name: string
  /** Runs once; the target is empty before and checked after. */
  run: (bed: Bed) => Promise<Sample>
}

/** The samples of one row, or a note where the row cannot run at all. */
export interface Result {
  row: string
  samples: Sample[]
  note?: string
}

/** The Node that runs the action (its runtime, node24). */
export function node24(): string {
  return nodeRuntimes()[1]!.bin
}

function baselineRow(): Row {
  return {
    name: 'baseline: `mongodump --archive | mongorestore --archive`',
    run: async (bed) => ({ ms: (await pipeDumpIntoRestore(bed, 'baseline')).ms })
  }
}

/** Runs the bundle as a runner does, timed from its start, with its peak RSS; a failure stops the bench. */
export async function measuredAction(
  name: string,
  inputs: Record<string, string>
): Promise<{ ms: number; peakMb: number | undefined; report: unknown }> {
  let started = 0
  let stopWatch: () => number | undefined = () => undefined
  const run = await runAction(inputs, {
    node: node24(),
    onSpawn: (pid) => {
      started = performance.now()
      stopWatch = watchPeakRss(pid)
    }
  })
  const ms = performance.now() - started
  const peakMb = stopWatch()
  if (run.exitCode !== 0 || run.outputs['status'] !== 'passed') {
    const lines = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'))
    throw new Error(`${name}: exit ${run.exitCode}\n${lines.slice(-40).join('\n')}`)
  }
  return { ms, peakMb, report: run.report }
}

function actionRow(name: string, extra: (bed: Bed) => Record<string, string> = () => ({})): Row {
  return {
    name,
    run: async (bed) => {
      const inputs = {
        'source-uri': bed.source.rootUri,
        'target-uri': bed.target.rootUri,
        'app-uri': bed.target.uri('app', APP_PASSWORD, 'admin'),
        'app-privileges': `${DB}: readWrite`,
        'tools-path': binaries().toolsDir,
        'timeout-minutes': '60',
        'probe-timeout-seconds': '10',
        ...extra(bed)
      }
      const { ms, peakMb, report: raw } = await measuredAction(name, inputs)
      const report = raw as {
        probes: { before: { durationMs: number }[] }
        phases: { name: string; durationMs: number }[]
      }
      const phases = Object.fromEntries(report.phases.map((p) => [p.name, p.durationMs]))
      return { ms, peakMb, probeMs: report.probes.before[0]?.durationMs, phases }
    }
  }
}

function archiveActionRow(): Row {
  // The action writes a dump to disk as a directory, one mongodump dump per database.
  const file = (bed: Bed) => join(bed.dir, 'action.dump')
  const row = actionRow('action, dump on disk (dump, then restore)', (bed) => ({
    archive: file(bed)
  }))
  return {
    ...row,
    run: async (bed) => {
      try {
        return await row.run(bed)
      } finally {
        rmSync(file(bed), { force: true, recursive: true })
      }
    }
  }
}

/** node-mongotools 2.2.12 run in its own Node process, as an app would call it. */
function peerRow(): Row {
  const script = `
    import { MongoTools } from 'node-mongotools'
    const e = process.env
    const common = { host: '127.0.0.1', username: 'peer', password: e.PEER_PASSWORD, authDb: 'admin', db: '${DB}' }
    const mt = new MongoTools()
    const dump = await mt.mongodump({ ...common, port: Number(e.SOURCE_PORT), path: e.PEER_DIR, dumpCmd: e.MONGODUMP })
    await mt.mongorestore({ ...common, port: Number(e.TARGET_PORT), dumpFile: dump.fullFileName, restoreCmd: e.MONGORESTORE, deleteDumpAfterRestore: true })
  `
  return {
    name: 'peer: node-mongotools 2.2.12 (dump to .gz archive, restore)',
    run: async (bed) => {
      const peerDir = join(bed.dir, `peer-${Date.now()}`)
      const env = {
        ...process.env,
        PEER_PASSWORD,
        SOURCE_PORT: String(bed.source.port),
        TARGET_PORT: String(bed.target.port),
        PEER_DIR: peerDir,
        MONGODUMP: binaries().mongodump,
        MONGORESTORE: binaries().mongorestore
      }
      const r = await timed(node24(), ['--input-type=module', '-e', script], env)
      rmSync(peerDir, { recursive: true, force: true })
      mustSucceed('peer', r)
      return { ms: r.ms, peakMb: r.peakMb }
    }
  }
}

/** A JavaScript peer that was weighed and cannot do the job: a row with a note, never run. */
const PEER_SKIPPED: Result = {
  row: 'peer: @push.rocks/mongodump 1.1.1',
  samples: [],
  note: 'cannot do the job: no restore; its archive methods are empty; JSON.stringify per document loses BSON types (ObjectId, Date) and writes one file per document'
}

/** The main rows named by `keys` (BENCH_ROWS), in the tables' order. */
function mainRows(keys: string[]): Row[] {
  const rows = [
    ['baseline', baselineRow()],
    ['stream', actionRow('action: streamed migrate, probes included')],
    ['archive', archiveActionRow()],
    ['peer', peerRow()]
  ] as const
  return rows.filter(([key]) => keys.includes(key)).map(([, row]) => row)
}

/** Runs the main rows named by `keys`; the peer that cannot run follows as a note. */
export async function measureMainRows(bed: Bed, keys: string[], repeat: number): Promise<Result[]> {
  const results = await measureRows(bed, mainRows(keys), repeat)
  if (keys.includes('peer')) results.push(PEER_SKIPPED)
  return results
}

/**
 * The parallelism choices the tuning grids compare, each with every option given explicitly (so
 * a row means the same whatever the defaults): on the large size and on the deployment shapes.
 */
export const TUNING_VARIANTS: { label: string; inputs: Record<string, string> }[] = [
  ['tool defaults: mongodump -j 4; mongorestore -j 4, 1 insertion worker', 4, 4, 1],
  ['mongodump -j 4; mongorestore -j 4, 2 insertion workers (the default before)', 4, 4, 2],
  ['mongodump -j 8; mongorestore -j 8, 1 insertion worker', 8, 8, 1],
  ['mongodump -j 16; mongorestore -j 16, 1 insertion worker', 16, 16, 1],
  ['mongodump -j 16; mongorestore -j 16, 2 insertion workers', 16, 16, 2]
].map(([label, dump, restore, workers]) => ({
  label: label as string,
  inputs: {
    'mongodump-options': `--numParallelCollections=${dump}`,
    'mongorestore-options': `--numParallelCollections=${restore} --numInsertionWorkersPerCollection=${workers}`
  }
}))

/** Tuning grid (BENCH_TUNE=1): the action's streamed migrate with each option set explicitly. */
export function tuningRows(): Row[] {
  const variant = (label: string, inputs: Record<string, string>) => actionRow(label, () => inputs)
  return [
    ...TUNING_VARIANTS.map((v) => variant(v.label, v.inputs)),
    variant("the action's defaults", {}),
    variant('gzip on the stream', { gzip: 'true' })
  ]
}

/** Runs every row `repeat` times, round-robin, so that drift in load hits all rows alike. */
export async function measureRows(bed: Bed, rows: Row[], repeat: number): Promise<Result[]> {
  const results: Result[] = rows.map((r) => ({ row: r.name, samples: [] }))
  for (let rep = 1; rep <= repeat; rep++) {
    for (const [i, row] of rows.entries()) {
      await emptyTarget(bed)
      await sleep(500)
      const before = loadavg()
      const sample = await row.run(bed)
      await checkCopy(bed, row.name)
      results[i]!.samples.push(sample)
      log(`  ${rep}/${repeat} ${row.name}: ${fmtS(sample.ms)} s (load ${before})`)
    }
  }
  await emptyTarget(bed)
  return results
}
