// TTL during the copy check: documents a TTL index (or a time-series collection's
// expireAfterSeconds) may have deleted by the time of the check are not data loss. For each
// restored collection with an expiry rule on either side, both sides are counted without the
// documents past the cutoff (those may or may not exist, whatever the TTL monitors did), and the
// source's expired ones are counted for the report. The sample leaves them out too.
import type { Document, MongoClient } from 'mongodb'
import { SERVER_CONCURRENCY } from '../concurrency.js'
import { collectionOf, dbOf } from '../input/ns-plan.js'
import type { MongoUri } from '../secrets.js'
import { bucketsOf, type CollectionInfo } from '../server/collection-options.js'
import { expiredFilter, expiryRules, liveFilter, type ExpiryRule } from '../server/expiry.js'
import type { RestoredNamespace } from '../tools/output.js'
import type { Expected, Mismatch } from './data-check.js'

/**
 * How far ahead of the check's start the cutoff is put: a document that expires while the
 * check runs is left out too, so a TTL monitor that deletes it mid-check changes nothing.
 */
export const EXPIRY_MARGIN_MS = 10 * 60_000

export interface ExpiryRecord {
  /** The restored collection (source and target names). */
  source: string
  target: string
  rules: ExpiryRule[]
  /** Source documents past the cutoff, left out of the counts and the sample. */
  expired: number
  /** Documents not past it, on each side: these must match. */
  sourceLive: number
  targetLive: number
}

export interface ExpiryCheck {
  /** The time a document must not be expired by to be compared: the later server clock plus the margin. */
  asOf: string
  collections: ExpiryRecord[]
  /** The source's documents left out, all collections together. */
  expired: number
}

/** The collections with an expiry rule, counted on both sides; undefined when none has one. */
export async function checkExpiry(
  source: MongoUri,
  target: MongoUri,
  sourceInfo: ReadonlyMap<string, CollectionInfo>,
  targetInfo: ReadonlyMap<string, CollectionInfo>,
  restored: readonly RestoredNamespace[],
  timeoutMs: number
): Promise<ExpiryCheck | undefined> {
  const expiring = restored
    .map((pair) => {
      const from = sourceInfo.get(pair.source)
      const to = targetInfo.get(pair.target)
      const type = from?.type ?? to?.type
      return { pair, type, rules: expiryRules(from, to) }
    })
    .filter((e) => e.rules.length > 0)
  if (expiring.length === 0) return undefined
  return source.use(
    'verify',
    timeoutMs,
    (sourceClient) =>
      target.use(
        'verify',
        timeoutMs,
        async (targetClient) => {
          // Each side's TTL monitor runs on its own clock: the later one decides.
          const now = Math.max(await clockOf(sourceClient), await clockOf(targetClient))
          const at = new Date(now + EXPIRY_MARGIN_MS)
          const collections = await Promise.all(
            expiring.map(async ({ pair, type, rules }): Promise<ExpiryRecord> => {
              // A time-series collection's documents are its buckets, where its rule applies.
              const [from, to] =
                type === 'timeseries'
                  ? [bucketsOf(pair.source), bucketsOf(pair.target)]
                  : [pair.source, pair.target]
              const live = liveFilter(rules, at)
              const [expired, sourceLive, targetLive] = await Promise.all([
                count(sourceClient, from, expiredFilter(rules, at)),
                count(sourceClient, from, live),
                count(targetClient, to, live)
              ])
              return { ...pair, rules, expired, sourceLive, targetLive }
            })
          )
          const expired = collections.reduce((n, c) => n + c.expired, 0)
          return { asOf: at.toISOString(), collections, expired }
        },
        false,
        SERVER_CONCURRENCY
      ),
    false,
    SERVER_CONCURRENCY
  )
}

/** The server's own time (`hello.localTime`), in milliseconds. */
async function clockOf(client: MongoClient): Promise<number> {
  const hello = await client.db('admin').command({ hello: 1 })
  return (hello['localTime'] as Date).getTime()
}

function count(client: MongoClient, namespace: string, filter: Document): Promise<number> {
  return client.db(dbOf(namespace)).collection(collectionOf(namespace)).countDocuments(filter)
}

/** The source documents the sample leaves out, by source namespace: those past the cutoff. */
export function liveFilters(check: ExpiryCheck | undefined): Map<string, Document> {
  const at = new Date(check?.asOf ?? 0)
  return new Map((check?.collections ?? []).map((c) => [c.source, liveFilter(c.rules, at)]))
}

/** The expected counts, without those of the collections whose live documents are compared instead. */
export function withoutExpiring(
  expected: ReadonlyMap<string, Expected>,
  check: ExpiryCheck | undefined
): Map<string, Expected> {
  const expiring = new Set((check?.collections ?? []).map((c) => c.source))
  return new Map(
    [...expected].map(([ns, e]) => [ns, expiring.has(ns) ? { ...e, documents: undefined } : e])
  )
}

/** The collections whose documents not past the cutoff differ in number. */
export function expiryMismatches(check: ExpiryCheck | undefined, exact: boolean): Mismatch[] {
  return (check?.collections ?? [])
    .filter((c) => (exact ? c.targetLive !== c.sourceLive : c.targetLive < c.sourceLive))
    .map((c) => ({
      namespace: c.target,
      check: 'count',
      problem: `${c.targetLive} documents not expired by TTL, expected ${exact ? '' : 'at least '}${c.sourceLive} (${c.expired} expired on the source, not compared)`
    }))
}
