// A dump on disk that is one point in time: `dump` saves the window's writes of the plan beside
// the dump as oplog.bson (mongodump's own name for it), ending with a no-op entry at T so that a
// later restore knows T; `restore` replays it after the restore, filtered again with its own plan
// (renames included): a file on disk is input like any other, never trusted.
import { createWriteStream, existsSync } from 'node:fs'
import { once } from 'node:events'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { BSON, Timestamp, type Document } from 'mongodb'
import type { MongoUri } from '../secrets.js'
import { dumpDocuments } from '../tools/dump-documents.js'
import type { ToolContext } from '../tools/transfer.js'
import type { PointInTime } from './copy.js'
import { filterEntry, type OplogScope } from './filter.js'
import { captureWindow, replayOplog } from './replay.js'
import { RAW, wallClock } from './window.js'

/** The file beside the dump's database directories. */
export const OPLOG_FILE = 'oplog.bson'

/** The last entry of a saved window: a no-op whose ts is T (mongorestore skips no-ops). */
const END_MESSAGE = 'mongo-restore-guard: end of the window'

/**
 * After every mongodump of `dump` mode: the window's writes of the plan, not renamed (a restore
 * renames), saved as `<directory>/oplog.bson`.
 */
export async function saveWindow(
  source: MongoUri,
  start: Timestamp,
  scope: OplogScope,
  directory: string,
  timeoutMs: number
): Promise<PointInTime> {
  const file = join(directory, OPLOG_FILE)
  let window: Awaited<ReturnType<typeof captureWindow>>
  try {
    window = await captureWindow(source, start, { ...scope, renames: [] }, file, timeoutMs)
    const end = createWriteStream(file, { flags: 'a', mode: 0o600 })
    end.end(BSON.serialize({ ts: window.end, op: 'n', ns: '', o: { msg: END_MESSAGE } }))
    await once(end, 'close')
  } catch (error) {
    // Half a window must not be mistaken for the writes made during the dump.
    await rm(file, { force: true })
    throw error
  }
  return {
    at: window.end,
    wallClock: wallClock(window.end),
    writes: window.writes,
    entries: window.read,
    applied: 0
  }
}

/** Whether a dump on disk carries a saved window. */
export function hasSavedWindow(path: string): boolean {
  return existsSync(join(path, OPLOG_FILE))
}

/**
 * Replays a dump's saved window on the target: every entry filtered again with the restore's
 * plan, written to the run's private directory, replayed, removed. T is the saved end entry's ts.
 */
export async function replaySaved(
  ctx: ToolContext,
  target: MongoUri,
  path: string,
  scope: OplogScope
): Promise<PointInTime> {
  const file = join(ctx.secrets.path, OPLOG_FILE)
  const out = createWriteStream(file, { mode: 0o600 })
  let at: Timestamp | undefined
  let kept = 0
  let writes = 0
  let entries = 0
  try {
    for await (const raw of dumpDocuments(join(path, OPLOG_FILE), 'all')) {
      const entry: Document = BSON.deserialize(raw, RAW)
      entries++
      if (entry.ts instanceof Timestamp) at = entry.ts
      const filtered = filterEntry(entry, scope)
      writes += filtered.writes
      if (!filtered.entry) continue
      kept++
      if (!out.write(BSON.serialize(filtered.entry))) await once(out, 'drain')
    }
    out.end()
    await once(out, 'close')
    const applied = kept > 0 ? await replayOplog(ctx, target, file) : 0
    const end = at ?? new Timestamp({ t: 0, i: 0 })
    return { at: end, wallClock: wallClock(end), writes, entries, applied }
  } finally {
    out.destroy()
    await rm(file, { force: true })
  }
}
