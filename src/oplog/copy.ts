// A point-in-time copy of a replica-set source: the window opened before the first mongodump,
// the dumps and restores as usual, then the window's writes of the plan replayed on the target,
// so that the target is the source as it was at the window's end T (the tools' own mechanism,
// mongodump --oplog and mongorestore --oplogReplay, with the action's filter in between).
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Timestamp } from 'mongodb'
import { GuardError } from '../errors.js'
import type { Consistent } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'
import { missingReplayAccess } from '../server/oplog-access.js'
import type { ToolContext } from '../tools/transfer.js'
import type { OplogScope } from './filter.js'
import { captureWindow, replayOplog } from './replay.js'
import { openWindow, wallClock } from './window.js'

/** How a copy starts: the window's start, or why it is an ordinary copy. */
export type CopyStart = { start: Timestamp } | { reason: string }

/** A point-in-time copy as done: T, and what the window held. */
export interface PointInTime {
  /** T: the newest oplog entry after every dump finished; the target equals the source at T. */
  at: Timestamp
  /** T's wall-clock time, ISO 8601. */
  wallClock: string
  /** Writes to the plan's namespaces during the copy (the window's inserts, updates, deletes, commands). */
  writes: number
  /** Entries of the whole deployment in the window. */
  entries: number
  /** Entries mongorestore applied on the target. */
  applied: number
}

/**
 * Decides, before the first mongodump, whether this copy is one point in time: opens the window
 * on the source and checks that the target user may replay into its databases (none to check in
 * dump mode, which only saves the window). `auto` falls back to an ordinary copy with the reason;
 * `true` fails with it.
 */
export async function startCopy(
  consistent: Consistent,
  source: MongoUri,
  target: ReplayTarget | undefined,
  timeoutMs: number,
  /** Set when this kind of run cannot be one point in time (e.g. a part of a split migration). */
  ruledOut?: string
): Promise<CopyStart> {
  if (consistent === 'false') return { reason: 'consistent: false' }
  const reason =
    ruledOut ??
    (await (async () => {
      const opened = await openWindow(source, timeoutMs)
      if ('unavailable' in opened) return opened.unavailable
      const denied = target && (await replayDenied(target, timeoutMs))
      return denied ?? opened
    })())
  if (typeof reason !== 'string') return reason
  if (consistent === 'true') throw noPointInTime(reason)
  return { reason }
}

/** The target of a replay: its connection and the databases the replay writes. */
export interface ReplayTarget {
  uri: MongoUri
  databases: readonly string[]
}

/** Why the target user may not replay, or undefined. */
export function replayDenied(target: ReplayTarget, timeoutMs: number): Promise<string | undefined> {
  return missingReplayAccess(target.uri, target.databases, timeoutMs)
}

/** consistent: true, and the copy cannot be one point in time. */
export function noPointInTime(reason: string): GuardError {
  return new GuardError(
    'ReplayImpossible',
    'No point-in-time copy possible',
    `consistent: true, but ${reason}. Nothing was written. Copy from a replica-set member with a user that may read local.oplog.rs (e.g. backup), give the target user what the replay needs, or set consistent: auto to accept an ordinary copy.`
  )
}

/**
 * After every mongodump and mongorestore has finished: reads the window up to now (T), keeps the
 * plan's writes (renamed as the restore renamed them) in a file of the run's private directory,
 * replays it on the target and removes it.
 */
export async function finishCopy(
  ctx: ToolContext,
  source: MongoUri,
  target: MongoUri,
  start: Timestamp,
  scope: OplogScope,
  timeoutMs: number
): Promise<PointInTime> {
  const file = join(ctx.secrets.path, 'oplog.bson')
  try {
    const window = await captureWindow(source, start, scope, file, timeoutMs)
    const applied = window.kept > 0 ? await replayOplog(ctx, target, file) : 0
    return {
      at: window.end,
      wallClock: wallClock(window.end),
      writes: window.writes,
      entries: window.read,
      applied
    }
  } finally {
    await rm(file, { force: true })
  }
}
