// The T a catch-up starts from, as the user passes it: the migrate step's `consistent-at` output
// (or a catch-up's, to continue), or the path of either step's JSON report. Pure: the caller
// reads the file. Refused with the input named before anything connects.
import { invalidInput } from '../errors.js'
import type { OplogTime } from './settings.js'

const INPUT = 'consistent-at'
const FIX =
  'Pass ${{ needs.migrate.outputs.consistent-at }} (or a catch-up run\'s consistent-at to continue), e.g. "1733400000:5" or {"t":1733400000,"i":5}, or the path of the migrate step\'s report file'

/** Spellings of a timestamp: `t.i`, `t:i`, `t,i`, `Timestamp(t, i)`, or JSON `{t, i}`. */
export function parseOplogTime(text: string, input = INPUT): OplogTime {
  const trimmed = text.trim()
  const plain = /^(?:Timestamp\(\s*)?(\d+)\s*[.,:]\s*(\d+)\s*\)?$/.exec(trimmed)
  if (plain) return checked({ t: Number(plain[1]), i: Number(plain[2]) }, text, input)
  if (trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      throw invalidInput(input, 'is not valid JSON', FIX)
    }
    const found = timeIn(parsed)
    if (found) return checked(found, text, input)
  }
  throw invalidInput(input, `"${trimmed.slice(0, 80)}" is not an oplog timestamp`, FIX)
}

/** A report (or output) object: its `consistentAt`/`ts`/`$timestamp` or `{t, i}` itself. */
export function timeIn(value: unknown, depth = 0): OplogTime | undefined {
  if (typeof value === 'string' && /^\d+[.:,]\d+$/.test(value)) {
    const [t, i] = value.split(/[.:,]/).map(Number)
    return { t: t as number, i: i as number }
  }
  if (typeof value !== 'object' || value === null || depth > 4) return undefined
  const record = value as Record<string, unknown>
  if (typeof record['t'] === 'number' && typeof record['i'] === 'number') {
    return { t: record['t'], i: record['i'] }
  }
  // A catch-up's report continues from what it applied; a migrate's from its T.
  for (const key of ['catchUp', 'appliedThrough', 'consistency', 'at', 'ts', '$timestamp']) {
    if (key in record) {
      const found = timeIn(record[key], depth + 1)
      if (found) return found
    }
  }
  return undefined
}

function checked(time: OplogTime, text: string, input: string): OplogTime {
  const valid = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff
  if (!valid(time.t) || !valid(time.i) || time.t === 0) {
    throw invalidInput(input, `"${text.trim().slice(0, 80)}" is not an oplog timestamp`, FIX)
  }
  return time
}

/** How T is written in outputs and logs: `t:i` as migrate writes it (mongorestore's --oplogLimit syntax). */
export function formatOplogTime(time: OplogTime): string {
  return `${time.t}:${time.i}`
}

/** The wall-clock time of a timestamp's second, ISO. */
export function wallClockOf(time: OplogTime): string {
  return new Date(time.t * 1000).toISOString()
}
