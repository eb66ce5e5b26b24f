// The deeper checks of a restored copy: each collection's type, options and indexes against the
// source (or the dump's metadata), and a sample of its documents byte for byte. Returns what it
// found; the pipeline records it and `copyFailure` judges it.
import { BSON, type Document, type MongoClient, type Timestamp } from 'mongodb'
import { isExpired, liveFilter, type Expiring } from '../server/expiry.js'
import { isSnapshotTooOld, sessionAt, tooOldToVerify, withSessionAt } from '../server/read-at.js'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
import { compareOptions, type OptionDifference } from './compare-options.js'
import { collectionOf, dbOf } from '../input/namespace.js'
import type { MongoUri } from '../secrets.js'
import { bsonFile, dumpDocuments } from '../tools/dump-documents.js'
import type { RestoredNamespace } from '../tools/output.js'
import { bucketsOf, type CollectionInfo } from '../server/collection-options.js'
import { classify } from '../server/probe.js'
import {
  compareWithTarget,
  sampleWhole,
  serverSample,
  type SampleOutcome,
  type SampleSize
} from '../server/sample.js'

/**
 * What the copy is compared with: the source deployment, or the dump it was restored from, with
 * the collections it describes (read once by the Verify step, or from the dump's metadata).
 */
export type Reference = { collections: ReadonlyMap<string, CollectionInfo> } & (
  | {
      kind: 'server'
      uri: MongoUri
      /** A point-in-time copy's T: the source's documents are read as of T. */
      readAt?: Timestamp
    }
  | { kind: 'dump'; path: string; format: 'directory' | 'archive' }
)

export interface SampleRecord extends SampleOutcome {
  /** The target namespace (a time-series: its buckets collection, where its data is). */
  namespace: string
  durationMs: number
  /** Why this collection was not sampled. */
  skipped: string | undefined
}

export interface CopyCheck {
  /** The options and indexes check: whether it ran (else why not), what differs, what it cost. */
  options: {
    checked: boolean
    reason: string | undefined
    collections: number
    differences: OptionDifference[]
    durationMs: number
  }
  sampleSize: SampleSize
  samples: SampleRecord[]
}

export async function checkCopy(
  reference: Reference,
  target: MongoUri,
  /** The restored collections as the target describes them; undefined: its user may not list them. */
  actual: ReadonlyMap<string, CollectionInfo> | undefined,
  restored: readonly RestoredNamespace[],
  sampleSize: SampleSize,
  timeoutMs: number,
  /**
   * Source namespaces this run fills only in part (a split migration's `_id` ranges): their
   * options are compared, but not their indexes (one sibling part builds them) nor a sample
   * (its documents may belong to a sibling's range); the verify job checks the whole.
   */
  partial: ReadonlySet<string> = new Set(),
  /** Per source namespace, the expiry rules whose expired documents the sample leaves out. */
  live: ReadonlyMap<string, Expiring> = new Map()
): Promise<CopyCheck> {
  return target.use(
    'verify',
    timeoutMs,
    async (targetClient) => {
      if (reference.kind === 'dump') {
        return check(
          reference,
          undefined,
          targetClient,
          actual,
          restored,
          sampleSize,
          partial,
          live
        )
      }
      const { uri } = reference
      return uri
        .use(
          'verify',
          timeoutMs,
          (sourceClient) =>
            check(
              reference,
              sourceClient,
              targetClient,
              actual,
              restored,
              sampleSize,
              partial,
              live
            ),
          { poolSize: SERVER_CONCURRENCY }
        )
        .catch((error: unknown) => {
          throw isSnapshotTooOld(error) ? tooOldToVerify(uri) : error
        })
    },
    { poolSize: SERVER_CONCURRENCY }
  )
}

