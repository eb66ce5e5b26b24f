// The source's relative imports as a graph, and the circles in it: a circle inside one layer is
// invisible to the layer rule, so the architecture test looks for them here.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** File (relative to the source folder) → the files it imports, `import type` and re-exports included. */
export type ImportGraph = Map<string, string[]>

/** Reads every .ts file under srcDir and follows its `from './…'` and `import './…'` specifiers. */
export function importGraph(srcDir: string): ImportGraph {
  const root = resolve(srcDir)
  const graph: ImportGraph = new Map()
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(/(?:\bfrom|^import)\s+'(\.[^']+)'/gm)].map((m) =>
      relative(root, resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts'))
    )
    graph.set(relative(root, file), [...new Set(targets)])
  }
  return graph
}

/** A circle per back edge of a depth-first walk, as its files (the first repeated at the end): [] iff there is none. */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = []
  const seen = new Set<string>()
  const done = new Set<string>()
  const path: string[] = []
  const visit = (node: string): void => {
    seen.add(node)
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      if (!seen.has(next)) visit(next)
      // On the path now: a back edge, so the path from `next` to here closes a circle.
      else if (!done.has(next)) cycles.push([...path.slice(path.indexOf(next)), next])
    }
    path.pop()
    done.add(node)
  }
  for (const node of [...graph.keys()].sort()) if (!seen.has(node)) visit(node)
  return cycles
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : []
  )
}
