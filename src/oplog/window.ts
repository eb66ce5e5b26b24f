// The oplog window of a copy, read the way mongodump --oplog reads it (mongodump/oplog_dump.go,
// tools 100.7.0): the newest entry's ts before the first dump starts (or the start of the oldest
// open transaction, so that its earlier entries are in the window), the newest after the last
// dump ends, and every entry between them; the copy fails when the start has rolled off the oplog.
import { MongoServerError, type Document, type MongoClient, type Timestamp } from 'mongodb'
import { GuardError } from '../errors.js'
import type { MongoUri } from '../secrets.js'

/** Where a copy's window starts, or why the source cannot give one. */
export type OplogStart = { start: Timestamp } | { unavailable: string }

/** Raw values: an entry is replayed byte for byte, so no Int32/Double/regex is converted. */
export const RAW = { promoteValues: false, promoteBuffers: false, bsonRegExp: true } as const

const OPLOG = 'oplog.rs'

/**
 * The window's start on the source, read before the first mongodump starts: undefined reasons
 * are the source's kind (not a replica-set member) or the user's missing privilege.
 */
export async function openWindow(uri: MongoUri, timeoutMs: number): Promise<OplogStart> {
  return uri.use('oplog', timeoutMs, async (client) => {
    const hello = await client.db('admin').command({ hello: 1 })
    if (hello.msg === 'isdbgrid') {
      return { unavailable: 'the source is a mongos: a sharded cluster has one oplog per shard' }
    }
    if (typeof hello.setName !== 'string') {
      return { unavailable: 'the source is a standalone server, which keeps no oplog' }
    }
    try {
      const newest = await newestTimestamp(client)
      const open = await oldestOpenTransaction(client)
      return { start: open && open.lessThan(newest) ? open : newest }
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 13) {
        return {
          unavailable: `the source user ${uri.username ?? ''} cannot read local.oplog.rs (it needs find on local.oplog.rs, e.g. the backup role)`
        }
      }
      throw error
    }
  })
}

/** What was read: the window's end and how many entries it holds. */
export interface WindowRead {
  end: Timestamp
  entries: number
}

/**
 * Reads the window after the last mongodump has finished: its end (the newest entry now), then
 * every entry with start <= ts <= end, each given to `each` in order, raw. Fails when the oplog
 * no longer holds the start, before and after the read (as mongodump does).
 */
export async function readWindow(
  uri: MongoUri,
  start: Timestamp,
  timeoutMs: number,
  each: (entry: Document) => Promise<void> | void
): Promise<WindowRead> {
  return uri.use('oplog', timeoutMs, async (client) => {
    const end = await newestTimestamp(client)
    await checkStillHeld(client, start)
    const oplog = client.db('local').collection(OPLOG)
    let entries = 0
    const cursor = oplog.find({ ts: { $gte: start, $lte: end } }, RAW).sort({ $natural: 1 })
    for await (const entry of cursor) {
      entries++
      await each(entry)
    }
    await checkStillHeld(client, start)
    return { end, entries }
  })
}

async function newestTimestamp(client: MongoClient): Promise<Timestamp> {
  const [newest] = await client
    .db('local')
    .collection(OPLOG)
    .find({}, { projection: { ts: 1 } })
    .sort({ $natural: -1 })
    .limit(1)
    .toArray()
  if (!newest) throw new Error('the source oplog is empty')
  return newest.ts as Timestamp
}

/** The start of the oldest transaction still open (mongodump's getOplogCopyStartTime). */
async function oldestOpenTransaction(client: MongoClient): Promise<Timestamp | undefined> {
  try {
    const [open] = await client
      .db('config')
      .collection('transactions')
      .find({ state: { $in: ['prepared', 'inProgress'] } })
      .sort({ startOpTime: 1 })
      .limit(1)
      .toArray()
    return (open?.startOpTime as { ts?: Timestamp } | undefined)?.ts
  } catch (error) {
    // Without find on config.transactions only prepared transactions (sharded) could be missed.
    if (error instanceof MongoServerError && error.code === 13) return undefined
    throw error
  }
}

async function checkStillHeld(client: MongoClient, start: Timestamp): Promise<void> {
  const [oldest] = await client
    .db('local')
    .collection(OPLOG)
    .find({}, { projection: { ts: 1 } })
    .sort({ $natural: 1 })
    .limit(1)
    .toArray()
  if (!oldest || (oldest.ts as Timestamp).greaterThan(start)) {
    throw new GuardError(
      'ReplayImpossible',
      'The oplog rolled over during the copy',
      `The source's oplog no longer holds the copy's start (${timestampText(start)}): the writes made during the copy cannot all be replayed. The target holds the data as dumped, not one point in time. Enlarge the source's oplog (replSetResizeOplog) or copy at a quieter time, and run again.`
    )
  }
}

/** A timestamp as `<seconds>:<increment>` (mongorestore's --oplogLimit syntax) and its wall-clock time. */
export function timestampText(ts: Timestamp): string {
  return `${ts.t}:${ts.i} (${wallClock(ts)})`
}

/** The wall-clock time of a cluster timestamp (its seconds), ISO 8601. */
export function wallClock(ts: Timestamp): string {
  return new Date(ts.t * 1000).toISOString()
}
