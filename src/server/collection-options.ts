// What each collection is, as the server describes it: its type, the options it was created
// with, its index definitions in full, and how many documents it holds, read in a few round
// trips per database (see readWith).
import type { Db, MongoClient } from 'mongodb'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
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
  const [db, ...rest] = namespace.split('.')
  return `${db}.system.buckets.${rest.join('.')}`
}

/** Each named namespace that exists, keyed by namespace; absent ones are left out. */
export async function readCollections(
  uri: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<Map<string, CollectionInfo>> {
  return uri.use(
    'verify',
    timeoutMs,
    (client) => readWith(client, namespaces),
    false,
    SERVER_CONCURRENCY
  )
}

/**
 * Each collection's type and options (one listCollections per database), its index definitions
 * (one $listCatalog for the whole deployment) and its count (one $collStats aggregation per
 * database): a few round trips per database, not two per collection. Where the batched reads are
 * refused (a user without listDatabases, listCollections and listIndexes on the whole
 * deployment; a server before 6.0 or a mongos) each collection is asked on its own, as
 * listIndexes and count.
 */
export async function readWith(
  client: MongoClient,
  namespaces: readonly string[]
): Promise<Map<string, CollectionInfo>> {
  const byDatabase = new Map<string, string[]>()
  for (const namespace of namespaces) {
    const [db, ...rest] = namespace.split('.')
    byDatabase.set(db as string, [...(byDatabase.get(db as string) ?? []), rest.join('.')])
  }
  const catalog = await tryCatalogIndexes(client, [...byDatabase.keys()])
  const found = new Map<string, CollectionInfo>()
  await forEachBounded([...byDatabase], SERVER_CONCURRENCY, async ([dbName, names]) => {
    const db = client.db(dbName)
    const listed = await db
      .listCollections({ name: { $in: names } }, { nameOnly: false, authorizedCollections: true })
      .toArray()
    const type = (entry: (typeof listed)[number]) => (entry.type ?? 'collection') as CollectionType
    // A time-series collection's documents are its buckets; a view has none of its own
    // (counting it would run its pipeline).
    const counted = listed
      .filter((entry) => type(entry) !== 'view')
      .map((entry) =>
        type(entry) === 'timeseries' ? `system.buckets.${entry.name}` : (entry.name as string)
      )
    const counts = await tryCounts(db, counted)
    await Promise.all(
      listed.map(async (entry) => {
        const namespace = `${dbName}.${entry.name}`
        const options = (entry.options ?? {}) as Record<string, unknown>
        if (type(entry) === 'view') {
          found.set(namespace, { namespace, type: 'view', options, indexes: [], documents: 0 })
          return
        }
        const buckets = type(entry) === 'timeseries'
        const countedName = buckets ? `system.buckets.${entry.name}` : entry.name
        // The catalog holds a time-series collection's buckets indexes and no clustered index:
        // listIndexes translates those, so they are asked for on their own.
        const fromCatalog =
          !buckets && options['clusteredIndex'] === undefined ? catalog?.get(namespace) : undefined
        const [indexes, documents] = await Promise.all([
          fromCatalog ?? db.collection(entry.name).listIndexes().toArray(),
          counts?.get(countedName) ?? db.collection(countedName).estimatedDocumentCount()
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

/**
 * Every index definition of the named databases' collections, from one `$listCatalog` (MongoDB
 * 6.0+; the backup role may run it); undefined when the server refuses it.
 */
async function tryCatalogIndexes(
  client: MongoClient,
  databases: readonly string[]
): Promise<Map<string, Record<string, unknown>[]> | undefined> {
  try {
    const entries = await client
      .db('admin')
      .aggregate<{
        db: string
        name: string
        md?: { indexes?: { spec: Record<string, unknown> }[] }
      }>([
        { $listCatalog: {} },
        { $match: { db: { $in: databases }, type: 'collection' } },
        { $project: { db: 1, name: 1, 'md.indexes.spec': 1 } }
      ])
      .toArray()
    return new Map(
      entries.map((e) => [`${e.db}.${e.name}`, (e.md?.indexes ?? []).map((index) => index.spec)])
    )
  } catch (error) {
    debug(
      `$listCatalog refused (${String(error)}): each collection's indexes are listed on their own.`
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
    debug(
      `$collStats refused in ${db.databaseName} (${String(error)}): each collection is counted on its own.`
    )
    return undefined
  }
}
