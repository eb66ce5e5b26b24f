// The guard for a replayed oplog: mongorestore --oplogReplay applies every entry it is given and
// refuses namespace filters and renames with it (measured, tools 100.7.0), so the action itself
// keeps only the writes of the plan's namespaces, renamed as the restore renamed them. Pure, so
// every kind of entry is unit-tested in one table.
import type { Document } from 'mongodb'
import { GuardError } from '../errors.js'
import { collectionOf, dbOf, isProtectedNamespace, SYSTEM_DATABASES } from '../input/namespace.js'
import { planNamespaces } from '../input/ns-plan.js'
import type { TransferPlan } from '../input/settings.js'

/** What decides whether an entry belongs to the copy: the plan's namespaces and renames. */
export type OplogScope = Pick<TransferPlan, 'databases' | 'nsExclude' | 'renames' | 'dumpOptions'>

/** An entry as it will be replayed (undefined: dropped) and the writes of the plan it carries. */
export interface FilteredEntry {
  entry: Document | undefined
  writes: number
}

const DROPPED: FilteredEntry = { entry: undefined, writes: 0 }

/** Commands whose first field names a collection of the entry's database (`<db>.$cmd`). */
const COLLECTION_COMMANDS = new Set([
  'create',
  'drop',
  'collMod',
  'createIndexes',
  'startIndexBuild',
  'commitIndexBuild',
  'abortIndexBuild',
  'dropIndexes',
  'deleteIndex',
  'deleteIndexes',
  'dropIndex',
  'convertToCapped',
  'emptycapped'
])

/** The end of a transaction (prepared transactions): it carries no write and ends a chain. */
const TRANSACTION_ENDS = new Set(['commitTransaction', 'abortTransaction'])

/**
 * Keeps an oplog entry only when it writes a namespace of the plan, with its namespace renamed
 * as the restore renamed it. Never kept: no-ops, any system database, users and roles, anything
 * outside `databases`/`ns-exclude`. `applyOps` (transactions) keeps its envelope, with the nested
 * entries filtered the same way. Throws when a command crosses the plan's boundary or cannot be
 * replayed safely (a rename, dropDatabase, an unknown command on a planned database).
 */
export function filterEntry(entry: Document, scope: OplogScope): FilteredEntry {
  const ns = typeof entry.ns === 'string' ? entry.ns : ''
  switch (entry.op) {
    case 'i':
    case 'u':
    case 'd': {
      const target = targetOf(ns, scope)
      return target === undefined ? DROPPED : { entry: { ...entry, ns: target }, writes: 1 }
    }
    case 'c':
      return filterCommand(entry, dbOf(ns), scope)
    default:
      // 'n' (no-op) and anything unknown: nothing to replay.
      return DROPPED
  }
}

function filterCommand(entry: Document, db: string, scope: OplogScope): FilteredEntry {
  const o = (entry.o ?? {}) as Document
  const name = Object.keys(o)[0] ?? ''
  if (name === 'applyOps') {
    const nested = (Array.isArray(o.applyOps) ? o.applyOps : []).map((e: Document) =>
      filterEntry(e, scope)
    )
    const kept = nested.flatMap((r) => (r.entry ? [r.entry] : []))
    const writes = nested.reduce((n, r) => n + r.writes, 0)
    // A transaction's entries are chained (lsid, txnNumber, prevOpTime): keep every envelope.
    const transaction = entry.lsid !== undefined && entry.txnNumber !== undefined
    if (kept.length === 0 && !transaction) return DROPPED
    return { entry: { ...entry, o: { ...o, applyOps: kept } }, writes }
  }
  if (TRANSACTION_ENDS.has(name)) return { entry, writes: 0 }
  if (COLLECTION_COMMANDS.has(name)) {
    const target = targetOf(`${db}.${String(o[name])}`, scope)
    if (target === undefined) return DROPPED
    const renamed = {
      ...entry,
      ns: `${dbOf(target)}.$cmd`,
      o: { ...o, [name]: collectionOf(target) }
    }
    return { entry: renamed, writes: 1 }
  }
  if (name === 'renameCollection' || name === 'importCollection') {
    const touched = [
      o.renameCollection,
      o.to,
      name === 'importCollection' ? `${db}.${o.importCollection}` : undefined
    ]
      .filter((n): n is string => typeof n === 'string')
      .filter((n) => targetOf(n, scope) !== undefined)
    if (touched.length === 0) return DROPPED
    throw changedDuringCopy(
      `${name} of ${touched.join(', ')}`,
      'a collection renamed or imported during the copy may have been dumped under either name (mongodump --oplog refuses it too)'
    )
  }
  if (!databaseInPlan(db, scope)) return DROPPED
  if (name === 'dropDatabase') {
    throw changedDuringCopy(
      `dropDatabase of ${db}`,
      'replaying it would drop the target database, with whatever it held before the copy'
    )
  }
  throw changedDuringCopy(
    `the command ${name} on ${db}`,
    'the action replays only writes, collection and index commands'
  )
}

/** The namespace the restore wrote `namespace` into, or undefined when it is outside the plan. */
function targetOf(namespace: string, scope: OplogScope): string | undefined {
  return planNamespaces([namespace], scope)[0]?.target
}

function databaseInPlan(db: string, scope: OplogScope): boolean {
  if (SYSTEM_DATABASES.includes(db) || isProtectedNamespace(`${db}.x`)) return false
  return scope.databases.length === 0 || scope.databases.includes(db)
}

function changedDuringCopy(what: string, why: string): GuardError {
  return new GuardError(
    'ReplayImpossible',
    'The source changed in a way a replay cannot copy',
    `The source ran ${what} while it was copied: ${why}. The data restored so far is on the target, without the writes made during the copy. Run the copy again when no such change runs on the source.`
  )
}
