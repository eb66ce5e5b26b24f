// Reads of the source as it was at a cluster time T: a snapshot session whose time is set before
// its first read sends readConcern { level: 'snapshot', atClusterTime: T } with every find and
// aggregate (the driver keeps that time in `snapshotTime`; it has no public option to set it).
// Only find and aggregate (and distinct) accept it on 6.0 and 7.0: $collStats and the metadata
// commands do not, so a count at T is an aggregation with $count. The server keeps history for
// minSnapshotHistoryWindowInSeconds (300 s by default): older reads fail with SnapshotTooOld.
import { MongoServerError, type ClientSession, type MongoClient, type Timestamp } from 'mongodb'
import { GuardError } from '../errors.js'
import type { MongoUri } from '../secrets.js'

/** A session whose reads see the data as of `at`; none (ordinary reads) without `at`. End it after use. */
export async function sessionAt(
  client: MongoClient,
  at: Timestamp | undefined
): Promise<ClientSession | undefined> {
  if (at === undefined) return undefined
  // The driver refuses a snapshot session until it knows the server's version: connect first.
  await client.connect()
  const session = client.startSession({ snapshot: true })
  ;(session as unknown as { snapshotTime?: Timestamp }).snapshotTime = at
  return session
}

/** Runs `fn` with a session at `at` (or none) and ends the session. */
export async function withSessionAt<T>(
  client: MongoClient,
  at: Timestamp | undefined,
  fn: (session: ClientSession | undefined) => Promise<T>
): Promise<T> {
  const session = await sessionAt(client, at)
  try {
    return await fn(session)
  } finally {
    await session?.endSession()
  }
}

/** The server no longer holds the history to read at the time asked for. */
export function isSnapshotTooOld(error: unknown): boolean {
  return (
    error instanceof MongoServerError && (error.code === 239 || error.codeName === 'SnapshotTooOld')
  )
}

/** The copy reached T, but the source no longer keeps the history to be read as of T. */
export function tooOldToVerify(source: MongoUri): GuardError {
  return new GuardError(
    'DataMismatch',
    'The source can no longer be read as of T',
    `${source.input}: the copy was replayed up to T, but the source no longer keeps its data as of T (SnapshotTooOld: history older than minSnapshotHistoryWindowInSeconds, 300 s by default, is discarded), so the copy could not be verified against it. Raise minSnapshotHistoryWindowInSeconds on the source for copies that take longer, or run again.`
  )
}
