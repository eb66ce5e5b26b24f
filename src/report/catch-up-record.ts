// mode catch-up: what the report holds about the catch-up, and the step outputs it gives. The
// T the target holds is published even when the run fails or is cancelled, so that a re-run
// continues from it.
import { output } from '../interface.js'
import { formatOplogTime, wallClockOf } from '../input/consistent-at.js'
import type { OplogTime } from '../input/settings.js'

export interface CatchUpRecord {
  /** The T the run started from (consistent-at). */
  from: OplogTime
  /** The last source oplog entry the target holds: the new T, also on failure. */
  appliedThrough: OplogTime
  /** Its wall-clock time (ISO). */
  appliedThroughTime: string
  /** Oplog entries replayed onto the target (after the plan's filter). */
  entriesApplied: number
  /** Entries read and left out (users, roles, system databases, other namespaces, no-ops). */
  entriesSkipped: number
  batches: number
  /** How far the target was behind the source at the last batch, in seconds. */
  lagSeconds: number
  /** Primaries the source changed to during the run (host names), in order. */
  failovers: string[]
  /** caught-up: within max-lag; verified: cut over and verified exactly; else failed. */
  verdict: 'running' | 'caught-up' | 'verified' | 'failed'
  /** cutover: the source's last write to the plan (its oplog wall time), and when the copy was verified. */
  writesStoppedAt?: string
  verifiedAt?: string
  /** cutover: from the last write to verified, in seconds: the application's downtime at least. */
  cutoverSeconds?: number
}

export function newCatchUp(from: OplogTime): CatchUpRecord {
  return {
    from,
    appliedThrough: from,
    appliedThroughTime: wallClockOf(from),
    entriesApplied: 0,
    entriesSkipped: 0,
    batches: 0,
    lagSeconds: 0,
    failovers: [],
    verdict: 'running'
  }
}

/** The step outputs: consistent-at (the new T), entries-applied, lag-seconds, catch-up-verdict. */
export function publishCatchUp(record: CatchUpRecord, failed: boolean): void {
  output('consistent-at', formatOplogTime(record.appliedThrough))
  output('entries-applied', record.entriesApplied)
  output('lag-seconds', record.lagSeconds)
  output('catch-up-verdict', failed ? 'failed' : record.verdict)
}

/** The summary's catch-up paragraph (HTML; every value is a number or a timestamp). */
export function catchUpLine(r: CatchUpRecord): string {
  const cutover =
    r.cutoverSeconds === undefined
      ? ''
      : ` Cut over: ${r.cutoverSeconds.toFixed(1)} s from the source's last write (${r.writesStoppedAt}) to verified.`
  const failovers =
    r.failovers.length > 0 ? ` Source failovers followed: ${r.failovers.length}.` : ''
  return `<p>Catch-up from T = <code>${formatOplogTime(r.from)}</code>: ${r.entriesApplied} writes replayed in ${r.batches} batches (${r.entriesSkipped} entries left out); the target holds the source through <code>${formatOplogTime(r.appliedThrough)}</code> (${r.appliedThroughTime}), ${r.lagSeconds} s behind.${cutover}${failovers}</p>`
}
