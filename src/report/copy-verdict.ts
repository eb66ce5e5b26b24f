// Judges the deeper checks of the copy: any option, index or sampled document that differs fails
// the step, with what differs; a sampled document is named by its `_id`, never by its values.
import { GuardError } from '../errors.js'
import type { CopyCheck } from './verify-copy.js'
import type { Mismatch } from './data-check.js'
import { namedIds } from '../server/sample.js'
import type { SourceWrites } from '../server/source-writes.js'

/**
 * The failure for what differs, with the count and index mismatches found beside it; undefined
 * when nothing does. When only sampled documents differ and the source took writes while it was
 * copied, the source is the cause, not the target: the counts match what the dump read.
 */
export function copyFailure(
  check: CopyCheck,
  mismatches: readonly Mismatch[],
  writes?: SourceWrites
): GuardError | undefined {
  const options = check.options.differences.map(
    (d) => `${d.namespace} ${d.option}: source ${d.source}, target ${d.target}`
  )
  const samples = check.samples.flatMap((s) => {
    const parts = [
      s.differing > 0
        ? `${s.differing} differ byte for byte (_id ${namedIds(s.differingIds, s.differing)})`
        : '',
      s.missing > 0 ? `${s.missing} missing (_id ${namedIds(s.missingIds, s.missing)})` : ''
    ].filter((p) => p !== '')
    return parts.length === 0
      ? []
      : [`${s.namespace}: of ${s.compared} sampled documents, ${parts.join(', ')}`]
  })
  // The options check names each index field that differs; the coarser index mismatch would repeat it.
  const others = check.options.checked
    ? mismatches.filter((m) => m.check !== 'indexes')
    : mismatches
  if (options.length === 0 && samples.length === 0) return undefined
  if (writes && writes.total > 0 && options.length === 0 && others.length === 0) {
    return sourceChanged(writes, samples)
  }
  const what = [
    options.length > 0 ? `options or indexes differ from the source: ${options.join('; ')}` : '',
    samples.length > 0 ? `documents differ from the source: ${samples.join('; ')}` : '',
    others.length > 0
      ? `counts or indexes differ: ${others.map((m) => `${m.namespace}: ${m.problem}`).join('; ')}`
      : ''
  ].filter((p) => p !== '')
  return new GuardError(
    'DataMismatch',
    options.length > 0
      ? 'Restored collections differ from the source'
      : 'Restored documents differ from the source',
    `The restore finished, but ${what.join('. And ')}. mongorestore exits 0 when it keeps an existing collection's options, recreates a view with its stages' fields in another order (tools 100.7.0), or skips documents it cannot insert; the target does not hold a faithful copy. Drop or fix the target's collections and restore again (drop: true replaces them).`
  )
}

/** The source moved on while it was read: names its writes and the ways to a copy that verifies. */
export function sourceChanged(writes: SourceWrites, samples: readonly string[]): GuardError {
  const where = writes.namespaces
    .slice(0, NAMED_NAMESPACES)
    .map((n) => `${n.writes} in ${n.namespace}`)
    .join(', ')
  const more = writes.namespaces.length > NAMED_NAMESPACES ? ', and more' : ''
  return new GuardError(
    'SourceChanged',
    'The source changed while it was copied',
    `The source took ${writes.total} writes while it was copied (${where}${more}), and the copy check, which reads the source as it is now, found what they changed: ${samples.join('; ')}. The source was read collection by collection, not at one point in time, so the target holds each collection as the dump read it; the restore is not the cause, and the target needs no fix. For a copy that verifies, stop the application's writes to the source during the copy, or copy from a replica-set member (with a user who may read the oplog) so that the copy is one point in time.`
  )
}

// Namespaces a failure names; the report keeps them all.
const NAMED_NAMESPACES = 5
