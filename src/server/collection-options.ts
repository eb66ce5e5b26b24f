// What each collection is, as the server describes it: its type, the options it was created
// with, its index definitions in full, and how many documents it holds, read in a few round
// trips per database (see readWith).
import { MongoServerError, type Db, type MongoClient, type Timestamp } from 'mongodb'
import { withSessionAt } from './read-at.js'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
import { collectionOf, dbOf } from '../input/namespace.js'
import { debug } from '../interface.js'
import type { MongoUri } from '../secrets.js'

export type CollectionType = 'collection' | 'view' | 'timeseries'

export interface CollectionInfo {
  namespace: string
  type: CollectionType
  /** The options listCollections reports (or the dump's metadata holds), as stored. */
  options: Record<string, unknown>
  /** Index definitions as listIndexes reports them; a view has none. */
  indexes: Record<string, unknown>[]
  /** Documents it holds (a time-series: its buckets, which the tools move); a view 0; unknown in a dump's metadata. */
  documents: number | undefined
}

/** The collection that holds a time-series collection's data, as mongodump 100.7 dumps it. */
export function bucketsOf(namespace: string): string {
  return `${dbOf(namespace)}.system.buckets.${collectionOf(namespace)}`
}

/** Each named namespace that exists, keyed by namespace; absent ones are left out. */
export async function readCollections(
  uri: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number,
  /** Count the documents as of this cluster time (a point-in-time copy's T). */
  readAt?: Timestamp
): Promise<Map<string, CollectionInfo>> {
  return uri.use('verify', timeoutMs, (client) => readWith(client, namespaces, readAt), {
    poolSize: SERVER_CONCURRENCY
  })
}

/**
 * Each collection's type, options and index definitions (one $listCatalog for the whole
 * deployment; listCollections for a database that holds views or time-series collections, whose
 * options the catalog does not show) and its count (one $collStats aggregation per database): a
 * round trip or two per database, not two per collection. Where the batched reads are refused (a
 * user without listDatabases, listCollections and listIndexes on the whole deployment; a server
 * before 6.0 or a mongos) each database is listed and each collection asked on its own, as
 * listIndexes and count.
 */
export async function readWith(
  client: MongoClient,
  namespaces: readonly string[],
  /** Counts as of this cluster time, each an aggregation with $count ($collStats cannot read at T). */
  readAt?: Timestamp
): Promise<Map<string, CollectionInfo>> {
  const byDatabase = new Map<string, string[]>()
  for (const namespace of namespaces) {
    const db = dbOf(namespace)
    byDatabase.set(db, [...(byDatabase.get(db) ?? []), collectionOf(namespace)])
  }
  const catalog = await tryCatalog(client, [...byDatabase.keys()])
  const found = new Map<string, CollectionInfo>()
  await forEachBounded([...byDatabase], SERVER_CONCURRENCY, async ([dbName, names]) => {
    const db = client.db(dbName)
    // The catalog answers for a database only when it shows every collection asked for, each a
    // plain collection (one it lacks, say on a mongos that shows one shard, is listed instead).
    const inCatalog = names.map((name) => catalog?.get(`${dbName}.${name}`))
    const listed: Listed[] =
      catalog && inCatalog.every((entry) => entry?.type === 'collection')
        ? (inCatalog as Listed[])
        : ((await db
            .listCollections(
              { name: { $in: names } },
              { nameOnly: false, authorizedCollections: true }
            )
            .toArray()) as Listed[])
    const type = (entry: Listed) => (entry.type ?? 'collection') as CollectionType
    // A time-series collection's documents are its buckets; a view has none of its own
    // (counting it would run its pipeline).
    const counted = listed
      .filter((entry) => type(entry) !== 'view')
      .map((entry) => (type(entry) === 'timeseries' ? `system.buckets.${entry.name}` : entry.name))
    const counts = readAt ? undefined : await tryCounts(db, counted)
    await Promise.all(
      listed.map(async (entry) => {
        const namespace = `${dbName}.${entry.name}`
        const options = entry.options ?? {}
        if (type(entry) === 'view') {
          found.set(namespace, { namespace, type: 'view', options, indexes: [], documents: 0 })
          return
        }
        const buckets = type(entry) === 'timeseries'
        const countedName = buckets ? `system.buckets.${entry.name}` : entry.name
        // The catalog holds a time-series collection's buckets indexes and no clustered index:
        // listIndexes translates those, so they are asked for on their own.
        const fromCatalog =
          !buckets && options['clusteredIndex'] === undefined
            ? catalog?.get(namespace)?.indexes
            : undefined
        const [indexes, documents] = await Promise.all([
          fromCatalog ?? db.collection(entry.name).listIndexes().toArray(),
          readAt
            ? countAt(client, db, countedName, readAt)
            : (counts?.get(countedName) ?? db.collection(countedName).estimatedDocumentCount())
        ])
        found.set(namespace, {
          namespace,
          type: type(entry),
          options,
          indexes: indexes as Record<string, unknown>[],
          documents
        })
      })
    )
  })
  return found
}

