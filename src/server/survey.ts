// The questions a split migration asks the servers: each collection's size, count and indexes
// (to balance the parts), split points of a large collection's `_id`s, the documents in an `_id`
// range, and the creation of a collection its sibling parts fill at once.
import { MongoServerError, type Document } from 'mongodb'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
import { collectionOf, dbOf } from '../input/namespace.js'
import type { MongoUri } from '../secrets.js'
import { indexSpec, type IndexSpec } from './deployment.js'

export interface CollectionSize {
  namespace: string
  /** Uncompressed BSON bytes: what the tools move. */
  bytes: number
  documents: number
  indexes: IndexSpec[]
}

/** Size, count and indexes of each collection, a few at once. */
export async function collectionSizes(
  uri: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<CollectionSize[]> {
  return uri.use(
    'plan',
    timeoutMs,
    (c) =>
      forEachBounded(namespaces, SERVER_CONCURRENCY, async (namespace) => {
        const collection = c.db(dbOf(namespace)).collection(collectionOf(namespace))
        const [stats] = await collection
          .aggregate([
            { $collStats: { storageStats: {} } },
            { $project: { storageStats: { size: 1, count: 1 } } }
          ])
          .toArray()
        const indexes = await collection.listIndexes().toArray()
        return {
          namespace,
          bytes: Number(stats?.['storageStats']?.['size'] ?? 0),
          documents: Number(stats?.['storageStats']?.['count'] ?? 0),
          indexes: indexes.map(indexSpec)
        }
      }),
    { poolSize: SERVER_CONCURRENCY }
  )
}

// `_id` types whose values can be cut into ranges, by comparison bracket (the types that
// compare with each other): numbers of every width, and strings with symbols.
const BRACKETS: Record<string, string> = {
  double: 'number',
  int: 'number',
  long: 'number',
  decimal: 'number',
  string: 'string',
  symbol: 'string',
  objectId: 'objectId',
  date: 'date'
}
const TYPES_OF: Record<string, string[]> = {
  number: ['double', 'int', 'long', 'decimal'],
  string: ['string', 'symbol'],
  objectId: ['objectId'],
  date: ['date']
}
// Documents sampled to find the most common `_id` type.
const TYPE_SAMPLE = 256

/**
 * Up to `pieces - 1` split points of the collection's `_id`s, sorted, all of the bracket most
 * common in a small random sample, at exact quantiles of that bracket: the server walks the
 * `_id` index to each one (skip), so the pieces hold equal numbers of documents. ($sample's
 * random cursor is not uniform enough on WiredTiger: split points taken from it gave parts of
 * 12.5, 6.6 and 5.0 MB for 24 MB in 3.) None when the collection has no splittable `_id` type.
 */
export async function splitPoints(
  uri: MongoUri,
  namespace: string,
  pieces: number,
  timeoutMs: number
): Promise<unknown[]> {
  if (pieces < 2) return []
  return uri.use('plan', timeoutMs, async (c) => {
    const collection = c.db(dbOf(namespace)).collection(collectionOf(namespace))
    const types = await collection
      .aggregate([
        { $sample: { size: TYPE_SAMPLE } },
        { $group: { _id: { $type: '$_id' }, n: { $sum: 1 } } }
      ])
      .toArray()
    const byBracket = new Map<string, number>()
    for (const t of types) {
      const bracket = BRACKETS[String(t._id)]
      if (bracket) byBracket.set(bracket, (byBracket.get(bracket) ?? 0) + Number(t['n']))
    }
    const bracket = [...byBracket].sort((a, b) => b[1] - a[1])[0]?.[0]
    if (bracket === undefined) return []
    const inBracket: Document = { _id: { $type: TYPES_OF[bracket] } }
    const documents = await collection.countDocuments(inBracket)
    const points: unknown[] = []
    for (let j = 1; j < pieces; j++) {
      const [doc] = await collection
        .find(inBracket, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .skip(Math.floor((j * documents) / pieces))
        .limit(1)
        .toArray()
      const point: unknown = doc?._id
      const last = points.at(-1)
      // NaN compares with nothing; an equal point would make an empty range.
      if (point === undefined || (typeof point === 'number' && Number.isNaN(point))) continue
      if (last === undefined || JSON.stringify(last) !== JSON.stringify(point)) points.push(point)
    }
    return points
  })
}

/** Documents in each `_id` range (or the whole collection when it has none), a few at once. */
export async function rangeCounts(
  uri: MongoUri,
  pieces: readonly { namespace: string; range: Document | undefined }[],
  timeoutMs: number
): Promise<number[]> {
  return uri.use(
    'verify',
    timeoutMs,
    (c) =>
      forEachBounded(pieces, SERVER_CONCURRENCY, ({ namespace, range }) => {
        const collection = c.db(dbOf(namespace)).collection(collectionOf(namespace))
        return range === undefined
          ? collection.estimatedDocumentCount()
          : collection.countDocuments({ _id: range })
      }),
    { poolSize: SERVER_CONCURRENCY }
  )
}

// Server error code (src/mongo/base/error_codes.yml).
const NAMESPACE_EXISTS = 48

/**
 * Creates each collection on the target with the source's options unless it exists, so that
 * the sibling parts filling it at once never race to create it (mongorestore creates a
 * collection only when it is absent).
 */
export async function ensureCollections(
  source: MongoUri,
  target: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<void> {
  const options = await source.use('plan', timeoutMs, (c) =>
    forEachBounded(namespaces, SERVER_CONCURRENCY, async (ns) => {
      const [info] = await c
        .db(dbOf(ns))
        .listCollections({ name: collectionOf(ns) })
        .toArray()
      return (info as Document | undefined)?.['options'] as Document | undefined
    })
  )
  await target.use('restore', timeoutMs, async (c) => {
    for (const [i, ns] of namespaces.entries()) {
      try {
        await c.db(dbOf(ns)).createCollection(collectionOf(ns), options[i] ?? {})
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error
      }
    }
  })
}

// Server error code (src/mongo/base/error_codes.yml).
const NAMESPACE_NOT_FOUND = 26

/** Each collection's indexes; an empty list for a collection that does not exist (yet). */
export async function indexesOf(
  uri: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<IndexSpec[][]> {
  return uri.use(
    'verify',
    timeoutMs,
    (c) =>
      forEachBounded(namespaces, SERVER_CONCURRENCY, async (ns) => {
        try {
          const indexes = await c.db(dbOf(ns)).collection(collectionOf(ns)).listIndexes().toArray()
          return indexes.map(indexSpec)
        } catch (error) {
          if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return []
          throw error
        }
      }),
    { poolSize: SERVER_CONCURRENCY }
  )
}