async function check(
  reference: Reference,
  sourceClient: MongoClient | undefined,
  targetClient: MongoClient,
  actual: ReadonlyMap<string, CollectionInfo> | undefined,
  restored: readonly RestoredNamespace[],
  sampleSize: SampleSize,
  partial: ReadonlySet<string>,
  live: ReadonlyMap<string, Expiring>
): Promise<CopyCheck> {
  const started = Date.now()
  const skipped = (reason: string): CopyCheck => ({
    options: { checked: false, reason, collections: 0, differences: [], durationMs: 0 },
    sampleSize,
    samples: []
  })
  if (actual === undefined) {
    return skipped('the target user may not list the restored collections and their indexes')
  }
  const expected = reference.collections
  const options = {
    checked: true,
    reason: undefined,
    collections: restored.length,
    differences: compareOptions(
      restored,
      withoutIndexes(expected, partial),
      withoutIndexes(
        actual,
        new Set(restored.filter((r) => partial.has(r.source)).map((r) => r.target))
      )
    ),
    durationMs: Date.now() - started
  }
  const sampled =
    sampleSize === 0
      ? []
      : restored.filter((pair) => {
          const type = expected.get(pair.source)?.type ?? actual.get(pair.target)?.type
          return type !== 'view' && !partial.has(pair.source)
        })
  // A collection no larger than the sample is read whole, with the other small ones of its
  // database in one aggregation per side; the rest one by one, a few at once.
  const whole =
    sourceClient && typeof sampleSize === 'number'
      ? sampled.filter((pair) => {
          const info = expected.get(pair.source)
          return info?.type === 'collection' && (info.documents ?? Infinity) <= sampleSize
        })
      : []
  const wholeSet = new Set(whole)
  const single = sampled.filter((pair) => !wholeSet.has(pair))
  const records = new Map<RestoredNamespace, SampleRecord>()
  await Promise.all([
    forEachBounded(batchesOf(whole, expected), SERVER_CONCURRENCY, async (batch) => {
      const sampledWhole = await sampleBatch(
        reference,
        sourceClient as MongoClient,
        targetClient,
        batch,
        sampleSize as number,
        live
      )
      for (const [pair, record] of sampledWhole) records.set(pair, record)
    }),
    forEachBounded(single, SERVER_CONCURRENCY, async (pair) => {
      const type = expected.get(pair.source)?.type ?? actual.get(pair.target)?.type
      records.set(
        pair,
        await sampleOne(reference, sourceClient, targetClient, pair, type, sampleSize, live)
      )
    })
  ])
  const samples = sampled.map((pair) => records.get(pair) as SampleRecord)
  return { options, sampleSize, samples }
}

/** Collections sampled together: those of one database pair, up to about a thousand documents. */
function batchesOf(
  pairs: readonly RestoredNamespace[],
  expected: ReadonlyMap<string, CollectionInfo>
): RestoredNamespace[][] {
  const batches: RestoredNamespace[][] = []
  const open = new Map<string, { pairs: RestoredNamespace[]; documents: number }>()
  for (const pair of pairs) {
    const key = `${dbOf(pair.source)}\u0000${dbOf(pair.target)}`
    const documents = expected.get(pair.source)?.documents ?? 0
    let batch = open.get(key)
    if (!batch || batch.documents + documents > WHOLE_BATCH_DOCUMENTS) {
      batch = { pairs: [], documents: 0 }
      open.set(key, batch)
      batches.push(batch.pairs)
    }
    batch.pairs.push(pair)
    batch.documents += documents
  }
  return batches
}

/** Documents one batch of whole collections reads on each side. */
const WHOLE_BATCH_DOCUMENTS = 1000

/**
 * One batch of small collections sampled whole; each record's time is its share of the batch's.
 * A user who may not read one of them is asked collection by collection, which names it.
 */
