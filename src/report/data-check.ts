// Verification of the restored data: each restored collection's document count and index
// definitions against what was expected (the source, or the dump's own metadata).
import { GuardError } from '../errors.js'
import type { CollectionState, IndexSpec } from '../server/deployment.js'
import type { RestoredNamespace } from '../tools/output.js'

export interface Expected {
  /** Documents the target collection must hold; undefined: not checked. */
  documents: number | undefined
  /** Index definitions it must have; undefined: not checked. */
  indexes: IndexSpec[] | undefined
}

export interface Mismatch {
  namespace: string
  /** What was compared: the collection's presence, its document count, or its index definitions. */
  check: 'presence' | 'count' | 'indexes'
  problem: string
}

/**
 * Compares each restored collection on the target with what was expected of it. With `exact`
 * false (a merge into existing collections) the target may hold more documents.
 */
export function compareCollections(
  restored: readonly RestoredNamespace[],
  expected: ReadonlyMap<string, Expected>,
  actual: readonly CollectionState[],
  exact: boolean
): Mismatch[] {
  const byNamespace = new Map(actual.map((a) => [a.namespace, a]))
  return restored.flatMap(({ source, target }): Mismatch[] => {
    const want = expected.get(source)
    const have = byNamespace.get(target)
    if (!want) return []
    // mongorestore said it restored this collection: its absence on the target is a loss.
    if (!have) return [{ namespace: target, check: 'presence', problem: 'missing on the target' }]
    const problems: Mismatch[] = []
    if (want.documents !== undefined) {
      const ok = exact ? have.documents === want.documents : have.documents >= want.documents
      if (!ok)
        problems.push({
          namespace: target,
          check: 'count',
          problem: `${have.documents} documents, expected ${exact ? '' : 'at least '}${want.documents}`
        })
    }
    const indexes = want.indexes && missingIndexes(want.indexes, have.indexes)
    if (indexes) problems.push({ namespace: target, check: 'indexes', problem: indexes })
    return problems
  })
}

/** The expected indexes the target lacks or defines otherwise, as a problem; undefined when none. */
export function missingIndexes(
  want: readonly { name: string; definition: string }[],
  have: readonly { name: string; definition: string }[]
): string | undefined {
  const present = new Set(have.map((i) => `${i.name} ${i.definition}`))
  const missing = want.filter((i) => !present.has(`${i.name} ${i.definition}`))
  if (missing.length === 0) return undefined
  return `missing or different indexes: ${missing.map((i) => i.name).join(', ')}`
}

export function checkMismatches(mismatches: readonly Mismatch[]): void {
  if (mismatches.length === 0) return
  throw new GuardError(
    'DataMismatch',
    'Restored data differs from the source',
    `The restored collections differ from what was dumped: ${mismatches.map((m) => `${m.namespace}: ${m.problem}`).join('; ')}. The target holds an incomplete copy; do not switch the application to it.`
  )
}
