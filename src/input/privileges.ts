// What the application needs to do on each database, and whether a user's privileges allow it.
// Checked action by action: role names differ between deployments, actions are what the
// server enforces.
import { invalidInput } from '../errors.js'

/** The actions the application needs on one database. */
export interface PrivilegeRequirement {
  database: string
  /** Action names, e.g. `find`, `insert`. */
  actions: string[]
  /** The line as the user wrote it, for messages. */
  asWritten: string
}

/** A privilege as `connectionStatus` with `showPrivileges: true` reports it. */
export interface GrantedPrivilege {
  resource: { db?: string; collection?: string; anyResource?: boolean; cluster?: boolean }
  actions: string[]
}

/** What a database is missing: the actions the app needs and the user lacks. */
export interface MissingPrivileges {
  database: string
  actions: string[]
}

// The database-wide actions of the built-in roles that every MongoDB >= 4.4 grants.
const READ = [
  'changeStream',
  'collStats',
  'dbHash',
  'dbStats',
  'find',
  'killCursors',
  'listCollections',
  'listIndexes'
]
const READ_WRITE = [
  ...READ,
  'convertToCapped',
  'createCollection',
  'createIndex',
  'dropCollection',
  'dropIndex',
  'insert',
  'remove',
  'renameCollectionSameDB',
  'update'
]
const DB_ADMIN = [
  'bypassDocumentValidation',
  'collMod',
  'collStats',
  'compact',
  'convertToCapped',
  'createCollection',
  'createIndex',
  'dbStats',
  'dropCollection',
  'dropDatabase',
  'dropIndex',
  'enableProfiler',
  'listCollections',
  'listIndexes',
  'planCacheRead',
  'reIndex',
  'renameCollectionSameDB',
  'validate'
]
const ROLES: Record<string, string[]> = {
  read: READ,
  readWrite: READ_WRITE,
  dbAdmin: DB_ADMIN,
  dbOwner: [...new Set([...READ_WRITE, ...DB_ADMIN])]
}
// Database-level privilege actions (https://www.mongodb.com/docs/manual/reference/privilege-actions/).
const ACTIONS = new Set([
  ...Object.values(ROLES).flat(),
  'analyzeShardKey',
  'checkMetadataConsistency',
  'createSearchIndexes',
  'dropSearchIndex',
  'listSearchIndexes',
  'updateSearchIndex',
  'planCacheIndexFilter',
  'planCacheWrite',
  'storageDetails',
  'createRole',
  'createUser',
  'dropRole',
  'dropUser',
  'grantRole',
  'revokeRole',
  'viewRole',
  'viewUser',
  'changePassword',
  'changeCustomData'
])

/** What MongoDB accepts as a database name. */
export const DATABASE_NAME = /^[^/\\. "$*<>:|?]{1,63}$/

/** Parses `app-privileges`: lines `<database>: <role or actions, comma separated>`. */
export function parsePrivileges(lines: string[], input = 'app-privileges'): PrivilegeRequirement[] {
  return lines.map((line) => {
    const separator = line.indexOf(':')
    const database = line.slice(0, separator).trim()
    const words = line
      .slice(separator + 1)
      .split(',')
      .map((w) => w.trim())
      .filter((w) => w !== '')
    if (separator < 0 || !DATABASE_NAME.test(database) || words.length === 0) {
      throw invalidInput(
        input,
        `"${line}" is not "<database>: <role or actions>"`,
        'Write one line per database, e.g. "appdb: readWrite" or "appdb: find, insert"'
      )
    }
    const actions = words.flatMap((word) => {
      const role = ROLES[word]
      if (role) return role
      if (ACTIONS.has(word)) return [word]
      throw invalidInput(
        input,
        `"${word}" (database ${database}) is neither a built-in database role nor a privilege action`,
        `Use one of the roles ${Object.keys(ROLES).join(', ')} or action names such as find, insert, update, remove`
      )
    })
    return { database, actions: [...new Set(actions)], asWritten: line.trim() }
  })
}

/** The actions each requirement needs that the granted privileges do not give, database-wide. */
export function missingPrivileges(
  required: readonly PrivilegeRequirement[],
  granted: readonly GrantedPrivilege[]
): MissingPrivileges[] {
  return required
    .map((req) => {
      const have = new Set(
        granted.filter((p) => coversDatabase(p.resource, req.database)).flatMap((p) => p.actions)
      )
      return { database: req.database, actions: req.actions.filter((a) => !have.has(a)) }
    })
    .filter((m) => m.actions.length > 0)
}

/** A privilege on every collection of `database` (a collection-only grant does not count). */
function coversDatabase(resource: GrantedPrivilege['resource'], database: string): boolean {
  if (resource.anyResource) return true
  return (resource.db === database || resource.db === '') && resource.collection === ''
}
