// One step of the pipeline: run in a log group, timed, its outcome recorded for the summary.
import { toGuardError } from '../errors.js'
import { group } from '../interface.js'

export interface PhaseRecord {
  name: string
  status: 'ok' | 'failed' | 'cancelled'
  durationMs: number
}

/** Runs `fn` in a log group named `name` and appends its record to `records`. */
export async function phase<T>(
  records: PhaseRecord[],
  name: string,
  fn: () => Promise<T>
): Promise<T> {
  const started = Date.now()
  const record: PhaseRecord = { name, status: 'ok', durationMs: 0 }
  records.push(record)
  try {
    return await group(name, fn)
  } catch (error) {
    record.status = toGuardError(error).kind === 'Cancelled' ? 'cancelled' : 'failed'
    throw error
  } finally {
    record.durationMs = Date.now() - started
  }
}

/** Runs `fn` and says how long it took and when it finished (a restore, for the objectives). */
export async function timed<T extends object>(
  fn: () => Promise<T>
): Promise<T & { restoreMs: number; finishedAt: Date }> {
  const started = Date.now()
  const value = await fn()
  const finishedAt = new Date()
  return { ...value, restoreMs: finishedAt.getTime() - started, finishedAt }
}
