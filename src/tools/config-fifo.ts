// A tool's `--config` through a FIFO: written once the tool has opened it, then removed, so that
// a connection string is never in a file on disk (runner.ts makes the FIFO and starts the tool).
import type { ChildProcess } from 'node:child_process'
import { closeSync, constants, openSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { debug } from '../interface.js'
import type { ConfigPipe } from '../secrets.js'

/** How often to look whether the tool has opened its FIFO yet. */
const FEED_POLL_MS = 5

/**
 * Writes the tool's config into its FIFO once the tool has opened it for reading, then removes
 * the FIFO. A non-blocking open for writing fails (ENXIO) until a reader has the FIFO open, and
 * nobody but the tool can open it (0600 in a 0700 directory): so the bytes go to the tool, the
 * tool reads them to the end (no writer is left), and no thread ever blocks on the open. A tool
 * that exits before reading leaves nothing to feed; the directory's removal takes the FIFO.
 */
export async function feedConfig(
  child: ChildProcess,
  config: ConfigPipe,
  stop: () => void
): Promise<void> {
  const alive = () => child.exitCode === null && child.signalCode === null
  try {
    for (;;) {
      try {
        const fd = openSync(config.path, constants.O_WRONLY | constants.O_NONBLOCK)
        try {
          rmSync(config.path, { force: true })
          config.writeTo(fd)
        } finally {
          closeSync(fd)
        }
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || !alive()) throw error
      }
      await sleep(FEED_POLL_MS)
    }
  } catch (error) {
    if (!alive()) return
    debug(`Could not hand the connection string to a tool (${String(error)}): it is stopped.`)
    stop()
  } finally {
    rmSync(config.path, { force: true })
  }
}
