// Deployment shapes other than one large database (issue 11): many small databases, and a few
// databases chosen out of a large deployment. Each shape is seeded on the source alone, then
// the raw tools and the action move it in the same run, round-robin, the target emptied between.
// May import: bed.ts, measure.ts, rows.ts (the action's runner), and the test support.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { binaries } from '../../__tests__/support/testbed.ts'
import { SYSTEM_DATABASES } from '../../src/input/namespace.ts'
import { APP_PASSWORD, emptyTarget, type Bed } from './bed.ts'
import { fmtS, loadavg, log, median, mustSucceed, sleep, timed } from './measure.ts'
import { measuredAction, TUNING_VARIANTS } from './rows.ts'

export interface Shape {
  key: string
  title: string
  /** Database → collections → documents each, on the source. */
  databases: Record<string, number[]>
  /** The databases the run moves; empty: the whole deployment. */
  selected: string[]
}

export const SHAPES: Record<string, Shape> = {
  tenants100: tenants('tenants100', 100, 3),
  tenants1000: tenants('tenants1000', 1000, 2),
  selected: {
    key: 'selected',
    title: '2 selected databases (2 × 20 000 documents) beside a 300 000-document one',
    databases: { sel1: [20_000], sel2: [20_000], large: [100_000, 100_000, 100_000] },
    selected: ['sel1', 'sel2']
  }
}

function tenants(key: string, count: number, collections: number): Shape {
  const databases: Record<string, number[]> = {}
  for (let i = 0; i < count; i++) databases[`tenant${i}`] = new Array(collections).fill(50)
  return {
    key,
    title: `${count} databases × ${collections} collections × 50 documents`,
    databases,
    selected: []
  }
}

interface ShapeSample {
  ms: number
  peakMb?: number
  /** Pre-flight check plus verification, from the action's report. */
  checksMs?: number
}

export interface ShapeResult {
  shape: Shape
  rows: { name: string; samples: ShapeSample[] }[]
  load: string
}

/** Seeds the shape on an otherwise empty source. */
async function seed(bed: Bed, shape: Shape): Promise<void> {
  const { databases } = await bed.sourceClient.db('admin').admin().listDatabases()
  for (const { name } of databases) {
    if (!SYSTEM_DATABASES.includes(name)) await bed.sourceClient.db(name).dropDatabase()
  }
  const filler = 'x'.repeat(400)
  for (const [db, collections] of Object.entries(shape.databases)) {
    for (const [c, documents] of collections.entries()) {
      for (let done = 0; done < documents; done += 10_000) {
        const batch = Math.min(10_000, documents - done)
        await bed.sourceClient
          .db(db)
          .collection(`c${c}`)
          .insertMany(Array.from({ length: batch }, (_, i) => ({ n: done + i, filler })))
      }
    }
  }
}

/** The raw tools as a person would type them for this shape. */
async function raw(bed: Bed, shape: Shape): Promise<ShapeSample> {
  const { mongodump, mongorestore } = binaries()
  const pipeline = (db?: string) =>
    `${mongodump} --config=${bed.sourceConfig} --archive${db ? ` --db=${db}` : ''} | ` +
    `${mongorestore} --config=${bed.targetConfig} --archive --nsExclude='admin.*'`
  const script =
    shape.selected.length > 0 ? shape.selected.map((db) => pipeline(db)).join(' && ') : pipeline()
  const run = mustSucceed('raw', await timed('bash', ['-o', 'pipefail', '-c', script]))
  return { ms: run.ms }
}

async function action(
  bed: Bed,
  shape: Shape,
  archive: boolean,
  options: Record<string, string> = {}
): Promise<ShapeSample> {
  const dump = join(bed.dir, 'shape.dump')
  const inputs: Record<string, string> = {
    ...options,
    'source-uri': bed.source.rootUri,
    'target-uri': bed.target.rootUri,
    'app-uri': bed.target.uri('app', APP_PASSWORD, 'admin'),
    'tools-path': binaries().toolsDir,
    'timeout-minutes': '60',
    databases: shape.selected.join(','),
    ...(archive ? { archive: dump } : {})
  }
  try {
    const { ms, peakMb, report } = await measuredAction(`action on ${shape.key}`, inputs)
    const phases = (report as { phases: { name: string; durationMs: number }[] }).phases
    const checksMs = phases
      .filter((p) => p.name === 'Check source and target' || p.name === 'Verify')
      .reduce((sum, p) => sum + p.durationMs, 0)
    return { ms, peakMb, checksMs }
  } finally {
    rmSync(dump, { recursive: true, force: true })
  }
}

/** The target holds what the shape moves: every selected (else every) database, whole. */
async function checkShape(bed: Bed, shape: Shape): Promise<void> {
  const moved = shape.selected.length > 0 ? shape.selected : Object.keys(shape.databases)
  for (const db of moved) {
    const want = (shape.databases[db] ?? []).reduce((a, b) => a + b, 0)
    const names = await bed.targetClient.db(db).listCollections().toArray()
    let have = 0
    for (const { name } of names) {
      have += await bed.targetClient.db(db).collection(name).estimatedDocumentCount()
    }
    if (have !== want) throw new Error(`${shape.key}: ${db} has ${have} documents, not ${want}`)
  }
}

/** The raw tools and the action on one shape; with `tune`, the tuning variants streamed too. */
export async function measureShape(
  bed: Bed,
  shape: Shape,
  repeat: number,
  tune: boolean
): Promise<ShapeResult> {
  await seed(bed, shape)
  const rows: [string, () => Promise<ShapeSample>][] = [
    ['raw tools', () => raw(bed, shape)],
    ['action, streamed', () => action(bed, shape, false)],
    ['action, dump on disk', () => action(bed, shape, true)],
    ...(tune ? TUNING_VARIANTS : []).map((v): [string, () => Promise<ShapeSample>] => [
      `action, streamed, ${v.label}`,
      () => action(bed, shape, false, v.inputs)
    ])
  ]
  const result: ShapeResult = {
    shape,
    rows: rows.map(([name]) => ({ name, samples: [] })),
    load: loadavg()
  }
  for (let rep = 1; rep <= repeat; rep++) {
    for (const [i, [name, run]] of rows.entries()) {
      await emptyTarget(bed)
      await sleep(500)
      const sample = await run()
      await checkShape(bed, shape)
      result.rows[i]?.samples.push(sample)
      log(`  ${shape.key} ${rep}/${repeat} ${name}: ${fmtS(sample.ms)} s`)
    }
  }
  await emptyTarget(bed)
  result.load += ` → ${loadavg()}`
  return result
}

export function shapesTable(results: readonly ShapeResult[]): string {
  const lines = [
    '| Shape | Row | Time (median) | Ratio to the raw tools | Peak RSS | Pre-flight + verify |',
    '| --- | --- | --- | --- | --- | --- |'
  ]
  for (const r of results) {
    const base = median(r.rows[0]?.samples.map((s) => s.ms) ?? [])
    for (const row of r.rows) {
      const ms = median(row.samples.map((s) => s.ms))
      const peaks = row.samples.flatMap((s) => (s.peakMb === undefined ? [] : [s.peakMb]))
      const checks = row.samples.flatMap((s) => (s.checksMs === undefined ? [] : [s.checksMs]))
      lines.push(
        `| ${r.shape.title} | ${row.name} | ${fmtS(ms)} s | ${(ms / base).toFixed(2)}× | ${peaks.length ? `${Math.max(...peaks).toFixed(0)} MB` : '–'} | ${checks.length ? `${median(checks).toFixed(0)} ms` : '–'} |`
      )
    }
  }
  return lines.join('\n')
}
