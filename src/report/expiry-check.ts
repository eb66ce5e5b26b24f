// TTL during the copy check: documents a TTL index (or a time-series collection's
// expireAfterSeconds) may have deleted by the time of the check are not data loss. For each
// restored collection with an expiry rule on either side, both sides are counted without the
// documents past the cutoff (those may or may not exist, whatever the TTL monitors did), and the
// source's expired ones are counted for the report. The sample leaves them out too.
import { BSON, type Document, type MongoClient } from 'mongodb'
import { SERVER_CONCURRENCY } from '../concurrency.js'
import { collectionOf, dbOf } from '../input/namespace.js'
import type { MongoUri } from '../secrets.js'
import { bucketsOf, type CollectionInfo } from '../server/collection-options.js'
import {
  expiredFilter,
  expiryRules,
  isExpired,
  liveFilter,
  type Expiring,
  type ExpiryRule
} from '../server/expiry.js'
import { bsonFile, dumpDocuments } from '../tools/dump-documents.js'
import type { Reference } from './verify-copy.js'
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
  /** Collections with a rule that could not be counted on the source side (an archive file), and why. */
  uncounted: { source: string; target: string; reason: string }[]
}

/**
 * The collections with an expiry rule on either side, counted on both; undefined when none has
 * one. The source side is the source deployment or a dump directory (read through); an archive
 * file is not read, so its collections are left uncounted.
 */
export async function checkExpiry(
  reference: Reference,
  target: MongoUri,
  targetInfo: ReadonlyMap<string, CollectionInfo>,
  restored: readonly RestoredNamespace[],
  timeoutMs: number
): Promise<ExpiryCheck | undefined> {
  const expiring = restored
    .map((pair) => {
      const from = reference.collections.get(pair.source)
      const to = targetInfo.get(pair.target)
      // A time-series collection's documents are its buckets, where its rule applies.
      const [source, onTarget] =
        (from?.type ?? to?.type) === 'timeseries'
          ? [bucketsOf(pair.source), bucketsOf(pair.target)]
          : [pair.source, pair.target]
      return { pair, source, onTarget, rules: expiryRules(from, to) }
    })
    .filter((e) => e.rules.length > 0)
  if (expiring.length === 0) return undefined
  const withSource = <T>(fn: (client: MongoClient | undefined) => Promise<T>) =>
    reference.kind === 'server'
      ? reference.uri.use('verify', timeoutMs, fn, { poolSize: SERVER_CONCURRENCY })
      : fn(undefined)
  return withSource((sourceClient) =>
    target.use(
      'verify',
      timeoutMs,
      async (targetClient) => {
        // Each side's TTL monitor runs on its own clock: the later one decides.
        const clocks = await Promise.all([targetClient, sourceClient].map(clockOf))
        const at = new Date(Math.max(...clocks) + EXPIRY_MARGIN_MS)
        const uncounted: ExpiryCheck['uncounted'] = []
        const collections: ExpiryRecord[] = []
        await Promise.all(
          expiring.map(async ({ pair, source, onTarget, rules }) => {
            const expiring = { rules, at }
            const counted = sourceClient
              ? await countOnServer(sourceClient, source, expiring)
              : await countInDump(reference as DumpReference, source, expiring)
            if (typeof counted === 'string') {
              uncounted.push({ ...pair, reason: counted })
              return
            }
            const targetLive = await count(targetClient, onTarget, liveFilter(rules, at))
            collections.push({ ...pair, rules, ...counted, targetLive })
          })
        )
        const expired = collections.reduce((n, c) => n + c.expired, 0)
        return { asOf: at.toISOString(), collections, expired, uncounted }
      },
      { poolSize: SERVER_CONCURRENCY }
    )
  )
}

type DumpReference = Extract<Reference, { kind: 'dump' }>

async function countOnServer(
  client: MongoClient,
  namespace: string,
  { rules, at }: Expiring
): Promise<{ expired: number; sourceLive: number }> {
  const [expired, sourceLive] = await Promise.all([
    count(client, namespace, expiredFilter(rules, at)),
    count(client, namespace, liveFilter(rules, at))
  ])
  return { expired, sourceLive }
}

/** Reads the collection's documents file through; a reason instead when it cannot. */
async function countInDump(
  dump: DumpReference,
  namespace: string,
  expiring: Expiring
): Promise<{ expired: number; sourceLive: number } | string> {
  if (dump.format === 'archive') return 'an archive file is not read for its expired documents'
  const file = bsonFile(dump.path, namespace)
  const counts = { expired: 0, sourceLive: 0 }
  if (!file) return counts
  for await (const raw of dumpDocuments(file, 'all')) {
    if (isExpired(BSON.deserialize(raw), expiring)) counts.expired += 1
    else counts.sourceLive += 1
  }
  return counts
}

/** The server's own time (`hello.localTime`), in milliseconds; 0 without a server. */
async function clockOf(client: MongoClient | undefined): Promise<number> {
  if (!client) return 0
  const hello = await client.db('admin').command({ hello: 1 })
  return (hello['localTime'] as Date).getTime()
}

function count(client: MongoClient, namespace: string, filter: Document): Promise<number> {
  return client.db(dbOf(namespace)).collection(collectionOf(namespace)).countDocuments(filter)
}

/** What the sample leaves out, by source namespace: the documents past the cutoff. */
export function expiringOf(check: ExpiryCheck | undefined): Map<string, Expiring> {
  const at = new Date(check?.asOf ?? 0)
  return new Map((check?.collections ?? []).map((c) => [c.source, { rules: c.rules, at }]))
}

/**
 * The expected counts, without those of the collections whose live documents are compared
 * instead, or that TTL may have thinned and could not be counted (reported as uncounted).
 */
export function withoutExpiring(
  expected: ReadonlyMap<string, Expected>,
  check: ExpiryCheck | undefined
): Map<string, Expected> {
  const expiring = new Set(
    [...(check?.collections ?? []), ...(check?.uncounted ?? [])].map((c) => c.source)
  )
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
