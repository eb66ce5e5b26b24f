// The house's rules, checked on the source so that a change that breaks them fails here:
// imports run downward through the layers, and only the pipeline writes the report.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { findCycles, importGraph } from '../support/import-graph.ts'

const SRC = resolve(import.meta.dirname, '../../src')

/** Lower layers never import higher ones; the pipeline files at the top import any layer. */
const LAYERS: Record<string, number> = {
  'errors.ts': 0,
  'secrets.ts': 0,
  'concurrency.ts': 0,
  'interface.ts': 0,
  input: 1,
  server: 2,
  tools: 3,
  // The oplog window, its filter and replay: beside the tools it drives.
  oplog: 3,
  report: 4
}
const PIPELINE = 5

/** The report's writers: the entry (main.ts) and the modes and their phases (src/pipeline/). */
function writesReport(file: string): boolean {
  const path = relative(SRC, file)
  return path === 'main.ts' || path.startsWith('pipeline/')
}

function layerOf(file: string): number {
  const path = relative(SRC, file)
  return LAYERS[path] ?? LAYERS[path.split('/')[0] as string] ?? PIPELINE
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)]
  )
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts')
  )
}

describe('architecture', () => {
  test('every import runs downward: errors/secrets < input < server < tools < report < pipeline', () => {
    const upward = sources(SRC).flatMap((file) =>
      imports(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${relative(SRC, file)} imports ${relative(SRC, target)}`)
    )
    assert.deepEqual(upward, [])
  })

  test('only the pipeline (main.ts, src/pipeline/) writes the report', () => {
    const write = /\breport\.[\w.]+\s*(=(?!=)|\?\?=)|\breport\.[\w.]+\.push\(/
    const writers = sources(SRC)
      .filter((file) => !writesReport(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, where: `${relative(SRC, file)}:${i + 1}` }))
          .filter(({ line }) => write.test(line))
          .map(({ where }) => where)
      )
    assert.deepEqual(writers, [])
  })

  test('no circle of imports anywhere, inside a layer or a folder either', () => {
    // Tried on purpose, each failing here: src/input/settings.ts importing parts.ts again (the
    // input circle this test was written for), and pipeline/phases.ts importing run.ts.
    const cycles = findCycles(importGraph(SRC)).map((cycle) => cycle.join(' → '))
    assert.deepEqual(cycles, [])
  })

  test("the README's layout section names every folder and file at the top of src/ and every mode file", () => {
    const readme = readFileSync(resolve(SRC, '../README.md'), 'utf8')
    const start = readme.indexOf('How the code is organised')
    const section = readme.slice(start, readme.indexOf('### Promises and their tests', start))
    const entries = [
      ...readdirSync(SRC).map((name) => (name.endsWith('.ts') ? name : `src/${name}/`)),
      ...readdirSync(join(SRC, 'pipeline'))
    ]
    assert.deepEqual(
      entries.filter((name) => !section.includes(`${name}\``)),
      []
    )
  })

  test('the checks can fail: an upward import and a report write are both seen', () => {
    assert.ok(layerOf(join(SRC, 'pipeline/run.ts')) > layerOf(join(SRC, 'tools/transfer.ts')))
    assert.ok(!writesReport(join(SRC, 'report/summary.ts')))
    assert.match('  report.users = x', /\breport\.[\w.]+\s*(=(?!=)|\?\?=)/)
  })
})
