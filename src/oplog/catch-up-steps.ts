// mode catch-up's questions to the source and its one write to the target, each a small step
// over the oplog module: the oplog's bounds, the next batch of entries after a T (filtered by
// filter.ts exactly as the consistent copy filters its replay), the batch's replay, and which
// member is primary (a change is a failover).
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BSON,
  MongoError,
  MongoNetworkError,
  MongoServerSelectionError,
  type Document,
  type Timestamp
} from 'mongodb'
import type { CatchUpSettings, OplogTime } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'
import type { ToolContext } from '../tools/transfer.js'
import { toTimestamp } from './catch-up-counts.js'
import { filterEntry } from './filter.js'
import { replayOplog } from './replay.js'

/** Codes of a member that is not (or no longer) primary: NotWritablePrimary and its kin. */
const NOT_PRIMARY = new Set([10107, 13435, 13436, 11600, 11602, 189, 91, 262])

/** Whether an error is what a replica set answers during an election. */
export function electing(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true
  return typeof error.code === 'number' && NOT_PRIMARY.has(error.code)
}

export {
  entryRolledBack,
  noPrimary,
  namespacesChanged,
  notAReplicaSet,
  rolledOver,
  sourceKeptWriting,
  targetWritten
} from './catch-up-errors.js'

/** The oldest and newest entries the source's oplog holds now. */
export interface OplogBounds {
  oldest: OplogTime
  newest: OplogTime
}

/** The entries after a T, read in the oplog's order, and what of them the plan replays. */
export interface Batch extends OplogBounds {
  /** Every entry read, in ts order (the last one is the new T once the batch is applied). */
  entries: Document[]
  /** Its ts, if any entry was read. */
  lastTs: OplogTime | undefined
  /** The entries to replay, filtered and renamed as the consistent copy's replay does. */
  replay: Document[]
  /** Writes to the plan's namespaces in the batch (inside transactions included). */
  writes: number
  /** The source's wall-clock time of the batch's last write to the plan. */
  lastWrite: Date | undefined
}

export async function oplogBounds(source: MongoUri, timeoutMs: number): Promise<OplogBounds> {
  return source.use('catch-up', timeoutMs, async (c) =>
    boundsOf(c.db('local').collection('oplog.rs'))
  )
}

async function boundsOf(oplog: import('mongodb').Collection): Promise<OplogBounds> {
  const end = async (direction: 1 | -1) => {
    const [entry] = await oplog
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: direction })
      .limit(1)
      .toArray()
    return timeOf(entry?.['ts'] as Timestamp)
  }
  return { oldest: await end(1), newest: await end(-1) }
}

/**
 * Up to `limit` entries after `after`, majority-committed only (a failover cannot take back
 * what was applied), never ending inside a transaction's chain of entries (its parts are applied
 * together by mongorestore, so the batch stops before the chain and the next one starts with it).
 */
export async function readBatch(
  settings: CatchUpSettings,
  after: OplogTime,
  limit: number
): Promise<Batch> {
  return settings.source.use('catch-up', settings.probeTimeoutMs, async (c) => {
    const oplog = c.db('local').collection('oplog.rs', { readConcern: { level: 'majority' } })
    const bounds = await boundsOf(oplog)
    // Raw, as window.ts reads: a double 1.0 stays a double, a long a long (applyOps refuses an
    // int term), a regex a BSON regex, so what is replayed is byte for byte what the source wrote.
    let entries: Document[] = []
    for (let size = limit; ; size *= 2) {
      const read: Document[] = await oplog
        .find(
          { ts: { $gt: toTimestamp(after) } },
          { promoteValues: false, promoteLongs: false, bsonRegExp: true }
        )
        .sort({ $natural: 1 })
        .limit(size)
        .toArray()
      // Also a short read: the rest of a chain may not be majority-committed yet.
      entries = withoutOpenChain(read)
      if (entries.length > 0 || read.length < size) break
    }
    const filtered = entries.map((e) => ({ raw: e, ...filterEntry(e, settings.transfer) }))
    const replay = filtered.flatMap((f) => (f.entry ? [f.entry] : []))
    const writing = filtered.filter((f) => f.writes > 0)
    const last = entries.at(-1)
    return {
      ...bounds,
      entries,
      lastTs: last ? timeOf(last['ts'] as Timestamp) : undefined,
      replay,
      writes: writing.reduce((n, f) => n + f.writes, 0),
      lastWrite: writing.at(-1)?.raw['wall'] as Date | undefined
    }
  })
}

/**
 * Drops the trailing entries of a transaction chain that the batch cut off (partialTxn: a large
 * transaction's entries have consecutive timestamps, its last one commits it).
 */
function withoutOpenChain(entries: Document[]): Document[] {
  const last = entries.at(-1)
  const o = (last?.['o'] ?? {}) as Document
  if (!last || !(o['partialTxn'] === true || o['prepare'] === true)) return entries
  const txn = (e: Document) => BSON.EJSON.stringify([e['lsid'], e['txnNumber']])
  const start = entries.findIndex((e) => txn(e) === txn(last))
  // Empty when the chain fills the whole batch: the caller reads a larger one.
  return entries.slice(0, Math.max(0, start))
}

/** Replays the batch's filtered entries onto the target, in order, with mongorestore. */
export async function applyBatch(
  tools: ToolContext,
  settings: CatchUpSettings,
  entries: readonly Document[]
): Promise<void> {
  tools.observer.restoreStarting()
  // Not stopped by the first cancel signal: the batch finishes and the run stops after it.
  const uninterrupted = { ...tools, signal: new AbortController().signal }
  const file = join(tools.secrets.path, 'catch-up-batch.bson')
  try {
    await writeFile(file, Buffer.concat(entries.map((e) => BSON.serialize(e))), { mode: 0o600 })
    await replayOplog(uninterrupted, settings.target, file)
  } finally {
    await rm(file, { force: true })
  }
}

/** The host the source's replica set names as its primary. */
export async function sourcePrimary(source: MongoUri, timeoutMs: number): Promise<string> {
  return source.use('catch-up', timeoutMs, async (c) => {
    const hello = await c.db('admin').command({ hello: 1 })
    return String(hello['primary'] ?? hello['me'] ?? '')
  })
}

/**
 * The commands after T that can drop or rename a collection (also inside applyOps): checked
 * before the counts at T, which a renamed collection would fail with the wrong cause.
 */
export async function renamesAndDropsAfter(
  settings: CatchUpSettings,
  after: OplogTime
): Promise<Document[]> {
  return settings.source.use('catch-up', settings.probeTimeoutMs, async (c) =>
    c
      .db('local')
      .collection('oplog.rs')
      .find({
        ts: { $gt: toTimestamp(after) },
        op: 'c',
        $or: [
          { 'o.drop': { $exists: true } },
          { 'o.dropDatabase': { $exists: true } },
          { 'o.renameCollection': { $exists: true } },
          { 'o.applyOps': { $elemMatch: { op: 'c' } } }
        ]
      })
      .toArray()
  )
}

/** Whether the source's oplog (now) lacks the entry at `ts`: it was rolled back. */
export async function entryMissing(settings: CatchUpSettings, ts: OplogTime): Promise<boolean> {
  return settings.source.use('catch-up', settings.probeTimeoutMs, async (c) => {
    const found = await c
      .db('local')
      .collection('oplog.rs')
      .countDocuments({ ts: toTimestamp(ts) }, { limit: 1 })
    return found === 0
  })
}

function timeOf(ts: Timestamp | undefined): OplogTime {
  return ts ? { t: ts.high, i: ts.low } : { t: 0, i: 0 }
}
