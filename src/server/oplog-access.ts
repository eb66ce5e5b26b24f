// What the target user needs for mongorestore --oplogReplay, checked before anything is written:
// the replay applies each entry with applyOps (mongorestore/oplog.go), which the server allows
// only with the applyOps action on the cluster and, per entry, the entry's own write privileges
// (an update is applied as an upsert: insert and update). Measured on 6.0.5 and 7.0.15: the built-in
// restore role holds applyOps but not update or remove, and is refused ("not authorized on admin
// to execute command { applyOps: … }"); restore + readWriteAnyDatabase + dbAdminAnyDatabase replays.
import type { MongoClient } from 'mongodb'
import { missingPrivileges, type GrantedPrivilege } from '../input/privileges.js'
import type { MongoUri } from '../secrets.js'

/** The actions a replay needs on each database it writes. */
const WRITE_ACTIONS = ['insert', 'update', 'remove', 'createCollection', 'createIndex']

/** The roles that give a replay what it needs, for messages. */
export const REPLAY_ROLES = 'restore, readWriteAnyDatabase and dbAdminAnyDatabase'

/**
 * Why the target user cannot replay writes into `databases` (the plan's target databases), or
 * undefined when it can.
 */
export async function missingReplayAccess(
  target: MongoUri,
  databases: readonly string[],
  timeoutMs: number
): Promise<string | undefined> {
  return target.use('oplog', timeoutMs, async (client) => {
    const granted = await privilegesOf(client, target)
    const applyOps = granted.some(
      (p) =>
        (p.resource.cluster === true || p.resource.anyResource === true) &&
        p.actions.includes('applyOps')
    )
    const missing = missingPrivileges(
      [...new Set(databases)].map((database) => ({
        database,
        actions: WRITE_ACTIONS,
        asWritten: database
      })),
      granted
    )
    const lacks = [
      ...(applyOps ? [] : ['applyOps on the cluster']),
      ...missing.map((m) => `${m.actions.join(', ')} on ${m.database}`)
    ]
    if (lacks.length === 0) return undefined
    return `the target user ${target.username ?? ''} lacks ${lacks.join('; ')}, which replaying the writes made during the copy needs (mongorestore --oplogReplay applies them with applyOps; e.g. the roles ${REPLAY_ROLES})`
  })
}

async function privilegesOf(client: MongoClient, uri: MongoUri): Promise<GrantedPrivilege[]> {
  const status = await client
    .db(uri.authSource)
    .command({ connectionStatus: 1, showPrivileges: true })
  return (status['authInfo']?.['authenticatedUserPrivileges'] ?? []) as GrantedPrivilege[]
}
