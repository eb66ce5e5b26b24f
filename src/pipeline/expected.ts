// What each restored collection must hold once a mode's copy is done, computed from what was
// read before: pure, so the rules (counts at T, dumped counts less failed documents, `_id`
// ranges, time-series buckets) are unit-tested without a server.
import { namespaceOf } from '../input/namespace.js'
import { buildsIndexes, rangedNamespaces } from '../input/parts.js'
import type { TransferPlan } from '../input/settings.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import type { Expected } from '../report/data-check.js'
import { bucketsOf, type CollectionInfo } from '../server/collection-options.js'
import { stateOf, type IndexSpec } from '../server/deployment.js'
import type { Manifest } from '../tools/manifest.js'
import type { NamespaceCount, RestoredNamespace } from '../tools/output.js'

/**
 * migrate, rehearse: a collection holds the source's count at T (a point-in-time copy holds the
 * dump plus the replayed writes), else what mongodump wrote less what failed, and the source's
 * indexes. A collection cut into `_id` ranges holds the sibling parts' documents too (checked
 * per range instead), and only the part with the first range builds its indexes.
 */
export function expectedOfCopy(
  restored: readonly RestoredNamespace[],
  dumped: readonly NamespaceCount[],
  source: ReadonlyMap<string, CollectionInfo>,
  pointInTime: boolean,
  transfer: TransferPlan
): Map<string, Expected> {
  const counts = new Map(dumped.map((d) => [d.namespace, d.documents]))
  const indexes = indexesOf(source)
  const ranged = new Set(rangedNamespaces(transfer))
  const indexHolders = new Set(
    transfer.namespaces.filter((l) => l.range && buildsIndexes(l)).map(namespaceOf)
  )
  return new Map(
    restored.map((r): [string, Expected] => {
      if (ranged.has(r.source)) {
        return [
          r.source,
          {
            documents: undefined,
            indexes: indexHolders.has(r.source) ? indexes.get(r.source) : undefined
          }
        ]
      }
      // A time-series collection is dumped as its buckets collection, restored under its own name.
      const count =
        (pointInTime ? source.get(r.source)?.documents : undefined) ??
        counts.get(r.source) ??
        counts.get(bucketsOf(r.source))
      return [
        r.source,
        {
          documents: count === undefined ? undefined : count - r.failures,
          indexes: indexes.get(r.source)
        }
      ]
    })
  )
}

/**
 * restore: the manifest's counts are what mongodump wrote (less what failed); without one, what
 * mongorestore read. The indexes are the dump's own.
 */
export function expectedOfDump(
  restored: readonly RestoredNamespace[],
  manifest: Manifest | undefined,
  indexes: ReadonlyMap<string, IndexSpec[]>
): Map<string, Expected> {
  const dumped = new Map(manifest?.namespaces.map((n) => [n.namespace, n.documents]))
  return new Map(
    restored.map((r): [string, Expected] => {
      const count = dumped.get(r.source) ?? dumped.get(bucketsOf(r.source))
      return [
        r.source,
        {
          documents: count === undefined ? r.documents : count - r.failures,
          indexes: indexes.get(r.source)
        }
      ]
    })
  )
}

/** catch-up after the cutover: exactly the source as it is now, count and indexes. */
export function expectedOfSource(
  planned: readonly PlannedNamespace[],
  source: ReadonlyMap<string, CollectionInfo>
): Map<string, Expected> {
  const indexes = indexesOf(source)
  return new Map(
    planned.map((p) => [
      p.source,
      { documents: source.get(p.source)?.documents, indexes: indexes.get(p.source) }
    ])
  )
}

function indexesOf(collections: ReadonlyMap<string, CollectionInfo>): Map<string, IndexSpec[]> {
  return new Map([...collections.values()].map((c) => [c.namespace, stateOf(c).indexes]))
}
