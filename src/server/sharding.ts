// A sharded cluster is reached through a mongos (`hello.msg === 'isdbgrid'`). What this action
// does through one is not what it does on a replica set, so every mode says so, and refuses
// what cannot be done safely. Pure, so the decision is unit-tested without a mongos.
import type { Document } from 'mongodb'
import { GuardError } from '../errors.js'
import type { Mode } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'

export type Side = 'source' | 'target'

export function isMongos(hello: Document | undefined): boolean {
  return hello?.['msg'] === 'isdbgrid'
}

export interface ShardingDecision {
  refuse?: string
  warn?: string
}

const NO_SNAPSHOT =
  'mongodump through a mongos reads each shard at its own moment: there is no point in time across shards (--oplog is per replica set), and a chunk the balancer moves during the dump can be read twice or not at all. Stop writes and the balancer (sh.stopBalancer()) and dump each shard, or use a tool that snapshots the cluster'
const CONFIG =
  "the cluster's metadata lives in config.* on the config servers, which the action never dumps or restores: collections restored through a mongos arrive unsharded on each database's primary shard; shard them again afterwards"
const STALE_USERS =
  'a mongos caches users for about 30 s, so a probe through it can see a user as it was before the restore'

/** What a mode may do with a sharded source or target, and why. */
export function shardingDecision(mode: Mode | 'plan' | 'verify', side: Side): ShardingDecision {
  if (side === 'source') {
    if (mode === 'probe' || mode === 'verify') return {}
    return { refuse: `the source is a sharded cluster (mongos). ${NO_SNAPSHOT}` }
  }
  switch (mode) {
    case 'plan':
      // Parts restore `_id` ranges of one collection at once: through a mongos, while the
      // balancer moves chunks between shards, a range's emptiness and counts are not stable.
      return {
        refuse: `the target is a sharded cluster (mongos): the parts of a split migration check and count their _id ranges on it while the balancer may move chunks, and ${CONFIG}. Migrate into a replica set, or run one migrate job`
      }
    case 'probe':
    case 'verify':
      return {
        warn: `the target is a sharded cluster (mongos): ${STALE_USERS}; probe again after that`
      }
    default:
      return {
        warn: `the target is a sharded cluster (mongos): ${CONFIG}; and ${STALE_USERS}`
      }
  }
}

/** Throws when the side is a mongos and the mode cannot run on it; returns a warning to log. */
export function checkSharding(
  mode: Mode | 'plan' | 'verify',
  side: Side,
  hello: Document | undefined,
  input: string
): string | undefined {
  if (!isMongos(hello)) return undefined
  const decision = shardingDecision(mode, side)
  if (decision.refuse) {
    throw new GuardError(
      'ShardedCluster',
      `${input}: a sharded cluster`,
      `${input}: ${decision.refuse}. Nothing was dumped or written.`
    )
  }
  return decision.warn && `${input}: ${decision.warn}.`
}

/** `hello` needs no login: asked anonymously of the deployment an app (or a side) points at. */
export async function helloOf(uri: MongoUri, timeoutMs: number): Promise<Document> {
  return uri.use('hello', timeoutMs, (c) => c.db('admin').command({ hello: 1 }), {
    anonymous: true
  })
}
