// The catch-up's test bed: a live replica-set source with the application writing, a
// replica-set target holding a copy of it at T, the users on both, and the comparisons the
// tests assert with (documents, counts, options and indexes; the users).
import { BSON, MongoClient, Timestamp } from 'mongodb'

const { EJSON } = BSON
import { createUser, withClient, type ReplicaSet } from './testbed.ts'

export const APP_DB = 'appdb'
export const APP_PASSWORD = 'app-target-Pw-42'
export const SOURCE_APP_PASSWORD = 'app-source-Pw-17'

/** The newest entry of the source's oplog: a T. */
export async function newestTs(uri: string): Promise<Timestamp> {
  return withClient(uri, async (c) => {
    const [e] = await c
      .db('local')
      .collection('oplog.rs')
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: -1 })
      .limit(1)
      .toArray()
    return e!['ts'] as Timestamp
  })
}

/**
 * A point-in-time copy of `database` at `at`, taken while the application writes: every
 * collection read at that cluster time (snapshot), written to the target with its indexes. What
 * mode migrate's consistent copy leaves behind, made here so the catch-up is tested on its own.
 */
export async function copyAt(
  source: string,
  target: string,
  database: string,
  at: Timestamp
): Promise<void> {
  const readConcern = { level: 'snapshot', atClusterTime: at }
  await withClient(source, (s) =>
    withClient(target, async (t) => {
      const collections = (await s
        .db(database)
        .listCollections()
        .toArray()) as import('mongodb').CollectionInfo[]
      for (const { name, options } of collections) {
        await t.db(database).createCollection(name, options)
        // The driver drops atClusterTime from a readConcern option: the command carries it.
        const docs = await s
          .db(database)
          .runCursorCommand({ find: name, filter: {}, readConcern })
          .toArray()
        if (docs.length > 0) await t.db(database).collection(name).insertMany(docs)
        const indexes = await s.db(database).collection(name).listIndexes().toArray()
        for (const { key, name: indexName, ...rest } of indexes) {
          delete rest['v']
          if (indexName !== '_id_') {
            await t
              .db(database)
              .collection(name)
              .createIndex(key, { name: indexName, ...rest })
          }
        }
      }
    })
  )
}

/** Every collection of `database`: its options, indexes and documents in _id order, as EJSON. */
export async function contentsOf(uri: string, database: string): Promise<Record<string, string>> {
  return withClient(uri, async (c) => {
    const out: Record<string, string> = {}
    const collections = (await c
      .db(database)
      .listCollections()
      .toArray()) as import('mongodb').CollectionInfo[]
    for (const { name, options } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
      const coll = c.db(database).collection(name)
      const docs = await coll.find({}).sort({ _id: 1 }).toArray()
      const indexes = (await coll.listIndexes().toArray()).map(({ v: _v, ...rest }) => rest)
      out[name] = EJSON.stringify(
        { options, indexes, count: docs.length, docs },
        { relaxed: false }
      )
    }
    return out
  })
}

/** The users of a deployment, as usersInfo shows them with their credentials' digests. */
export async function usersOf(uri: string): Promise<string> {
  return withClient(uri, async (c) => {
    const { users } = await c
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    const sorted = (users as { _id: string }[]).sort((a, b) => a._id.localeCompare(b._id))
    return EJSON.stringify(sorted, { relaxed: false })
  })
}

/** The app's user on both sides (each with its own password), as a migration finds them. */
export async function appUsers(source: ReplicaSet, target: ReplicaSet): Promise<void> {
  const roles = [{ role: 'readWrite', db: APP_DB }]
  await createUser(source.primary, APP_DB, 'app', SOURCE_APP_PASSWORD, roles)
  await createUser(target.primary, APP_DB, 'app', APP_PASSWORD, roles)
}

/** The source's users change while the catch-up runs: a new user, the app's password. */
export async function changeSourceUsers(source: ReplicaSet, tag: string): Promise<void> {
  await withClient(source.rootUri, async (c) => {
    await c.db(APP_DB).command({
      createUser: `intruder-${tag}`,
      pwd: `intruder-Pw-${tag}`,
      roles: [{ role: 'read', db: APP_DB }]
    })
    await c.db(APP_DB).command({ updateUser: 'app', pwd: `${SOURCE_APP_PASSWORD}-${tag}` })
  })
}

/** A brand-new connection as the app, to the target: the proof a restart will log in. */
export async function appLogsIn(target: ReplicaSet): Promise<boolean> {
  const client = new MongoClient(target.uri('app', APP_PASSWORD, APP_DB), {
    maxPoolSize: 1,
    serverSelectionTimeoutMS: 5000
  })
  try {
    await client.db(APP_DB).collection('events').findOne({})
    return true
  } catch {
    return false
  } finally {
    await client.close()
  }
}

/** T as the action takes it. */
export function tsText(ts: Timestamp): string {
  return `${ts.high}:${ts.low}`
}
