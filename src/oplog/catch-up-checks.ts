// What the catch-up refuses in the source's oplog before a batch is applied: a drop or a rename
// of a planned namespace (or its database) after T. Such an entry means the copy no longer
// describes the source: replaying it would drop the target's data or move it out of the plan.
// Pure: entries in, the first offending one described out (added for issue 21 beside the
// oplog module of issue 20, which filters and replays).
import type { Document } from 'mongodb'

/** Whether a source namespace (`db.collection`) belongs to the plan (databases, ns-exclude). */
export type InPlan = (namespace: string) => boolean

/** The first command in `entries` (nested applyOps included) that drops or renames a planned namespace. */
export function namespaceChange(entries: readonly Document[], inPlan: InPlan): string | undefined {
  for (const entry of entries) {
    const found = changeIn(entry, inPlan)
    if (found) return found
  }
  return undefined
}

function changeIn(entry: Document, inPlan: InPlan): string | undefined {
  if (entry['op'] !== 'c') return undefined
  const o = (entry['o'] ?? {}) as Document
  if (Array.isArray(o['applyOps'])) return namespaceChange(o['applyOps'] as Document[], inPlan)
  const db = String(entry['ns'] ?? '').split('.')[0] ?? ''
  // A collection of the database that is not excluded would be dropped with it.
  if (o['dropDatabase'] !== undefined && inPlan(`${db}.*`)) {
    return `the database ${db} was dropped`
  }
  if (typeof o['drop'] === 'string' && inPlan(`${db}.${o['drop']}`)) {
    return `the collection ${db}.${o['drop']} was dropped`
  }
  if (typeof o['renameCollection'] === 'string' && inPlan(o['renameCollection'])) {
    return `the collection ${o['renameCollection']} was renamed to ${String(o['to'])}`
  }
  return undefined
}
