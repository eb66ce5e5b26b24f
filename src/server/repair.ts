// Opt-in repair of the application's user after a restore broke it: the incident's own fix,
// re-registering the app's password on the target. It touches that one user and no other.
import { MongoServerError, type Db, type Document } from 'mongodb'
import { GuardError } from '../errors.js'
import { noAnswer, unanswered } from './causes.js'
import type { MongoUri, RoleRef } from '../secrets.js'

export interface RepairResult {
  user: string
  db: string
  action: 'password-reset' | 'created'
  /** `role@db` the user has after the repair. */
  roles: string[]
}

// Mechanisms whose users hold no password in the database (src/mongo/db/auth/sasl_*).
const EXTERNAL_MECHANISMS = ['MONGODB-X509', 'GSSAPI', 'PLAIN', 'MONGODB-AWS', 'MONGODB-OIDC']

/**
 * Gives the app's user (app.username in app.authSource) the app's password on the target of
 * `admin`: `updateUser` with the password only if the user exists, else `createUser` with the
 * roles recorded before the restore.
 */
export async function repairAppUser(
  admin: MongoUri,
  app: MongoUri,
  rolesBefore: { role: string; db: string }[] | undefined,
  timeoutMs: number
): Promise<RepairResult> {
  const user = app.username
  if (user === undefined || app.authSource === '$external') {
    throw impossible(app, 'its connection string holds no password that the target could store')
  }
  if (app.mechanism !== undefined && EXTERNAL_MECHANISMS.includes(app.mechanism)) {
    throw impossible(app, `it authenticates with ${app.mechanism}, outside the database`)
  }
  const db = app.authSource
  try {
    return await admin.use('repair', timeoutMs, async (client): Promise<RepairResult> => {
      const existing = await rolesOf(client.db(db), user)
      if (existing !== undefined) {
        await app.setPassword(client, 'updateUser')
        return { user, db, action: 'password-reset', roles: names(existing) }
      }
      if (rolesBefore === undefined) {
        throw impossible(
          app,
          `the user no longer exists on the target and its roles before the restore are unknown`
        )
      }
      await app.setPassword(client, 'createUser', rolesBefore)
      return { user, db, action: 'created', roles: names(rolesBefore) }
    })
  } catch (error) {
    if (error instanceof MongoServerError) throw repairFailed(admin, app, error)
    const cause = noAnswer(error, admin)
    if (cause) {
      throw unanswered(admin, 'the target', cause, 'The application user was not repaired.')
    }
    throw error
  }
}

/**
 * The app user's roles on the deployment of `admin` (undefined if there is no such user):
 * record them before the restore so that a user the restore removed can be recreated.
 */
export async function appUserRoles(
  admin: MongoUri,
  app: MongoUri,
  timeoutMs: number
): Promise<RoleRef[] | undefined> {
  const user = app.username
  if (user === undefined) return undefined
  return admin.use('repair', timeoutMs, (client) => rolesOf(client.db(app.authSource), user))
}

async function rolesOf(db: Db, user: string): Promise<RoleRef[] | undefined> {
  const reply = await db.command({ usersInfo: { user, db: db.databaseName } })
  const found = (reply['users'] as Document[])[0]
  if (found === undefined) return undefined
  return (found['roles'] as RoleRef[]).map(({ role, db }) => ({ role, db }))
}

const names = (roles: readonly RoleRef[]) => roles.map((r) => `${r.role}@${r.db}`).sort()

function impossible(app: MongoUri, why: string): GuardError {
  return new GuardError(
    'RepairImpossible',
    'The application user cannot be repaired',
    `${app.redacted}: the action cannot repair ${app.username ?? 'this'}@${app.authSource}: ` +
      `${why}. The application keeps failing to log in at its next restart; recreate the user ` +
      'on the target by hand with its roles and the password the application uses.'
  )
}

function repairFailed(admin: MongoUri, app: MongoUri, error: MongoServerError): GuardError {
  const who = `${app.username}@${app.authSource}`
  return new GuardError(
    'RepairFailed',
    'Repairing the application user failed',
    `${admin.redacted} could not repair ${who}: ${admin.scrub(app.scrub(error.message))} ` +
      `(${error.codeName ?? error.code}). The application still cannot log in at its next ` +
      `restart. The user of ${admin.input} needs userAdmin on ${app.authSource} and on ` +
      'the databases of the roles it grants (or userAdminAnyDatabase, or root); grant it, or ' +
      're-register the password by hand.'
  )
}
