// Content, not only counts: the same documents read from both sides as raw BSON and compared byte
// for byte, so a changed type (Date→string, Int64→Double) or a document the target kept from
// before a merge is caught. A difference is named by its `_id` only, never by a field's value.
import { BSON, type ClientSession, type Collection, type Db, type Document } from 'mongodb'
import type { SampleSize } from '../input/verify-sample.js'

// Documents per collection (`all`: every document): parsed with its input, verify-sample.
export type { SampleSize }

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
  documents?: number,
  /** The documents to sample from (e.g. those TTL may not have deleted yet); all by default. */
  filter: Document = {},
  /** Reads as of a point-in-time copy's T (server/read-at.ts). */
  session?: ClientSession
): AsyncGenerator<Uint8Array> {
  if (size === 'all' || (documents !== undefined && documents <= size)) {
    // A collection that grew since it was counted still gives `size` documents.
    const limit = size === 'all' ? 0 : size
    yield* source.find(filter, {
      sort: { _id: 1 },
      limit,
      raw: true,
      session
    }) as AsyncIterable<Uint8Array>
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
    const cursor = source.find(filter, { sort: { _id: direction }, limit, raw: true, session })
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
  const outcome = noOutcome()
  let batch: Buffer[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const cursor = target.find({ _id: { $in: idsOf(batch) } }, { raw: true })
    const found = new Map<string, Buffer>()
    for await (const raw of cursor as AsyncIterable<Uint8Array>) {
      found.set(idKey(raw), Buffer.from(raw))
    }
    judge(batch, found, outcome)
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

/** A collection of one database sampled whole (it holds no more than the sample): its name on each side. */
export interface WholePair {
  source: string
  target: string
  /** The source documents to sample from; all when absent. */
  filter?: Document
}

/**
 * The samples of small collections of one database, each read whole, in one aggregation on each
 * side instead of two queries per collection: every collection's documents joined by
 * `$unionWith` and wrapped as `{c: collection, d: document}`. `d` is the stored document byte for
 * byte (every BSON type, field order, -0.0 and NaN included: checked on 6.0.5 and 7.0.15), and
 * the target is asked by `_id` for exactly the documents the source gave. Keyed by the source
 * collection.
 */
export async function sampleWhole(
  sourceDb: Db,
  targetDb: Db,
  pairs: readonly WholePair[],
  size: number,
  /** Reads the source as of a point-in-time copy's T (server/read-at.ts). */
  sourceSession?: ClientSession
): Promise<Map<string, SampleOutcome>> {
  const fromSource = await unioned(
    sourceDb,
    pairs.map((p) => ({
      collection: p.source,
      stages: [...(p.filter ? [{ $match: p.filter }] : []), { $sort: { _id: 1 } }, { $limit: size }]
    })),
    sourceSession
  )
  const wanted = pairs.filter((p) => (fromSource.get(p.source)?.length ?? 0) > 0)
  const onTarget = await unioned(
    targetDb,
    wanted.map((p) => ({
      collection: p.target,
      stages: [{ $match: { _id: { $in: idsOf(fromSource.get(p.source) ?? []) } } }]
    }))
  )
  return new Map(
    pairs.map((p) => {
      const found = new Map((onTarget.get(p.target) ?? []).map((raw) => [idKey(raw), raw]))
      return [p.source, judge(fromSource.get(p.source) ?? [], found, noOutcome())]
    })
  )
}

/** Runs each collection's stages in one aggregation; the documents it gave, by collection. */
async function unioned(
  db: Db,
  parts: readonly { collection: string; stages: Document[] }[],
  session?: ClientSession
): Promise<Map<string, Buffer[]>> {
  const byCollection = new Map<string, Buffer[]>()
  const [first, ...rest] = parts
  if (!first) return byCollection
  const wrapped = (part: (typeof parts)[number]) => [
    ...part.stages,
    { $replaceWith: { c: { $literal: part.collection }, d: '$$ROOT' } }
  ]
  const cursor = db
    .collection(first.collection)
    .aggregate(
      [
        ...wrapped(first),
        ...rest.map((part) => ({ $unionWith: { coll: part.collection, pipeline: wrapped(part) } }))
      ],
      { raw: true, session }
    )
  for await (const raw of cursor as AsyncIterable<Uint8Array>) {
    const { collection, document } = unwrap(Buffer.from(raw))
    const documents = byCollection.get(collection)
    if (documents) documents.push(document)
    else byCollection.set(collection, [document])
  }
  return byCollection
}

/** `{c: <string>, d: <document>}` as the server wrote it: the name, and the document's own bytes. */
function unwrap(raw: Buffer): { collection: string; document: Buffer } {
  let collection: string | undefined
  let document: Buffer | undefined
  let at = 4
  while (raw[at] !== 0) {
    const type = raw[at] as number
    const nameEnd = raw.indexOf(0, at + 1)
    const name = raw.toString('utf8', at + 1, nameEnd)
    at = nameEnd + 1
    const length = raw.readInt32LE(at)
    if (type === 0x02 && name === 'c')
      collection = raw.toString('utf8', at + 4, at + 4 + length - 1)
    else if (type === 0x03 && name === 'd') document = raw.subarray(at, at + length)
    else throw new Error(`unexpected field ${name} (type ${type}) in a wrapped sample document`)
    at += type === 0x02 ? 4 + length : length
  }
  if (collection === undefined || document === undefined) {
    throw new Error('a wrapped sample document lacks its collection or its document')
  }
  return { collection, document }
}

/** Unpromoted `_id`s: the lookup asks for the exact BSON type the source holds. */
function idsOf(documents: readonly Buffer[]): BSON.ObjectId[] {
  // Typed as ObjectId for the driver's filter type; any BSON type passes through as it is.
  return documents.map((raw) => idOf(raw) as BSON.ObjectId)
}

/** Counts the source documents missing from `found` or different in it, byte for byte. */
function judge(
  sourceDocuments: readonly Buffer[],
  found: ReadonlyMap<string, Buffer>,
  outcome: SampleOutcome
): SampleOutcome {
  for (const raw of sourceDocuments) {
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
  outcome.compared += sourceDocuments.length
  return outcome
}

function noOutcome(): SampleOutcome {
  return { compared: 0, differing: 0, differingIds: [], missing: 0, missingIds: [] }
}

/** The `_id`s a failure may name: a few, as relaxed extended JSON. */
export function namedIds(ids: readonly string[], total: number): string {
  const shown = ids.slice(0, NAMED).join(', ')
  return total > NAMED ? `${shown} and ${total - NAMED} more` : shown
}

/** A document's `_id` as relaxed extended JSON: a stable key, and what a report may print. */
function idKey(raw: Uint8Array): string {
  return BSON.EJSON.stringify(idOf(raw) ?? null, { relaxed: true })
}

/**
 * A document's `_id`, unpromoted. The server stores `_id` as the first field: only its bytes are
 * decoded (the sample reads every document's `_id` two or three times, and most of a document
 * is not `_id`); anything else is decoded whole.
 */
function idOf(raw: Uint8Array): unknown {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const end = bytes[4] === undefined ? undefined : firstIdEnd(bytes)
  const doc =
    end === undefined
      ? bytes
      : Buffer.concat([int32(end - 4 + 5), bytes.subarray(4, end), Buffer.from([0])])
  return BSON.deserialize(doc, { promoteValues: false })['_id']
}

/** Where the first element ends, when it is `_id` of a type whose size is known; else undefined. */
function firstIdEnd(bytes: Buffer): number | undefined {
  const type = bytes[4] as number
  if (bytes.toString('latin1', 5, 9) !== '_id\0') return undefined
  const at = 9
  const fixed: Record<number, number> = {
    0x01: 8,
    0x07: 12,
    0x08: 1,
    0x09: 8,
    0x0a: 0,
    0x10: 4,
    0x11: 8,
    0x12: 8,
    0x13: 16,
    0x7f: 0,
    0xff: 0
  }
  const size = fixed[type]
  if (size !== undefined) return at + size
  // A string; a document or an array; binary data (length, subtype, bytes).
  if (type === 0x02) return at + 4 + bytes.readInt32LE(at)
  if (type === 0x03 || type === 0x04) return at + bytes.readInt32LE(at)
  if (type === 0x05) return at + 5 + bytes.readInt32LE(at)
  return undefined
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32LE(n)
  return b
}
