// `npm run bench`: the action measured against the raw tools and a JavaScript peer, on real
// mongods, at two dataset sizes. Prints the tables and writes them into docs/benchmarks.md
// (between the bench markers; the hand-written text around them is kept).
//
// This folder: index.ts (this entry point: reads the BENCH_* variables, then per size generates
// the dataset, runs the rows, measures verification, prints and writes the tables);
// settings.ts (the BENCH_* variables, documented there); dataset.ts (the generated data);
// bed.ts (the two servers, their users, the raw pipeline); rows.ts (the rows and running them
// round-robin); verify-cost.ts (what a verify step reads); table.ts (the tables and the docs);
// measure.ts (timing, peak memory, medians, the log); shapes.ts (deployment shapes: many small
// databases, a few selected out of a large deployment). Nothing imports this file.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { binaries } from '../../__tests__/support/testbed.ts'
import { repoRoot } from '../../__tests__/support/run-action.ts'
import { setUp, tearDown } from './bed.ts'
import { generate } from './dataset.ts'
import { fmtInt, fmtS, loadavg, log } from './measure.ts'
import { measureMainRows, measureRows, tuningRows } from './rows.ts'
import { readSettings } from './settings.ts'
import { measureShape, SHAPES, shapesTable, type ShapeResult } from './shapes.ts'
import {
  mainTable,
  phaseTable,
  render,
  tuningTable,
  verifyTable,
  writeDocs,
  writeDocsSection,
  type SizeResult,
  type TuneResult
} from './table.ts'
import { measureVerify } from './verify-cost.ts'
import { catchUpTable, measureCatchUp } from './catch-up.ts'
import { node24 } from './rows.ts'
import { measureConsistent } from './consistent.ts'

async function main(): Promise<void> {
  const t0 = performance.now()
  const settings = readSettings(process.env, repoRoot)
  const { sizes, repeat, tune: withTuning } = settings
  if (!sizes.length && !settings.shapes.length && !settings.catchUp.documents)
    throw new Error('BENCH_SIZES has no valid size')
  const b = binaries()
  log(
    `mongod ${b.mongodVersion}, tools ${b.toolsVersion}, sizes ${sizes.join(', ')}, repeat ${repeat}${withTuning ? ', tuning' : ''}`
  )
  if (!existsSync(join(repoRoot, 'dist', 'index.js')))
    throw new Error('No dist/index.js: run npm run build')
  const bed = await setUp()
  const all: SizeResult[] = []
  let tune: TuneResult | undefined
  try {
    for (const size of settings.rows.includes('consistent') ? sizes : []) {
      log(`point-in-time copy at ${fmtInt(size)} documents (load ${loadavg()})`)
      console.log(`\n${await measureConsistent(size, settings.seed, repeat)}\n`)
    }
    const mainRows = settings.rows.filter((row) => row !== 'consistent')
    for (const size of mainRows.length > 0 ? sizes : []) {
      const ts = performance.now()
      log(`generating ${fmtInt(size)} documents (load ${loadavg()})`)
      const stats = await generate(bed.source, size, settings.seed)
      log(
        `  ${fmtInt(stats.documents)} documents, ${stats.dataMb.toFixed(0)} MB, ${fmtS(performance.now() - ts)} s`
      )
      const before = loadavg()
      const t1 = performance.now()
      const results = await measureMainRows(bed, settings.rows, repeat)
      log('  verification cost')
      const verify = await measureVerify(bed, size, {
        wide: size === sizes[0],
        passes: Math.max(3, repeat)
      })
      const sr: SizeResult = {
        size,
        stats,
        results,
        verify,
        load: { before, after: loadavg() },
        minutes: (performance.now() - t1) / 60_000
      }
      all.push(sr)
      console.log(`\n${fmtInt(size)} documents\n${mainTable(sr)}\n\n${phaseTable(sr)}\n`)
      if (withTuning && size === Math.max(...sizes)) {
        log('  tuning grid')
        const load = loadavg()
        const results = await measureRows(bed, tuningRows(), repeat)
        tune = { sr: { ...sr, load: { before: load, after: loadavg() } }, results }
        console.log(`${tuningTable(sr, results)}\n`)
      }
    }
    if (all.length > 0) console.log(verifyTable(all))
    const shapes: ShapeResult[] = []
    for (const key of settings.shapes) {
      const shape = SHAPES[key]
      if (!shape) throw new Error(`BENCH_SHAPES: no shape ${key}; known: ${Object.keys(SHAPES)}`)
      log(`shape ${shape.title} (load ${loadavg()})`)
      shapes.push(await measureShape(bed, shape, repeat, withTuning))
    }
    if (shapes.length > 0) console.log(`\n${shapesTable(shapes)}\n`)
    if (all.length > 0 || shapes.length > 0) {
      const { bench, tuning } = render(
        settings,
        all,
        tune,
        (performance.now() - t0) / 60_000,
        shapes
      )
      await writeDocs(settings.out, bench, tuning)
    }
    if (settings.catchUp.documents > 0) {
      log(`catch-up of ${fmtInt(settings.catchUp.documents)} documents (load ${loadavg()})`)
      const { documents, writes } = settings.catchUp
      const result = await measureCatchUp(documents, writes, settings.seed, node24())
      const table = catchUpTable(result)
      console.log(`\n${table}\n`)
      const when = new Date().toISOString().slice(0, 16).replace('T', ' ')
      await writeDocsSection(
        settings.out,
        'catch-up',
        `Measured ${when} UTC with \`${settings.rerun}\`.\n\n${table}`
      )
    }
    log(`total ${((performance.now() - t0) / 60_000).toFixed(1)} minutes`)
  } finally {
    await tearDown(bed)
  }
}

await main()
