// The users drift check: a snapshot of every user on the target before and after the restore,
// compared field by field. Credentials are reduced to a digest at once, so no salt or key is
// ever kept, logged or reported.
import { createHash } from 'node:crypto'
import { MongoServerError, type Document } from 'mongodb'
import { GuardError } from '../errors.js'
import { noAnswer, tlsRequired, unanswered } from './causes.js'
import { classify, isUnauthorized } from './probe.js'
import type { MongoUri } from '../secrets.js'

export interface UserRecord {
  user: string
  db: string
  /** The user's UUID as hex: a replaced user gets a new one even with the same password. */
  userId: string
  /** `role@db`, sorted. */
  roles: string[]
  mechanisms: string[]
  /** sha256 hex of the credentials as canonical JSON; never the credentials. */
  credentialDigest: string
}

/** Keyed by `db.user`. */
export type UserSnapshot = Map<string, UserRecord>

export interface UserDrift {
  appeared: string[]
  disappeared: string[]
  changed: { user: string; what: ('credentials' | 'roles' | 'mechanisms' | 'userId')[] }[]
}

/** Every user of the deployment, read with a new client used once and closed. */
export async function snapshotUsers(admin: MongoUri, timeoutMs: number): Promise<UserSnapshot> {
  try {
    return await admin.use('drift', timeoutMs, async (client) => {
      const reply = await client
        .db('admin')
        .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
      const snapshot: UserSnapshot = new Map()
      for (const user of reply['users'] as Document[]) {
        const record = toRecord(user)
        snapshot.set(`${record.db}.${record.user}`, record)
      }
      return snapshot
    })
  } catch (error) {
    if (isUnauthorized(error)) {
      throw driftUnavailable(admin)
    }
    throw await adminFailure(admin, error, timeoutMs)
  }
}

function toRecord(user: Document): UserRecord {
  const roles = (user['roles'] as { role: string; db: string }[] | undefined) ?? []
  const userId = user['userId'] as { toString(encoding: 'hex'): string } | undefined
  return {
    user: String(user['user']),
    db: String(user['db']),
    userId: userId?.toString('hex') ?? '',
    roles: roles.map((r) => `${r.role}@${r.db}`).sort(),
    mechanisms: [...((user['mechanisms'] as string[] | undefined) ?? [])].sort(),
    credentialDigest: createHash('sha256')
      .update(canonicalJson(user['credentials'] ?? {}))
      .digest('hex')
  }
}

/** JSON with object keys sorted at every level, so equal credentials always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object' && !('_bsontype' in value)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  // BSON values (Binary, Long, …) serialise through their own toJSON.
  return JSON.stringify(value) ?? 'null'
}

/** The users could not be read at all: no server answered, or the login was refused. */
async function adminFailure(admin: MongoUri, error: unknown, timeoutMs: number): Promise<unknown> {
  const consequence = `The target's users could not be read with ${admin.input}, for the users drift check${admin.input === 'target-admin-uri' ? ' and repair-app-user' : ''}.`
  const cause = noAnswer(error, admin)
  if (cause)
    return unanswered(admin, 'the target', await tlsRequired(admin, cause, timeoutMs), consequence)
  if (error instanceof MongoServerError && LOGIN_REFUSED.has(classify(error))) {
    return new GuardError(
      'AuthenticationFailed',
      `${admin.input}: the target rejected the credentials`,
      `${admin.input}: the target (${admin.redacted}) rejected the login of ${admin.username ?? '(no user)'}@${admin.authSource}: ${admin.scrub(error.message)}. ${consequence} Check the user name, password and authSource in ${admin.input} (the secret it comes from).`
    )
  }
  return error
}

const LOGIN_REFUSED = new Set(['authentication-failed', 'user-not-found', 'mechanism-unavailable'])

function driftUnavailable(admin: MongoUri): GuardError {
  const who = `${admin.username ?? 'the user'}@${admin.authSource}`
  return new GuardError(
    'DriftUnavailable',
    'Users drift check unavailable',
    `${admin.redacted}: ${who} may not list the users of every database (usersInfo with ` +
      'forAllDBs needs the viewUser action on the cluster resource; viewUser on the admin ' +
      'database alone is not enough), so the action cannot tell whether the restore added, ' +
      'removed or replaced any user that the application or others log in with at their next ' +
      'restart. Grant this user userAdminAnyDatabase or root (or a role with viewUser on ' +
      '{ cluster: true }).'
  )
}

/** What changed between two snapshots: users added, removed, and changed field by field. */
export function diffUsers(before: UserSnapshot, after: UserSnapshot): UserDrift {
  const appeared = [...after.keys()].filter((k) => !before.has(k)).sort()
  const disappeared = [...before.keys()].filter((k) => !after.has(k)).sort()
  const changed: UserDrift['changed'] = []
  for (const key of [...before.keys()].sort()) {
    const was = before.get(key)
    const now = after.get(key)
    if (!was || !now) continue
    const what: UserDrift['changed'][number]['what'] = []
    if (was.credentialDigest !== now.credentialDigest) what.push('credentials')
    if (!sameList(was.roles, now.roles)) what.push('roles')
    if (!sameList(was.mechanisms, now.mechanisms)) what.push('mechanisms')
    if (was.userId !== now.userId) what.push('userId')
    if (what.length > 0) changed.push({ user: key, what })
  }
  return { appeared, disappeared, changed }
}

export function hasDrift(d: UserDrift): boolean {
  return d.appeared.length > 0 || d.disappeared.length > 0 || d.changed.length > 0
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** `db.user` → sha256 of what the drift check compares (itself digests of the credentials). */
export function userDigests(snapshot: UserSnapshot): Record<string, string> {
  const digests: Record<string, string> = {}
  for (const [key, r] of [...snapshot].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const record = JSON.stringify([r.userId, r.roles, r.mechanisms, r.credentialDigest])
    digests[key] = createHash('sha256').update(record).digest('hex')
  }
  return digests
}
