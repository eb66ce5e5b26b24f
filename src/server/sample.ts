// Content, not only counts: the same documents read from both sides as raw BSON and compared byte
// for byte, so a changed type (Date→string, Int64→Double) or a document the target kept from
// before a merge is caught. A difference is named by its `_id` only, never by a field's value.
import type { SampleSize } from '../input/verify-sample.js'
export type { SampleSize }
import { BSON, type Collection, type Document } from 'mongodb'

/** Documents per collection; `all` compares every document. */

export interface SampleOutcome {
  /** Documents read from the source side and looked up on the target. */
  compared: number
  /** How many differ byte for byte on the target, and the first `_id`s (relaxed extended JSON). */
  differing: number
  differingIds: string[]
  /** How many are missing on the target, and the first `_id`s. */
  missing: number
  missingIds: string[]
}

// How many `_id`s one `$in` lookup on the target carries.
const BATCH = 1000
// How many `_id`s the report keeps per collection, and how many a failure message names.
const KEPT = 100
const NAMED = 10

/**
 * The source documents to compare, in `_id` order. A number takes the first half from the low
 * end of the `_id` index and the rest from the high end: deterministic (the same `_id`s on both
 * sides, run after run), cheap (two index walks, no collection scan, unlike `$sample`), and the
 * high end is where ObjectIds put the newest documents, the ones a live source or a merge
 * changes most.
 */
export async function* serverSample(
  source: Collection,
  size: SampleSize,
  /** The collection's count as read before, if known: a collection no larger is read in one query. */
  documents?: number
): AsyncGenerator<Uint8Array> {
  if (size === 'all' || (documents !== undefined && documents <= size)) {
    // A collection that grew since it was counted still gives `size` documents.
    const limit = size === 'all' ? 0 : size
    yield* source.find({}, { sort: { _id: 1 }, limit, raw: true }) as AsyncIterable<Uint8Array>
    return
  }
  const low = Math.ceil(size / 2)
  const seen = new Set<string>()
  // A limit of 0 means no limit to the server: ask only for the ends that are wanted.
  const ends = [
    { direction: 1 as const, limit: low },
    { direction: -1 as const, limit: size - low }
  ].filter((end) => end.limit > 0)
  for (const { direction, limit } of ends) {
    const cursor = source.find({}, { sort: { _id: direction }, limit, raw: true })
    for await (const raw of cursor as AsyncIterable<Uint8Array>) {
      const key = idKey(raw)
      if (seen.has(key)) continue
      seen.add(key)
      yield raw
    }
  }
}

/** Looks each source document up on the target by `_id` and compares the bytes. */
export async function compareWithTarget(
  sourceDocuments: AsyncIterable<Uint8Array>,
  target: Collection
): Promise<SampleOutcome> {
  const outcome: SampleOutcome = {
    compared: 0,
    differing: 0,
    differingIds: [],
    missing: 0,
    missingIds: []
  }
  let batch: Buffer[] = []
  const flush = async () => {
    if (batch.length === 0) return
    // Unpromoted: the lookup asks for the exact BSON type the source holds.
    const ids = batch.map(
      (raw) => BSON.deserialize(raw, { promoteValues: false })['_id'] as BSON.ObjectId
    )
    const found = new Map<string, Buffer>()
    const cursor = target.find({ _id: { $in: ids } }, { raw: true }) as AsyncIterable<Uint8Array>
    for await (const raw of cursor) found.set(idKey(raw), Buffer.from(raw))
    for (const raw of batch) {
      const key = idKey(raw)
      const other = found.get(key)
      if (!other) {
        outcome.missing += 1
        if (outcome.missingIds.length < KEPT) outcome.missingIds.push(key)
      } else if (!other.equals(raw)) {
        outcome.differing += 1
        if (outcome.differingIds.length < KEPT) outcome.differingIds.push(key)
      }
    }
    outcome.compared += batch.length
    batch = []
  }
  for await (const raw of sourceDocuments) {
    // The driver may reuse the bytes it hands out: keep a copy.
    batch.push(Buffer.from(raw))
    if (batch.length >= BATCH) await flush()
  }
  await flush()
  return outcome
}

/** The `_id`s a failure may name: a few, as relaxed extended JSON. */
export function namedIds(ids: readonly string[], total: number): string {
  const shown = ids.slice(0, NAMED).join(', ')
  return total > NAMED ? `${shown} and ${total - NAMED} more` : shown
}

/** A document's `_id` as relaxed extended JSON: a stable key, and what a report may print. */
function idKey(raw: Uint8Array): string {
  const id = BSON.deserialize(raw, { promoteValues: false })['_id'] as Document | undefined
  return BSON.EJSON.stringify(id ?? null, { relaxed: true })
}
