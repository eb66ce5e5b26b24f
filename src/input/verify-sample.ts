// The verify-sample input: how many documents per restored collection are compared byte for byte.
import { invalidInput } from '../errors.js'

/** Documents per collection to compare, or every one. */
export type SampleSize = number | 'all'

export const DEFAULT_SAMPLE = 100

/** Empty: the default; `0`: off; `all`: every document; else a whole number of documents. */
export function parseVerifySample(text: string): SampleSize {
  const value = text.trim().toLowerCase()
  if (value === '') return DEFAULT_SAMPLE
  if (value === 'all') return 'all'
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value)
  throw invalidInput(
    'verify-sample',
    `"${text}" is not a number of documents`,
    `Write a whole number (${DEFAULT_SAMPLE} by default, 0 turns the sample off) or all`
  )
}
