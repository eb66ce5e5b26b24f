// Which documents TTL may have deleted by a given time, from a collection's own description (pure).
// The TTL monitor deletes a document once its date field (a date, or the earliest date of an
// array) is older than now − expireAfterSeconds; a document without a date there never expires.
// It runs every 60 s by default, on each server on its own clock: a document past that point may
// or may not exist, on either side, so the copy check compares only documents not past it.
import type { Document } from 'mongodb'
import type { CollectionInfo } from './collection-options.js'

export interface ExpiryRule {
  /** The field (dotted path) compared with the cutoff, in the collection the tools move. */
  field: string
  expireAfterSeconds: number
  /** What sets it: a TTL index (by name), a clustered collection's or a time-series' option. */
  source: string
}

/**
 * The expiry rules of one collection as either side describes it: the application may have
 * created its TTL index on the target's empty collection before the restore (as ODMs do at
 * start-up), so a rule on one side only counts too. A time-series collection's rule applies to
 * its buckets, which TTL deletes whole once their newest measurement (`control.max.<timeField>`)
 * is past the cutoff: a bucket whose newest measurement is not must exist.
 */
export function expiryRules(...sides: (CollectionInfo | undefined)[]): ExpiryRule[] {
  const rules = new Map<string, ExpiryRule>()
  const add = (rule: ExpiryRule | undefined) => {
    if (!rule) return
    const key = `${rule.field}\u0000${rule.expireAfterSeconds}`
    if (!rules.has(key)) rules.set(key, rule)
  }
  for (const info of sides) {
    if (!info || info.type === 'view') continue
    const seconds = secondsOf(info.options['expireAfterSeconds'])
    if (info.type === 'timeseries') {
      const timeField = (info.options['timeseries'] as { timeField?: unknown } | undefined)
        ?.timeField
      if (seconds !== undefined && typeof timeField === 'string') {
        add({
          field: `control.max.${timeField}`,
          expireAfterSeconds: seconds,
          source: 'timeseries'
        })
      }
      continue
    }
    if (seconds !== undefined && info.options['clusteredIndex'] !== undefined) {
      add({ field: '_id', expireAfterSeconds: seconds, source: 'clustered' })
    }
    for (const index of info.indexes) add(ttlRuleOf(index))
  }
  return [...rules.values()]
}

/** A TTL index's rule: one field, a finite expireAfterSeconds (the monitor ignores compound ones). */
export function ttlRuleOf(index: Record<string, unknown>): ExpiryRule | undefined {
  const seconds = secondsOf(index['expireAfterSeconds'])
  const fields = Object.keys((index['key'] as Record<string, unknown> | undefined) ?? {})
  if (seconds === undefined || fields.length !== 1) return undefined
  return { field: fields[0] as string, expireAfterSeconds: seconds, source: String(index['name']) }
}

function secondsOf(value: unknown): number | undefined {
  // The server returns an int, a long or a double as it was stored; the driver promotes them.
  const seconds =
    typeof value === 'number' ? value : Number((value as object | undefined)?.valueOf())
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
}

/** The documents that may have expired by `at`: past the cutoff of any rule. */
export function expiredFilter(rules: readonly ExpiryRule[], at: Date): Document {
  const conditions = rules.map((r) => ({
    [r.field]: { $lt: new Date(at.getTime() - r.expireAfterSeconds * 1000) }
  }))
  return conditions.length === 1 ? (conditions[0] as Document) : { $or: conditions }
}

/** The documents that must still exist at `at`: past no rule's cutoff (or without a date). */
export function liveFilter(rules: readonly ExpiryRule[], at: Date): Document {
  return { $nor: [expiredFilter(rules, at)] }
}

/** A collection's rules and the time its documents must not be expired by to be compared. */
export interface Expiring {
  rules: ExpiryRule[]
  at: Date
}

/**
 * `expiredFilter` evaluated here, for a document read from a dump on disk: a date at the field's
 * path (through arrays, as a query matches) older than the cutoff of any rule.
 */
export function isExpired(document: Document, { rules, at }: Expiring): boolean {
  return rules.some((rule) => {
    const cutoff = at.getTime() - rule.expireAfterSeconds * 1000
    return valuesAt(document, rule.field.split('.')).some(
      (value) => value instanceof Date && value.getTime() < cutoff
    )
  })
}

/** The values a query reaches at a dotted path: an array's elements count, each on its own. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value]
  if (Array.isArray(value)) return value.flatMap((element) => valuesAt(element, path))
  if (value === null || typeof value !== 'object' || value instanceof Date) return []
  const [head, ...rest] = path as [string, ...string[]]
  return valuesAt((value as Record<string, unknown>)[head], rest)
}
