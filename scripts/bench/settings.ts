// What a bench run was asked for: the BENCH_* variables, read once by the entry point (index.ts)
// and passed down, so that no other file of the bench reads the environment.
//
//   BENCH_SIZES=200000,1000000  documents per size (default), ~510 B each, 6 collections
//   BENCH_REPEAT=3              runs of each row per size (medians and min–max are reported)
//   BENCH_ROWS=baseline,stream,archive,peer,consistent   rows to run (default: all; ratios are
//                               to the first; consistent: the point-in-time copy beside the raw
//                               --oplog pipeline, on its own replica-set source, consistent.ts)
//   BENCH_TUNE=1                also measure the tuning grid (the tools' parallelism, gzip, index
//                               builds) at the largest size, and the parallelism on each shape
//   BENCH_SHAPES=tenants100,tenants1000,selected   deployment shapes (shapes.ts) measured after
//                               the sizes ('none' skips them); BENCH_SIZES=none measures shapes only
//   BENCH_CATCHUP=1000000       documents copied before the catch-up measurement (issue 21; on
//                               replica sets; 'none' skips it); BENCH_CATCHUP_WRITES=10000 after T
//   BENCH_SEED=42               seed of the generated dataset
//   BENCH_OUT=docs/benchmarks.md   where to write ('-' writes nothing)
// May import: nothing of the bench (it sits at the bottom).
import { join } from 'node:path'

export interface BenchSettings {
  /** Documents per dataset size, in the order given. */
  sizes: number[]
  /** Runs of each row per size. */
  repeat: number
  /** Keys of the rows to run (the baseline comes first, ratios are to the first row). */
  rows: string[]
  /** Also measure the tuning grid at the largest size. */
  tune: boolean
  /** Keys of the deployment shapes to measure (shapes.ts). */
  shapes: string[]
  /** The catch-up measurement: documents copied at T (0: skipped) and writes after T. */
  catchUp: { documents: number; writes: number }
  /** Seed of the generated dataset. */
  seed: number
  /** Where the tables are written; '-' writes nothing. */
  out: string
  /** The command that reruns this configuration, as printed in docs/benchmarks.md. */
  rerun: string
}

export function readSettings(env: NodeJS.ProcessEnv, repoRoot: string): BenchSettings {
  const sizes = (env.BENCH_SIZES ?? '200000,1000000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
  const repeat = Math.max(1, Number(env.BENCH_REPEAT ?? 3) || 3)
  const rows = (env.BENCH_ROWS ?? 'baseline,stream,archive,peer,consistent').split(',')
  const shapes = (env.BENCH_SHAPES ?? 'tenants100,tenants1000,selected')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'none')
  // Only the variables that were set appear in the rerun command.
  const given = []
  if (env.BENCH_SIZES) given.push(`BENCH_SIZES=${sizes.join(',') || env.BENCH_SIZES}`)
  if (env.BENCH_REPEAT) given.push(`BENCH_REPEAT=${repeat}`)
  if (env.BENCH_ROWS) given.push(`BENCH_ROWS=${rows.join(',')}`)
  if (env.BENCH_SHAPES) given.push(`BENCH_SHAPES=${env.BENCH_SHAPES}`)
  if (env.BENCH_TUNE === '1') given.push('BENCH_TUNE=1')
  const catchUp = {
    documents: env.BENCH_CATCHUP === 'none' ? 0 : Number(env.BENCH_CATCHUP ?? 1_000_000) || 0,
    writes: Number(env.BENCH_CATCHUP_WRITES ?? 10_000) || 10_000
  }
  if (env.BENCH_CATCHUP) given.push(`BENCH_CATCHUP=${env.BENCH_CATCHUP}`)
  if (env.BENCH_CATCHUP_WRITES) given.push(`BENCH_CATCHUP_WRITES=${catchUp.writes}`)
  return {
    sizes,
    repeat,
    rows,
    shapes,
    tune: env.BENCH_TUNE === '1',
    catchUp,
    seed: Number(env.BENCH_SEED ?? 42) || 42,
    out: env.BENCH_OUT ?? join(repoRoot, 'docs', 'benchmarks.md'),
    rerun: [...given, 'npm run bench'].join(' ')
  }
}
