// The tables the bench prints (main rows, where the action's time goes, verification cost, the
// tuning grid), the machine they were measured on, and rewriting the generated parts of
// docs/benchmarks.md: only between the bench and tuning markers, formatted as the lint expects.
// May import: dataset.ts, measure.ts, rows.ts, settings.ts, verify-cost.ts (types and the runtime).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import { join } from 'node:path'
import * as prettier from 'prettier'
import { binaries } from '../../__tests__/support/testbed.ts'
import { COLLECTIONS, DB, type DatasetStats } from './dataset.ts'
import { fmtInt, fmtS, log, median } from './measure.ts'
import { node24, type Result } from './rows.ts'
import type { BenchSettings } from './settings.ts'
import { shapesTable, type ShapeResult } from './shapes.ts'
import type { VerifyCost } from './verify-cost.ts'

/** Everything measured at one dataset size. */
export interface SizeResult {
  size: number
  stats: DatasetStats
  results: Result[]
  verify: VerifyCost[]
  load: { before: string; after: string }
  minutes: number
}

/** The tuning grid and the size it ran at. */
export interface TuneResult {
  sr: SizeResult
  results: Result[]
}

/** A table cell: a pipe, even inside backticks, would end the cell in GitHub's Markdown. */
const cell = (text: string) => text.replace(/\|/g, '\\|')

const spread = (xs: number[]) =>
  xs.length > 1 ? `${fmtS(Math.min(...xs))}–${fmtS(Math.max(...xs))}` : '–'

const medianMs = (r: Result) => median(r.samples.map((s) => s.ms))

/** The cells every wall-time table shares: median seconds, min–max, and MB/s of the dataset. */
function wallCells(r: Result, stats: DatasetStats) {
  const ms = r.samples.map((s) => s.ms)
  const med = median(ms)
  return {
    med,
    seconds: fmtS(med),
    spread: spread(ms),
    mbs: (stats.dataMb / (med / 1000)).toFixed(1)
  }
}

export function mainTable(sr: SizeResult): string {
  const base = medianMs(sr.results[0]!)
  const lines = [
    `| Row | Wall s, median | min–max | docs/s | MB/s | Peak RSS of the Node process, MB | Cold probe, ms | vs baseline |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`
  ]
  for (const r of sr.results) {
    if (r.note !== undefined) {
      lines.push(`| ${cell(r.row)} | ${r.note} | | | | | | |`)
      continue
    }
    const w = wallCells(r, sr.stats)
    const rss = r.samples.map((s) => s.peakMb).filter((x): x is number => x !== undefined)
    const probe = r.samples.map((s) => s.probeMs).filter((x): x is number => x !== undefined)
    lines.push(
      `| ${cell(r.row)} | ${w.seconds} | ${w.spread} | ${fmtInt(sr.stats.documents / (w.med / 1000))} | ` +
        `${w.mbs} | ` +
        `${rss.length ? `${Math.max(...rss).toFixed(0)} (max)` : 'n/a (no Node)'} | ` +
        `${probe.length ? median(probe).toFixed(0) : '–'} | ${(w.med / base).toFixed(3)} |`
    )
  }
  return lines.join('\n')
}

export function phaseTable(sr: SizeResult): string {
  const rows = sr.results.filter((r) => r.samples[0]?.phases)
  if (!rows.length) return ''
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.samples[0]!.phases!)))]
  const lines = [
    `| Action row | Whole process | ${names.join(' | ')} | Outside the phases (Node start, tool versions, report) |`,
    `| --- | ---: | ${names.map(() => '---:').join(' | ')} | ---: |`
  ]
  for (const r of rows) {
    const whole = medianMs(r)
    const per = names.map((n) =>
      r.samples[0]!.phases![n] === undefined
        ? '–'
        : `${median(r.samples.map((s) => s.phases?.[n] ?? 0)).toFixed(0)} ms`
    )
    const outside = median(
      r.samples.map((s) => s.ms - Object.values(s.phases ?? {}).reduce((a, b) => a + b, 0))
    )
    lines.push(
      `| ${cell(r.row)} | ${whole.toFixed(0)} ms | ${per.join(' | ')} | ${outside.toFixed(0)} ms |`
    )
  }
  return lines.join('\n')
}

export function verifyTable(all: SizeResult[]): string {
  const lines = [
    '| Checked on source and target | Collections | Documents | estimatedDocumentCount + listIndexes, ms | per collection, ms | countDocuments({}), ms | options + indexes check, ms per collection | 100-document sample, ms per collection |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const v of all.flatMap((sr) => sr.verify)) {
    lines.push(
      `| ${v.label} | ${v.collections} | ${fmtInt(v.documents)} | ${v.metadataMs.toFixed(1)} | ` +
        `${(v.metadataMs / v.collections).toFixed(2)} | ${v.exactCountMs.toFixed(1)} | ` +
        `${(v.optionsMs / v.collections).toFixed(2)} | ${(v.sampleMs / v.collections).toFixed(2)} |`
    )
  }
  return lines.join('\n')
}

