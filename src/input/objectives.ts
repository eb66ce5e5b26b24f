// The recovery objectives a run is held to: how long the restore may take (max-restore-duration,
// the RTO) and how old the restored data may be (max-data-age, the RPO). Written as a whole
// number and one unit (`90s`, `30m`, `26h`, `7d`) so that a bound reads the same in a workflow,
// the summary and the report; anything else is refused before the run starts.
import { invalidInput } from '../errors.js'

/** The bounds, in milliseconds; undefined: not held to one. */
export interface Objectives {
  maxRestoreMs: number | undefined
  maxDataAgeMs: number | undefined
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `90s`, `30m`, `26h`, `7d`: a whole number greater than 0 and one unit; empty: no bound. */
export function parseDuration(input: string, text: string): number | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const match = /^(\d+)([smhd])$/.exec(value)
  const amount = match ? Number(match[1]) : NaN
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw invalidInput(
      input,
      `"${text}" is not a duration`,
      'Write a whole number greater than 0 and one unit: s, m, h or d, e.g. 30m, 26h or 7d'
    )
  }
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}

/**
 * A duration as a person reads it, to the second: `2d 3h`, `1h 5m`, `4m 10s`, `12.3s`. Two
 * units at most: a bound missed by `2d 3h` needs no seconds.
 */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(ms)
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)}s`
  const units: [string, number][] = [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s]
  ]
  const parts: string[] = []
  let rest = Math.round(abs / 1000) * 1000
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`)
    if (parts.length === 2) break
  }
  return sign + parts.filter((p) => !/^0/.test(p)).join(' ')
}
