// The window's entries, filtered, as a BSON file (one serialized entry after another, the format
// of mongodump's oplog.bson) in the run's private directory, and its replay on the target by
// mongorestore --oplogReplay --oplogFile, which applies each entry with applyOps, buffers
// transactions by lsid/txnNumber and strips `ui` (mongorestore/oplog.go, tools 100.7.0).
import { info } from '../interface.js'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { once } from 'node:events'
import { BSON, type Timestamp } from 'mongodb'
import type { MongoUri } from '../secrets.js'
import { oplogReplayArgs } from '../tools/args.js'
import { checkRun, command, echo, run, type ToolContext } from '../tools/transfer.js'
import type { ToolRun } from '../tools/runner.js'
import { filterEntry, type OplogScope } from './filter.js'
import { readWindow } from './window.js'

/** The window as captured: its end, the entries read, those kept and the writes they carry. */
export interface CapturedWindow {
  end: Timestamp
  /** Entries of the whole deployment in the window. */
  read: number
  /** Entries written to the file (transactions' envelopes included). */
  kept: number
  /** Writes of the plan's namespaces (inserts, updates, deletes, collection commands). */
  writes: number
}

/**
 * Reads the window [start, newest] from the source, keeps what `filterEntry` keeps and writes it
 * to `file`. Call it only after every mongodump has finished.
 */
export async function captureWindow(
  source: MongoUri,
  start: Timestamp,
  scope: OplogScope,
  file: string,
  timeoutMs: number
): Promise<CapturedWindow> {
  const out = createWriteStream(file, { mode: 0o600 })
  let kept = 0
  let writes = 0
  try {
    const { end, entries } = await readWindow(source, start, timeoutMs, async (entry) => {
      const filtered = filterEntry(entry, scope)
      writes += filtered.writes
      if (!filtered.entry) return
      kept++
      if (!out.write(BSON.serialize(filtered.entry))) await once(out, 'drain')
    })
    return { end, read: entries, kept, writes }
  } finally {
    out.end()
    await once(out, 'close')
  }
}

/** Replays `file` on the target; returns how many entries mongorestore says it applied. */
export async function replayOplog(
  ctx: ToolContext,
  target: MongoUri,
  file: string
): Promise<number> {
  // mongorestore needs a dump directory beside --oplogFile: an empty one restores nothing else.
  const empty = join(ctx.secrets.path, 'oplog-replay-empty')
  await mkdir(empty, { recursive: true })
  try {
    const replay = await command(ctx, 'mongorestore', target, (config) =>
      oplogReplayArgs(config, file, empty)
    )
    info(echo(replay))
    const { runs, interruption } = await run(ctx, [replay])
    const done = runs[0] as ToolRun
    checkRun(done, interruption, 'restore', true)
    return appliedEntries(done.lines)
  } finally {
    await rm(empty, { recursive: true, force: true })
  }
}

/** mongorestore's "applied N oplog entries" (0 when it did not say). */
export function appliedEntries(lines: readonly string[]): number {
  for (const line of [...lines].reverse()) {
    const match = /applied (\d+) oplog entr/.exec(line)
    if (match) return Number(match[1])
  }
  return 0
}