/** A collection's documents as of `at`. */
async function countAt(client: MongoClient, db: Db, name: string, at: Timestamp): Promise<number> {
  return withSessionAt(client, at, async (session) => {
    const [row] = await db
      .collection(name)
      .aggregate([{ $count: 'n' }], { session })
      .toArray()
    return (row?.['n'] as number | undefined) ?? 0
  })
}

/** A collection as listed: by listCollections, or by the catalog (with its indexes). */
interface Listed {
  name: string
  type?: string
  options?: Record<string, unknown>
  indexes?: Record<string, unknown>[]
}

/**
 * The named databases' collections from one `$listCatalog` (MongoDB 6.0+; the backup role may
 * run it), keyed by namespace: a collection with its options (as listCollections shows them) and
 * index definitions; a view or time-series collection by its type alone. Undefined when the
 * server refuses it.
 */
async function tryCatalog(
  client: MongoClient,
  databases: readonly string[]
): Promise<Map<string, Listed> | undefined> {
  try {
    const entries = await client
      .db('admin')
      .aggregate<{
        db: string
        name: string
        type: string
        md?: { options?: Record<string, unknown>; indexes?: { spec: Record<string, unknown> }[] }
      }>([
        { $listCatalog: {} },
        { $match: { db: { $in: databases } } },
        { $project: { db: 1, name: 1, type: 1, 'md.options': 1, 'md.indexes.spec': 1 } }
      ])
      .toArray()
    return new Map(
      entries.map((e) => {
        // listCollections shows the collection's uuid apart, not among its options.
        const options = Object.fromEntries(
          Object.entries(e.md?.options ?? {}).filter(([key]) => key !== 'uuid')
        )
        const indexes = (e.md?.indexes ?? []).map((index) => index.spec)
        return [`${e.db}.${e.name}`, { name: e.name, type: e.type, options, indexes }]
      })
    )
  } catch (error) {
    // Only the server's refusal is answered another way; a lost connection is the run's failure.
    if (!(error instanceof MongoServerError)) throw error
    debug(
      `$listCatalog refused (${String(error)}): each database's collections are listed on their own.`
    )
    return undefined
  }
}

/** Largest number of collections counted by one aggregation (a pipeline holds at most 1000 stages). */
const COUNTS_PER_AGGREGATION = 500

/**
 * The documents of each named collection from its metadata, one aggregation per 500 collections
 * ($collStats, then $unionWith the next); undefined when the server refuses it. A mongos answers
 * once per shard: the shards' counts are added up.
 */
async function tryCounts(
  db: Db,
  names: readonly string[]
): Promise<Map<string, number> | undefined> {
  const counts = new Map<string, number>()
  const stage = { $collStats: { count: {} } }
  try {
    for (let i = 0; i < names.length; i += COUNTS_PER_AGGREGATION) {
      const [first, ...rest] = names.slice(i, i + COUNTS_PER_AGGREGATION) as [string, ...string[]]
      const answers = await db
        .collection(first)
        .aggregate<{ ns: string; count: number }>([
          stage,
          ...rest.map((coll) => ({ $unionWith: { coll, pipeline: [stage] } }))
        ])
        .toArray()
      for (const { ns, count } of answers) {
        const name = ns.slice(db.databaseName.length + 1)
        counts.set(name, (counts.get(name) ?? 0) + count)
      }
    }
    return counts
  } catch (error) {
    // Only the server's refusal is answered another way; a lost connection is the run's failure.
    if (!(error instanceof MongoServerError)) throw error
    debug(
      `$collStats refused in ${db.databaseName} (${String(error)}): each collection is counted on its own.`
    )
    return undefined
  }
}
