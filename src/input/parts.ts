// A migration split across a GitHub Actions matrix: the `namespaces` lines a part job is given,
// the balance of namespaces into parts by bytes, and the `_id` ranges that cut one large
// collection into pieces. Pure, so the planning is unit-tested without a server.
import { BSON, type Document } from 'mongodb'
import { forbidden, invalidInput } from '../errors.js'
import { isProtectedNamespace, namespaceOf, SYSTEM_DATABASES, type PartLine } from './namespace.js'
import { DATABASE_NAME } from './privileges.js'
import type { TransferPlan } from './settings.js'

/** GitHub's limits: 256 jobs in a matrix; keep the outputs well under the 1 MB per job. */
export const MAX_PARTS = 256
export const OUTPUT_BUDGET = 512 * 1024

/** The line as a part job reads it back: exact, canonical extended JSON for the range. */
export function formatLine(line: PartLine): string {
  const range =
    line.range === undefined ? '' : ` ${BSON.EJSON.stringify(line.range, { relaxed: false })}`
  return `${namespaceOf(line)}${range}`
}

/** mongodump's `--query`: the filter on `_id`, as canonical extended JSON. */
export function queryOf(range: Document): string {
  return BSON.EJSON.stringify({ _id: range }, { relaxed: false })
}

/**
 * The range without a lower bound (the first piece, which also holds every `_id` of other
 * types) is the one whose part builds the collection's indexes; its siblings restore with
 * --noIndexRestore, so no two parts build the same index at once.
 */
export function buildsIndexes(line: PartLine): boolean {
  return line.range === undefined || !('$gte' in line.range)
}

export function parseNamespaceLines(lines: readonly string[]): PartLine[] {
  return lines.map((text, i) => parseLine(text.trim(), `namespaces (line ${i + 1})`))
}

function parseLine(text: string, input: string): PartLine {
  const { namespace, range } = splitRange(text, input)
  const dot = namespace.indexOf('.')
  const database = namespace.slice(0, Math.max(dot, 0))
  const collection = namespace.slice(dot + 1)
  if (dot < 1 || collection === '' || !DATABASE_NAME.test(database)) {
    throw invalidInput(
      input,
      `"${namespace}" is not a namespace`,
      'Write one namespace per line as database.collection, or database.* for a whole database, optionally followed by a space and an _id range as extended JSON'
    )
  }
  if (SYSTEM_DATABASES.includes(database.toLowerCase()) || isProtectedNamespace(namespace)) {
    throw forbidden(
      `${input}: ${namespace}`,
      `${namespace} holds the server's own users, roles or state; only user databases are moved`,
      `Remove ${namespace} from namespaces.`
    )
  }
  if (collection === '*' && range !== undefined) {
    throw invalidInput(
      input,
      'an _id range needs one collection, not database.*',
      'Name the collection'
    )
  }
  return { database, collection: collection === '*' ? undefined : collection, range }
}

/** `db.coll {…}`: a collection name may hold spaces, so the range is the first ` {` that parses. */
function splitRange(text: string, input: string): { namespace: string; range?: Document } {
  for (let at = text.indexOf(' {'); at >= 0; at = text.indexOf(' {', at + 1)) {
    let range: unknown
    try {
      range = BSON.EJSON.parse(text.slice(at + 1), { relaxed: false })
    } catch {
      continue
    }
    if (range === null || typeof range !== 'object' || Array.isArray(range)) break
    const keys = Object.keys(range)
    if (keys.length === 0 || keys.some((k) => !RANGE_OPERATORS.includes(k))) {
      throw invalidInput(
        input,
        `the _id range ${text.slice(at + 1)} uses other operators than ${RANGE_OPERATORS.join(', ')}`,
        'Use the ranges mode: plan writes, e.g. {"$gte":{"$oid":"…"},"$lt":{"$oid":"…"}}'
      )
    }
    return { namespace: text.slice(0, at), range: range as Document }
  }
  return { namespace: text }
}

const RANGE_OPERATORS = ['$gte', '$lt', '$not']

/**
 * `points` sorted ascending, all of one BSON type: k points cut the collection into k + 1
 * ranges. Comparisons only match values of the comparand's type, so the first range is "not
 * ≥ the first point": every smaller value of that type and every `_id` of any other type. The
 * others are `[pᵢ, pᵢ₊₁)` and `≥ the last point`, which match that type only. Together they
 * hold every document exactly once.
 */
export function idRanges(points: readonly unknown[]): Document[] {
  if (points.length === 0) return []
  const ranges: Document[] = [{ $not: { $gte: points[0] } }]
  for (let i = 0; i < points.length; i++) {
    const next = points[i + 1]
    ranges.push(next === undefined ? { $gte: points[i] } : { $gte: points[i], $lt: next })
  }
  return ranges
}

/** How many pieces a collection is cut into: enough that none is larger than a fair part. */
export function piecesFor(bytes: number, totalBytes: number, parts: number): number {
  if (parts < 2 || totalBytes <= 0) return 1
  const fair = totalBytes / parts
  return Math.min(parts, Math.max(1, Math.ceil(bytes / fair - 1e-9)))
}

/**
 * Largest first into the lightest part (ties: the earlier part), so the slowest part, which
 * decides when the matrix finishes, is as light as this greedy split can make it. Returns at
 * most `parts` non-empty parts, each in the order its items were placed.
 */
export function balance<T extends { bytes: number; key: string }>(
  items: readonly T[],
  parts: number
): T[][] {
  const bins: { bytes: number; items: T[] }[] = Array.from({ length: parts }, () => ({
    bytes: 0,
    items: []
  }))
  const sorted = [...items].sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1))
  for (const item of sorted) {
    const lightest = bins.reduce((min, bin) => (bin.bytes < min.bytes ? bin : min))
    lightest.items.push(item)
    lightest.bytes += item.bytes
  }
  return bins.filter((b) => b.items.length > 0).map((b) => b.items)
}

/** `strategy.matrix` for the part jobs: one entry per part, its lines joined by new lines. */
export function matrixOf(parts: readonly PartLine[][]): string {
  const include = parts.map((lines, i) => ({
    part: `${i + 1}/${parts.length}`,
    namespaces: lines.map(formatLine).join('\n')
  }))
  return JSON.stringify({ include })
}

/** The collections of a part that sibling parts fill at once (a line with an `_id` range). */
export function rangedNamespaces(plan: TransferPlan): string[] {
  const ranged = plan.namespaces.filter((l) => l.range !== undefined)
  return [...new Set(ranged.map(namespaceOf))]
}
