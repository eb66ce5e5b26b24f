// Read-mostly questions to the source and target deployments with the tool users' connection
// strings: which user databases exist, and dropping the scratch databases a rehearsal created
// (each call opens a client and closes it); each collection's count and indexes as compared.
import { GuardError } from '../errors.js'
import { SYSTEM_DATABASES } from '../input/namespace.js'
import type { MongoUri } from '../secrets.js'
import type { CollectionInfo } from './collection-options.js'

/** An index as compared: name, key and the options that change behaviour. */
export interface IndexSpec {
  name: string
  /** JSON of the key and the behaviour-changing options, with sorted keys. */
  definition: string
}

export interface CollectionState {
  namespace: string
  documents: number
  indexes: IndexSpec[]
}

/** The user databases (not admin, local, config), limited to `wanted` when it is not empty. */
export async function userDatabases(
  uri: MongoUri,
  wanted: readonly string[],
  timeoutMs: number
): Promise<string[]> {
  const names = await uri.use('verify', timeoutMs, async (c) => {
    const result = await c.db('admin').admin().listDatabases({ nameOnly: true })
    return result.databases.map((d) => d.name)
  })
  const user = names.filter((n) => !SYSTEM_DATABASES.includes(n))
  if (wanted.length === 0) return user.sort()
  const missing = wanted.filter((w) => !user.includes(w))
  if (missing.length > 0) {
    throw new GuardError(
      'InvalidInput',
      'Invalid input: databases',
      `databases: ${missing.join(', ')} not found on ${uri.input} (${uri.redacted}). Check the names; the source has ${user.join(', ') || 'no user databases'}.`
    )
  }
  return [...wanted]
}

/**
 * A collection's count (from its metadata: the cost grows with collections, not documents) and
 * its indexes as compared. A time-series collection counts its buckets (what the tools move); a
 * view counts 0, no indexes.
 */
export function stateOf(info: CollectionInfo): CollectionState {
  return {
    namespace: info.namespace,
    documents: info.documents ?? 0,
    indexes: info.indexes.map(indexSpec)
  }
}

/** Drops the named databases; used only for the scratch databases a rehearsal created. */
export async function dropDatabases(
  uri: MongoUri,
  names: readonly string[],
  timeoutMs: number
): Promise<void> {
  await uri.use('verify', timeoutMs, async (c) => {
    for (const name of names) await c.db(name).dropDatabase()
  })
}

// Options that do not change what the index does, or that servers fill in differently.
const IGNORED_OPTIONS = new Set(['v', 'ns', 'background', 'name'])

/** Normalises an index from listIndexes or a dump's metadata for comparison. */
export function indexSpec(index: Record<string, unknown>): IndexSpec {
  const options = Object.fromEntries(
    Object.entries(index)
      .filter(([k]) => !IGNORED_OPTIONS.has(k))
      // Code-unit order: localeCompare would map ICU's collation data (about 5 MB of RSS).
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  )
  return { name: String(index['name']), definition: stableJson(options) }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value !== null && typeof value === 'object' && !('_bsontype' in value)) {
    // Key order matters for an index key; object keys elsewhere are sorted above.
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`
  }
  if (value !== null && typeof value === 'object') return JSON.stringify(Number(value.valueOf()))
  return JSON.stringify(value)
}
