// How many writes the source took while it was copied and checked: each planned collection's
// write operations as the server counts them (`$collStats: {latencyStats}`, `writes.ops`), read
// before the first mongodump and again after the copy check. A source copied collection by
// collection, not at one point in time, that took writes in between explains a copy check that
// finds differences: the cause is the source, not the target. Per collection, so the server's own
// writes elsewhere (config.system.sessions) do not count; its TTL deletes do not either (6.0.5).
import { MongoServerError, type Db } from 'mongodb'
import { collectionOf, dbOf } from '../input/namespace.js'
import { debug } from '../interface.js'
import type { MongoUri } from '../secrets.js'

/** Each namespace's write operations since the server started (or since it was created). */
export type WriteCounters = ReadonlyMap<string, number>

/** The counters read before the copy, and what is needed to read them again after the check. */
export interface WriteWatch {
  source: MongoUri
  namespaces: string[]
  before: WriteCounters | { refused: string }
  timeoutMs: number
}

/** Reads the source's counters of the planned collections before the first mongodump. */
export async function watchWrites(
  source: MongoUri,
  planned: readonly { source: string }[],
  timeoutMs: number
): Promise<WriteWatch> {
  const namespaces = planned.map((p) => p.source)
  return {
    source,
    namespaces,
    timeoutMs,
    before: await readWriteCounters(source, namespaces, timeoutMs)
  }
}

/** The writes since `watchWrites`, read after the copy check. */
export async function writesSince(watch: WriteWatch): Promise<SourceWrites> {
  const after = await readWriteCounters(watch.source, watch.namespaces, watch.timeoutMs)
  return writesBetween(watch.before, after)
}

export interface SourceWrites {
  /** Whether the writes were read at both ends; else why not. */
  measured: boolean
  reason: string | undefined
  /** Write operations (insert, update, delete commands; a batch counts once) in between. */
  total: number
  /** The namespaces that took writes, with how many. */
  namespaces: { namespace: string; writes: number }[]
}

// A pipeline holds at most 1000 stages: collections counted by one aggregation.
const PER_AGGREGATION = 500

/**
 * The write counters of the named collections; undefined when the source's user may not read
 * them (the built-in backup role may: measured on 6.0.5). A time-series collection is counted
 * under its own name, where the server records its writes.
 */
export async function readWriteCounters(
  source: MongoUri,
  namespaces: readonly string[],
  timeoutMs: number
): Promise<WriteCounters | { refused: string }> {
  const byDatabase = new Map<string, string[]>()
  for (const ns of namespaces) byDatabase.set(dbOf(ns), [...(byDatabase.get(dbOf(ns)) ?? []), ns])
  try {
    return await source.use('verify', timeoutMs, async (client) => {
      const counters = new Map<string, number>()
      for (const [name, inDb] of byDatabase) {
        for (const [ns, ops] of await countersOf(client.db(name), inDb)) counters.set(ns, ops)
      }
      return counters
    })
  } catch (error) {
    // Only the server's refusal leaves the writes unmeasured; a lost connection fails the run.
    if (!(error instanceof MongoServerError)) throw error
    debug(
      `$collStats latencyStats refused (${String(error)}): the source's writes are not counted.`
    )
    return { refused: `the source refused $collStats (${error.codeName ?? error.code})` }
  }
}

async function countersOf(db: Db, namespaces: readonly string[]): Promise<Map<string, number>> {
  const counters = new Map<string, number>()
  const stage = { $collStats: { latencyStats: {} } }
  for (let i = 0; i < namespaces.length; i += PER_AGGREGATION) {
    const [first, ...rest] = namespaces.slice(i, i + PER_AGGREGATION).map(collectionOf) as [
      string,
      ...string[]
    ]
    const answers = await db
      .collection(first)
      .aggregate<{ ns: string; latencyStats?: { writes?: { ops?: number } } }>([
        stage,
        ...rest.map((coll) => ({ $unionWith: { coll, pipeline: [stage] } }))
      ])
      .toArray()
    // A mongos answers once per shard: the shards' counters add up.
    for (const { ns, latencyStats } of answers) {
      counters.set(ns, (counters.get(ns) ?? 0) + Number(latencyStats?.writes?.ops ?? 0))
    }
  }
  return counters
}

/**
 * The writes between two readings. A counter that went down (the collection was dropped and
 * made again, or the server restarted) counts as one write at least: the source changed.
 */
export function writesBetween(
  before: WriteCounters | { refused: string },
  after: WriteCounters | { refused: string }
): SourceWrites {
  if ('refused' in before || 'refused' in after) {
    const reason = ('refused' in before ? before : (after as { refused: string })).refused
    return { measured: false, reason, total: 0, namespaces: [] }
  }
  const namespaces = [...after]
    .map(([namespace, ops]) => {
      const was = before.get(namespace) ?? 0
      return { namespace, writes: ops >= was ? ops - was : Math.max(ops, 1) }
    })
    .filter((n) => n.writes > 0)
  const total = namespaces.reduce((sum, n) => sum + n.writes, 0)
  return { measured: true, reason: undefined, total, namespaces }
}
