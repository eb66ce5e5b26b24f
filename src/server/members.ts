// The data-bearing members of the app's replica set. A restore or a user change reaches each
// member through replication, and an app may log in to any of them (secondary reads, after a
// failover), so each one is probed on its own.
import { ReadPreference, type Document } from 'mongodb'
import type { MongoUri } from '../secrets.js'

/**
 * `host:port` of every data-bearing member the app's deployment advertises (hello's `hosts`
 * and `passives`; arbiters hold no users and hidden members are never listed); [] for a
 * standalone or a mongos. Asked without credentials: hello needs none. Rejects with the
 * driver's error when no member answers.
 */
export async function dataMembers(app: MongoUri, timeoutMs: number): Promise<string[]> {
  return app.use(
    'members',
    timeoutMs,
    async (client) => {
      // Any member answers with the set's view, so a set without a primary is still listed.
      const hello: Document = await client
        .db('admin')
        .command({ hello: 1 }, { readPreference: ReadPreference.nearest })
      if (typeof hello['setName'] !== 'string') return []
      const listed = [
        ...((hello['hosts'] as string[]) ?? []),
        ...((hello['passives'] as string[]) ?? [])
      ]
      return [...new Set(listed)]
    },
    { anonymous: true }
  )
}
