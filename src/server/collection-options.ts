// What each collection is, as the server describes it: its type, the options it was created
// with, its index definitions in full, and how many documents it holds. One listCollections per
// database (not per collection), then listIndexes per collection that has indexes.
import type { MongoClient } from 'mongodb'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
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

export async function readWith(
  client: MongoClient,
  namespaces: readonly string[]
): Promise<Map<string, CollectionInfo>> {
  const byDatabase = new Map<string, string[]>()
  for (const namespace of namespaces) {
    const [db, ...rest] = namespace.split('.')
    byDatabase.set(db as string, [...(byDatabase.get(db as string) ?? []), rest.join('.')])
  }
  const found = new Map<string, CollectionInfo>()
  await forEachBounded([...byDatabase], SERVER_CONCURRENCY, async ([dbName, names]) => {
    const db = client.db(dbName)
    const listed = await db
      .listCollections({ name: { $in: names } }, { nameOnly: false, authorizedCollections: true })
      .toArray()
    await Promise.all(
      listed.map(async (entry) => {
        const type = (entry.type ?? 'collection') as CollectionType
        const collection = db.collection(entry.name)
        // A view has no indexes and no documents of its own; counting it would run its pipeline.
        if (type === 'view') {
          found.set(`${dbName}.${entry.name}`, {
            namespace: `${dbName}.${entry.name}`,
            type,
            options: (entry.options ?? {}) as Record<string, unknown>,
            indexes: [],
            documents: 0
          })
          return
        }
        const counted =
          type === 'timeseries' ? db.collection(`system.buckets.${entry.name}`) : collection
        const [indexes, documents] = await Promise.all([
          collection.listIndexes().toArray(),
          counted.estimatedDocumentCount()
        ])
        found.set(`${dbName}.${entry.name}`, {
          namespace: `${dbName}.${entry.name}`,
          type,
          options: (entry.options ?? {}) as Record<string, unknown>,
          indexes: indexes as Record<string, unknown>[],
          documents
        })
      })
    )
  })
  return found
}
