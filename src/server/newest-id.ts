// For a dump that does not say when it was taken: the newest ObjectId `_id` among the restored
// collections. An ObjectId starts with its creation time in seconds, so this is when the newest
// inserted document was made: the data is at least that old. Updates and non-ObjectId `_id`s do
// not show; the caller says so. One index walk per collection (`$type` bounds on the `_id`
// index, sorted descending, limit 1), never a collection scan.
import { ObjectId, type Document } from 'mongodb'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
import type { MongoUri } from '../secrets.js'

export interface NewestId {
  /** When the newest ObjectId was created. */
  at: Date
  /** The collection that holds it. */
  namespace: string
}

/** The newest ObjectId `_id` among these collections; undefined when none holds one. */
export async function newestObjectId(
  uri: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<NewestId | undefined> {
  const found = await uri.use(
    'data-age',
    timeoutMs,
    (client) =>
      forEachBounded(namespaces, SERVER_CONCURRENCY, async (namespace) => {
        const dot = namespace.indexOf('.')
        const collection = client.db(namespace.slice(0, dot)).collection(namespace.slice(dot + 1))
        // A view, or a collection the user may not read, has no answer here: it is skipped.
        const doc = await collection
          .find({ _id: { $type: 'objectId' } }, { projection: { _id: 1 }, maxTimeMS: timeoutMs })
          .sort({ _id: -1 })
          .limit(1)
          .next()
          .catch((): Document | null => null)
        const id: unknown = doc?.['_id']
        return id instanceof ObjectId ? { at: id.getTimestamp(), namespace } : undefined
      }),
    { poolSize: SERVER_CONCURRENCY }
  )
  return found
    .filter((f): f is NewestId => f !== undefined)
    .reduce<NewestId | undefined>((a, b) => (a && a.at >= b.at ? a : b), undefined)
}
