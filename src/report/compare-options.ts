// Compares what each restored collection is on the target with what it is on the source (or in
// the dump's metadata): its type, the options mongorestore keeps from an existing collection
// without a word, and every index definition in full. Pure: the reading is done elsewhere.
import { BSON } from 'mongodb'
import type { CollectionInfo } from '../server/collection-options.js'

export interface OptionDifference {
  /** The target namespace. */
  namespace: string
  /** The option, or `index <name>.<field>` for an index. */
  option: string
  /** Canonical JSON of the value; `(absent)` when it is not set. */
  source: string
  target: string
}

export const ABSENT = '(absent)'

/** The collection options compared; others (uuid, idIndex…) are identity, not behaviour. */
export const COMPARED_OPTIONS = [
  'viewOn',
  'pipeline',
  'validator',
  'validationLevel',
  'validationAction',
  'collation',
  'capped',
  'size',
  'max',
  'timeseries',
  'expireAfterSeconds',
  'clusteredIndex',
  'changeStreamPreAndPostImages'
] as const

// What the server does when these are absent (a collection created with a validator and no
// level or action): the same behaviour as the explicit default, so absent equals the default.
const SERVER_DEFAULTS: Record<string, unknown> = {
  validationLevel: 'strict',
  validationAction: 'error'
}

// Index fields that are not the index's behaviour: `ns` (dropped from listIndexes in 4.4, still in
// old dumps) and `background` (a build option, ignored since 4.2).
const IGNORED_INDEX_FIELDS = new Set(['ns', 'background'])

export function compareOptions(
  pairs: readonly { source: string; target: string }[],
  expected: ReadonlyMap<string, CollectionInfo>,
  actual: ReadonlyMap<string, CollectionInfo>
): OptionDifference[] {
  return pairs.flatMap(({ source, target }): OptionDifference[] => {
    const want = expected.get(source)
    if (!want) return []
    const have = actual.get(target)
    const row = (option: string, s: unknown, t: unknown, field = option) => ({
      namespace: target,
      option,
      source: canonical(s, field),
      target: canonical(t, field)
    })
    if (!have) return [row('type', want.type, undefined)]
    if (want.type !== have.type) return [row('type', want.type, have.type)]
    const options = COMPARED_OPTIONS.flatMap((name) => {
      const s = want.options[name] ?? defaultOf(name, want.options)
      const t = have.options[name] ?? defaultOf(name, have.options)
      return differingFields(name, s, t, name).map((d) => row(d.path, d.source, d.target, name))
    })
    return [...options, ...compareIndexes(want.indexes, have.indexes, row)]
  })
}

function defaultOf(name: string, options: Record<string, unknown>): unknown {
  return options['validator'] === undefined ? undefined : SERVER_DEFAULTS[name]
}

function compareIndexes(
  want: readonly Record<string, unknown>[],
  have: readonly Record<string, unknown>[],
  row: (option: string, s: unknown, t: unknown, field?: string) => OptionDifference
): OptionDifference[] {
  const byName = (list: readonly Record<string, unknown>[]) =>
    new Map(list.map((i) => [String(i['name']), i]))
  const [wanted, had] = [byName(want), byName(have)]
  const differences: OptionDifference[] = []
  for (const [name, index] of wanted) {
    const other = had.get(name)
    if (!other) {
      differences.push(row(`index ${name}`, index['key'], undefined, 'key'))
      continue
    }
    const fields = new Set([...Object.keys(index), ...Object.keys(other)])
    for (const field of [...fields].sort()) {
      if (IGNORED_INDEX_FIELDS.has(field) || field === 'name') continue
      for (const d of differingFields(`index ${name}.${field}`, index[field], other[field], field))
        differences.push(row(d.path, d.source, d.target, field))
    }
  }
  for (const [name, index] of had) {
    if (!wanted.has(name)) differences.push(row(`index ${name}`, undefined, index['key'], 'key'))
  }
  return differences
}

/**
 * Where two values differ: the value itself, or, when both are objects whose field order does
 * not matter (a collation, a validator), each field that differs, so that a row shows the
 * difference (`collation.locale`: "fr" / "de") and not two walls of defaults.
 */
function differingFields(
  path: string,
  source: unknown,
  target: unknown,
  name: string
): { path: string; source: unknown; target: unknown }[] {
  if (canonical(source, name) === canonical(target, name)) return []
  if (!ORDERED.has(name) && isPlainObject(source) && isPlainObject(target)) {
    const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort()
    return keys.flatMap((key) => differingFields(`${path}.${key}`, source[key], target[key], key))
  }
  return [{ path, source, target }]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !('_bsontype' in value)
  )
}

/**
 * One text per value, so that equal values compare equal:
 * - numbers by value: the server keeps the type the creator sent (int, long or double; the
 *   tools write longs), and the type of `size` or `expireAfterSeconds` changes nothing;
 * - object keys sorted, except where order is meaning: an index `key`, a view `pipeline`
 *   (`$sort`, `$project` field order) — mongodump writes some options from Go maps, in any order.
 */
export function canonical(value: unknown, name = ''): string {
  if (value === undefined) return ABSENT
  return JSON.stringify(normalise(value, ORDERED.has(name)))
}

const ORDERED = new Set(['key', 'pipeline'])

function normalise(value: unknown, ordered: boolean): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => normalise(v, ordered))
  const bson = value as { _bsontype?: string }
  if (bson._bsontype) {
    if (['Int32', 'Long', 'Double'].includes(bson._bsontype)) return Number(value.valueOf())
    return BSON.EJSON.serialize(value, { relaxed: false })
  }
  const entries = Object.entries(value).map(
    ([k, v]) => [k, normalise(v, ordered || ORDERED.has(k))] as const
  )
  if (!ordered) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(entries)
}
