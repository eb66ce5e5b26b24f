// mode catch-up's failures: each says what happened, what the target holds now (the T it is
// consistent at, so a re-run can continue) and what to do.
import { GuardError } from '../errors.js'
import { formatOplogTime, wallClockOf } from '../input/consistent-at.js'
import type { OplogTime } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'
import type { CountAtT } from './catch-up-counts.js'

const at = (time: OplogTime) => `${formatOplogTime(time)} (${wallClockOf(time)})`

export function notAReplicaSet(source: MongoUri): GuardError {
  return new GuardError(
    'InvalidInput',
    'Invalid input: source-uri',
    `source-uri: ${source.redacted} is not a replica-set member, so it has no oplog to catch up from. mode: catch-up needs the replica set the migrate step copied (its point-in-time copy needs one too). Nothing was written.`
  )
}

export function rolledOver(from: OplogTime, oldest: OplogTime): GuardError {
  return new GuardError(
    'OplogRolledOver',
    "T is no longer in the source's oplog",
    `The target holds the source as it was at ${at(from)}, but the source's oplog now reaches back only to ${at(oldest)}: the writes in between are gone from it, so no replay can complete the copy. Nothing was written by this step after ${at(from)}. Run the migration (mode: migrate) again and start the catch-up sooner after it, or give the source a larger oplog (replSetResizeOplog).`
  )
}

export function namespacesChanged(change: string, applied: OplogTime): GuardError {
  return new GuardError(
    'SourceNamespacesChanged',
    "The source's namespaces changed after T",
    `After ${at(applied)}, ${change} on the source: the copy no longer describes the source, and replaying it would drop or move the target's data. That entry and the rest of its batch were not applied; the target holds the source through ${at(applied)}. Check what the application did, then run the migration (mode: migrate) again.`
  )
}

/** `replayed`: whether this run had replayed batches already (the check after the catch-up). */
export function targetWritten(
  differing: readonly CountAtT[],
  from: OplogTime,
  replayed = false
): GuardError {
  const when = replayed
    ? `After the catch-up, the target did not hold what the source held at ${at(from)}, the last entry replayed`
    : `Before anything was replayed, the target did not hold what the source held at ${at(from)}`
  const written = replayed
    ? 'Someone (an application already pointed at the target, another run) wrote it during the catch-up; the copy no longer follows the source. '
    : 'Someone (an application already pointed at the target, a second run) wrote it after the copy; a replay on top would mix both. Nothing was written. '
  const list = differing
    .slice(0, 5)
    .map((d) => `${d.target} holds ${d.actual} documents, the source held ${d.expected}`)
    .join('; ')
  return new GuardError(
    'TargetWritten',
    'The target was written after the copy',
    `${when}: ${list}${differing.length > 5 ? `; and ${differing.length - 5} more` : ''}. ${written}Find the writer, then run the migration (mode: migrate) again.`
  )
}

export function entryRolledBack(applied: OplogTime, primary: string): GuardError {
  return new GuardError(
    'SourceRolledBack',
    'The source failed over and lost writes the target has',
    `The source's new primary ${primary} does not hold ${at(applied)}, the last entry applied to the target: that write was rolled back on the source. The target now holds a write the source does not. Run the migration (mode: migrate) again.`
  )
}

export function sourceKeptWriting(timeoutMs: number, applied: OplogTime): GuardError {
  return new GuardError(
    'SourceKeptWriting',
    'The source did not stop taking writes',
    `cutover: the source kept taking writes to the plan's namespaces for ${Math.round(timeoutMs / 60_000)} minute(s) (cutover-timeout-minutes): the application (or another writer) is not in maintenance. The target holds the source through ${at(applied)}; nothing was verified. Stop the writes, then run catch-up again with consistent-at: ${formatOplogTime(applied)}.`
  )
}

export function noPrimary(waitedMs: number, applied: OplogTime): GuardError {
  return new GuardError(
    'Unreachable',
    'The source has no primary',
    `The source had no primary for ${Math.round(waitedMs / 1000)} s during the catch-up (a failover that did not complete). The target holds the source through ${at(applied)}, nothing after. Run catch-up again with consistent-at: ${formatOplogTime(applied)} once the source has a primary.`
  )
}
