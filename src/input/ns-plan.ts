// Which namespaces a run will write, worked out before anything is dumped: the source's
// collections, filtered and renamed the way mongorestore will (approximately: mongorestore
// decides from the dump itself). Pure, so it is unit-tested without a server.
import { collectionOf, dbOf, isProtectedNamespace } from './namespace.js'
import type { TransferPlan } from './settings.js'

/** A namespace of the source and the namespace of the target it is restored into. */
export interface PlannedNamespace {
  source: string
  target: string
}

type PlanSettings = Pick<TransferPlan, 'databases' | 'nsExclude' | 'renames' | 'dumpOptions'>

export function planNamespaces(
  sourceNamespaces: readonly string[],
  settings: PlanSettings
): PlannedNamespace[] {
  const excluded = settings.nsExclude.map(wildcard)
  const skippedByDump = dumpExclusions(settings.dumpOptions)
  return sourceNamespaces
    .filter((ns) => !isProtectedNamespace(ns))
    .filter((ns) => settings.databases.length === 0 || settings.databases.includes(dbOf(ns)))
    .filter((ns) => !excluded.some((pattern) => pattern.test(ns)))
    .filter((ns) => !skippedByDump(collectionOf(ns)))
    .map((ns) => ({ source: ns, target: rename(ns, settings.renames) }))
}

/** mongorestore's filter syntax: `*` matches anything, dots included; the pattern is anchored. */
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`)
}

/** The first rename whose ns-from matches, with its `$name$` variables carried over. */
function rename(namespace: string, renames: PlanSettings['renames']): string {
  for (const { from, to } of renames) {
    const names: string[] = []
    const source = from
      .split(/(\$\w*\$)/)
      .map((part, i) => {
        if (i % 2 === 0) return part.split('*').map(escape).join('.*')
        names.push(part)
        return '(.*?)'
      })
      .join('')
    const match = new RegExp(`^${source}$`).exec(namespace)
    if (!match) continue
    return names.reduce((out, name, i) => out.split(name).join(match[i + 1] ?? ''), to)
  }
  return namespace
}

/** mongodump's --excludeCollection and --excludeCollectionsWithPrefix among the extra options. */
function dumpExclusions(options: readonly string[]): (collection: string) => boolean {
  const names: string[] = []
  const prefixes: string[] = []
  for (let i = 0; i < options.length; i++) {
    const [name, inline] = (options[i] as string).split(/=(.*)/s)
    const list =
      name === '--excludeCollection'
        ? names
        : name === '--excludeCollectionsWithPrefix'
          ? prefixes
          : undefined
    list?.push(inline ?? (options[++i] as string))
  }
  return (collection) =>
    names.includes(collection) || prefixes.some((p) => collection.startsWith(p))
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
