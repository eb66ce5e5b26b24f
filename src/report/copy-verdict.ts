// Judges the deeper checks of the copy: any option, index or sampled document that differs fails
// the step, with what differs; a sampled document is named by its `_id`, never by its values.
import { GuardError } from '../errors.js'
import type { CopyCheck } from './verify-copy.js'
import type { Mismatch } from './data-check.js'
import { namedIds } from '../server/sample.js'

/** The failure for what differs, with the count and index mismatches found beside it; undefined when nothing does. */
export function copyFailure(
  check: CopyCheck,
  mismatches: readonly Mismatch[]
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
