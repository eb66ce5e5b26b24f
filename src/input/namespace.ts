// Namespace facts every folder shares: how a `db.collection` name splits, which namespaces hold
// the server's own users, roles and state, and a line of the `namespaces` input. A leaf: it
// imports nothing of the project, so the settings and the guard can both build on it.
import type { Document } from 'mongodb'

/** Databases that hold the server's own users, roles and state: never dumped to disk, restored or replayed into. */
export const SYSTEM_DATABASES = ['admin', 'local', 'config']

/**
 * Always passed to mongorestore: every system database (a replica set's whole-deployment dump
 * carries config.external_validation_keys and config.tenantMigration*, measured on 6.0.5) and
 * legacy per-database users.
 */
export const PROTECTED_NAMESPACES = [
  ...SYSTEM_DATABASES.map((db) => `${db}.*`),
  '*.system.users',
  '*.system.roles'
]

/** The database of `db.collection` (the collection may itself contain dots). */
export function dbOf(namespace: string): string {
  return namespace.slice(0, namespace.indexOf('.'))
}

/** The collection of `db.collection`: everything after the first dot. */
export function collectionOf(namespace: string): string {
  return namespace.slice(namespace.indexOf('.') + 1)
}

/** Users and roles: admin's collections and any database's system.users/system.roles. */
export function isCredentialNamespace(namespace: string): boolean {
  return namespace.startsWith('admin.') || /\.system\.(users|roles)$/.test(namespace)
}

/** Whether PROTECTED_NAMESPACES covers `namespace`: such a namespace is never restored or replayed. */
export function isProtectedNamespace(namespace: string): boolean {
  return SYSTEM_DATABASES.includes(dbOf(namespace)) || isCredentialNamespace(namespace)
}

/**
 * One line of the `namespaces` input: `db.coll`, `db.*` (the whole database), or `db.coll`
 * followed by a space and an `_id` range as canonical extended JSON.
 */
export interface PartLine {
  database: string
  /** undefined: every collection of the database (`db.*`). */
  collection: string | undefined
  /** The condition on `_id` (e.g. `{"$gte":…,"$lt":…}`); undefined: the whole collection. */
  range: Document | undefined
}

/** `db.collection`, or `db.*` for a whole database. */
export function namespaceOf({
  database,
  collection
}: {
  database: string
  collection: string | undefined
}): string {
  return `${database}.${collection ?? '*'}`
}
