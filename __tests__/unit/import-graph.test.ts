// The circle finder the architecture test relies on: it must see a circle, and only a circle.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { findCycles, importGraph, type ImportGraph } from '../support/import-graph.ts'

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges))

describe('import graph', () => {
  test('finds a circle of three files and a file importing itself', () => {
    const cycles = findCycles(
      graphOf({
        'a.ts': ['b.ts'],
        'b.ts': ['c.ts', 'd.ts'],
        'c.ts': ['a.ts'],
        'd.ts': ['d.ts']
      })
    )
    assert.deepEqual(cycles, [
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['d.ts', 'd.ts']
    ])
  })

  test('finds none in a graph without circles, shared imports included', () => {
    const cycles = findCycles(
      graphOf({
        'a.ts': ['b.ts', 'c.ts'],
        'b.ts': ['d.ts'],
        'c.ts': ['d.ts'],
        'd.ts': []
      })
    )
    assert.deepEqual(cycles, [])
  })

  test('reads import type, re-exports and multi-line imports from files', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'import-graph-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'model.ts'), "import type { View } from './sub/view.js'\n")
    writeFileSync(
      join(dir, 'sub', 'view.ts'),
      "import {\n  a,\n  b\n} from '../model.js'\nexport { c } from './leaf.js'\nimport 'node:fs'\n"
    )
    writeFileSync(join(dir, 'sub', 'leaf.ts'), 'export const c = 1\n')
    const graph = importGraph(dir)
    assert.deepEqual(graph.get('sub/view.ts'), ['model.ts', 'sub/leaf.ts'])
    assert.deepEqual(findCycles(graph), [['model.ts', 'sub/view.ts', 'model.ts']])
  })
})