export function tuningTable(sr: SizeResult, tune: Result[]): string {
  const base = medianMs(tune[0]!)
  const lines = [
    `| Streamed migrate of the action, ${fmtInt(sr.size)} documents | Wall s, median | min–max | MB/s | vs tool defaults |`,
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  for (const r of tune) {
    const w = wallCells(r, sr.stats)
    lines.push(
      `| ${cell(r.row)} | ${w.seconds} | ${w.spread} | ${w.mbs} | ${(w.med / base).toFixed(3)} |`
    )
  }
  return lines.join('\n')
}

function machine(seed: number): string {
  const cpu = os.cpus()
  const b = binaries()
  return [
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; shared with other jobs (load averages are given per size).`,
    `- mongod ${b.mongodVersion} (two on loopback, auth on, default WiredTiger settings), mongodump/mongorestore ${b.toolsVersion}.`,
    `- The action: \`dist/index.js\` run under Node ${versionOfNode(node24())} (the action's runtime) as a runner runs it; the bench itself under Node ${process.versions.node}.`,
    `- Dataset: database \`${DB}\`, ${COLLECTIONS.length} collections (${COLLECTIONS.map(([n, s]) => `${n} ${s * 100}%`).join(', ')}), each with \`_id\` and 2 compound secondary indexes; generated from seed ${seed}.`
  ].join('\n')
}

function versionOfNode(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')
}

/** "2026-11-25 02:08": when a table was measured, in UTC. */
const now = () => new Date().toISOString().slice(0, 16).replace('T', ' ')

/** The Markdown of the bench section and, after a tuning run, of the tuning section. */
export function render(
  settings: BenchSettings,
  all: SizeResult[],
  tune: TuneResult | undefined,
  totalMin: number,
  shapes: readonly ShapeResult[] = []
) {
  const { repeat, rerun } = settings
  const parts: string[] = []
  parts.push(
    `Measured ${now()} UTC with \`${rerun}\` in ${totalMin.toFixed(1)} minutes.\n\n${machine(settings.seed)}`
  )
  for (const sr of all) {
    parts.push(
      `### ${fmtInt(sr.stats.documents)} documents, ${sr.stats.dataMb.toFixed(0)} MB of BSON ` +
        `(${sr.stats.avgObjSize.toFixed(0)} B each), ${sr.stats.collections} collections, ${sr.stats.indexes} indexes\n\n` +
        `${repeat} runs per row, round-robin; load average (1, 5, 15 min) ${sr.load.before} before, ${sr.load.after} after; ${sr.minutes.toFixed(1)} minutes.\n\n` +
        `${mainTable(sr)}\n\nWhere the action's time goes (medians; from its JSON report):\n\n${phaseTable(sr)}`
    )
  }
  if (all.length > 0) {
    parts.push(
      `### Verification cost\n\nMedian of ${Math.max(3, repeat)} passes over every collection, on source and target together, with an open client.\n\n${verifyTable(all)}`
    )
  }
  if (shapes.length > 0) {
    parts.push(
      `### Deployment shapes\n\n${repeat} runs per row, round-robin; load ${shapes.map((s) => `${s.shape.key} ${s.load}`).join('; ')}.\n\n${shapesTable(shapes)}`
    )
  }
  const bench = parts.join('\n\n')
  const tuning = tune
    ? `Measured ${now()} UTC with \`${rerun}\`; ` +
      `${repeat} runs per row, round-robin; load average ${tune.sr.load.before} before.\n\n${tuningTable(tune.sr, tune.results)}`
    : undefined
  return { bench, tuning }
}

function replaceBetween(text: string, tag: string, content: string): string {
  const begin = `<!-- ${tag}:begin -->`
  const end = `<!-- ${tag}:end -->`
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  const block = `${begin}\n\n${content}\n\n${end}`
  if (i < 0 || j < i) return `${text.trimEnd()}\n\n${block}\n`
  return text.slice(0, i) + block + text.slice(j + end.length)
}

/** Rewrites the generated parts of `out` (docs/benchmarks.md); '-' writes nothing. */
export async function writeDocs(out: string, bench: string, tuning: string | undefined) {
  if (out === '-') return
  mkdirSync(join(out, '..'), { recursive: true })
  let text = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n'
  text = replaceBetween(text, 'bench', bench)
  if (tuning !== undefined) text = replaceBetween(text, 'tuning', tuning)
  // Formatted as `npm run lint` expects, so that a fresh run leaves the tree lint-clean.
  const options = (await prettier.resolveConfig(out)) ?? {}
  writeFileSync(out, await prettier.format(text, { ...options, filepath: out }))
  log(`wrote ${out}`)
}

/** Rewrites one generated section of `out` (e.g. the catch-up's); '-' writes nothing. */
export async function writeDocsSection(out: string, tag: string, content: string) {
  if (out === '-') return
  let text = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n'
  text = replaceBetween(text, tag, content)
  const options = (await prettier.resolveConfig(out)) ?? {}
  writeFileSync(out, await prettier.format(text, { ...options, filepath: out }))
  log(`wrote ${out} (${tag})`)
}