async function sampleBatch(
  reference: Reference,
  sourceClient: MongoClient,
  targetClient: MongoClient,
  batch: readonly RestoredNamespace[],
  size: number,
  live: ReadonlyMap<string, Expiring>
): Promise<[RestoredNamespace, SampleRecord][]> {
  const started = Date.now()
  const [first] = batch as [RestoredNamespace]
  try {
    const outcomes = await withSessionAt(sourceClient, readAtOf(reference), (session) =>
      sampleWhole(
        sourceClient.db(dbOf(first.source)),
        targetClient.db(dbOf(first.target)),
        batch.map((pair) => ({
          source: collectionOf(pair.source),
          target: collectionOf(pair.target),
          filter: filterOf(live.get(pair.source))
        })),
        size,
        session
      )
    )
    const share = Math.round((Date.now() - started) / batch.length)
    return batch.map((pair) => [
      pair,
      {
        namespace: pair.target,
        ...(outcomes.get(collectionOf(pair.source)) as SampleOutcome),
        durationMs: share,
        skipped: undefined
      }
    ])
  } catch (error) {
    if (classify(error) !== 'unauthorized') throw error
    return Promise.all(
      batch.map(async (pair): Promise<[RestoredNamespace, SampleRecord]> => [
        pair,
        await sampleOne(reference, sourceClient, targetClient, pair, 'collection', size, live)
      ])
    )
  }
}

/** The collections, with the indexes of `namespaces` left out of the comparison. */
function withoutIndexes(
  collections: ReadonlyMap<string, CollectionInfo>,
  namespaces: ReadonlySet<string>
): ReadonlyMap<string, CollectionInfo> {
  if (namespaces.size === 0) return collections
  return new Map(
    [...collections].map(([ns, info]) => [ns, namespaces.has(ns) ? { ...info, indexes: [] } : info])
  )
}

async function sampleOne(
  reference: Reference,
  sourceClient: MongoClient | undefined,
  targetClient: MongoClient,
  pair: RestoredNamespace,
  type: CollectionInfo['type'] | undefined,
  size: SampleSize,
  live: ReadonlyMap<string, Expiring>
): Promise<SampleRecord> {
  // A time-series collection's documents are its buckets: those are what the tools move.
  const [from, to] =
    type === 'timeseries'
      ? [bucketsOf(pair.source), bucketsOf(pair.target)]
      : [pair.source, pair.target]
  const started = Date.now()
  const record = (outcome: SampleOutcome, skipped?: string): SampleRecord => ({
    namespace: to,
    ...outcome,
    durationMs: Date.now() - started,
    skipped
  })
  const none = { compared: 0, differing: 0, differingIds: [], missing: 0, missingIds: [] }
  let documents: AsyncIterable<Uint8Array>
  const session = sourceClient && (await sessionAt(sourceClient, readAtOf(reference)))
  if (sourceClient) {
    documents = serverSample(
      collection(sourceClient, from),
      size,
      reference.collections.get(pair.source)?.documents,
      filterOf(live.get(pair.source)),
      session
    )
  } else {
    const dump = reference as Extract<Reference, { kind: 'dump' }>
    if (dump.format === 'archive')
      return record(none, 'an archive file is not sampled (a dump directory is)')
    const file = bsonFile(dump.path, from)
    if (!file) return record(none, 'the dump holds no documents file for it')
    documents = notExpired(
      dumpDocuments(file, live.has(pair.source) ? 'all' : size),
      size,
      live.get(pair.source)
    )
  }
  try {
    return record(await compareWithTarget(documents, collection(targetClient, to)))
  } catch (error) {
    if (classify(error) !== 'unauthorized') throw error
    return record(none, 'the target user may not read the collection')
  } finally {
    await session?.endSession()
  }
}

function filterOf(expiring: Expiring | undefined): Document | undefined {
  return expiring && liveFilter(expiring.rules, expiring.at)
}

/** A dump's documents without those TTL may have deleted, up to `size` of them. */
async function* notExpired(
  documents: AsyncIterable<Uint8Array>,
  size: SampleSize,
  expiring: Expiring | undefined
): AsyncGenerator<Uint8Array> {
  let taken = 0
  for await (const raw of documents) {
    if (expiring && isExpired(BSON.deserialize(raw), expiring)) continue
    yield raw
    if (size !== 'all' && ++taken >= size) return
  }
}

function readAtOf(reference: Reference): Timestamp | undefined {
  return reference.kind === 'server' ? reference.readAt : undefined
}

function collection(client: MongoClient, namespace: string) {
  return client.db(dbOf(namespace)).collection(collectionOf(namespace))
}
