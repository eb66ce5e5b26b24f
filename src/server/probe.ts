// src/server/: questions to the servers through the driver, each with a new client used once:
// the probe (this file), replica-set members, the users drift snapshot, the repair, deployment
// facts, the pre-flight check and managed services. It may import src/input/, never the tools,
// the report or the pipeline.
//
// The cold-connection probe: a brand-new client, made from the application's own connection
// string, authenticates, reads its privileges and is closed. An already-open pool proves
// nothing (authentication happens once per connection), so each probe opens its own.
import { debug } from '../interface.js'
import { MongoServerError, type MongoClientOptions } from 'mongodb'
import { noAnswer, tlsRequired, type NoAnswerStatus } from './causes.js'
import {
  missingPrivileges,
  type GrantedPrivilege,
  type MissingPrivileges,
  type PrivilegeRequirement
} from '../input/privileges.js'
import { tryClose, type MongoUri } from '../secrets.js'

export type ProbeStatus =
  | 'ok'
  | 'authentication-failed'
  | 'user-not-found'
  | 'mechanism-unavailable'
  | 'unauthorized'
  | NoAnswerStatus
  | 'error'

export interface ProbeResult {
  /** The app's connection string, redacted. */
  app: string
  user: string
  authSource: string
  status: ProbeStatus
  /** What the server said, redacted; for status 'ok' a one-line confirmation. */
  detail: string
  /** Actions the app needs and lacks, per database (status 'unauthorized'). */
  missing: MissingPrivileges[]
  /** SCRAM mechanisms the server offers for this user; undefined when not asked or unknown. */
  mechanisms: string[] | undefined
  /** Set when this probe went straight to one replica-set member (`host:port`). */
  member?: string
  durationMs: number
}

/**
 * Every server error code the probe can meet (src/mongo/base/error_codes.yml); any other code
 * is 'error'. Without a server answer, the cause (causes.ts): a name that does not resolve,
 * refused, timed out, TLS, or 'unreachable' for another network failure; anything else 'error'.
 */
export const STATUS_BY_CODE: ReadonlyMap<number, ProbeStatus> = new Map<number, ProbeStatus>([
  // AuthenticationFailed: a wrong password, and (masked on purpose) a user that does not exist.
  [18, 'authentication-failed'],
  // UserNotFound: said outright by some paths (e.g. a user dropped while a session held it).
  [11, 'user-not-found'],
  // Unauthorized: authenticated, but connectionStatus or a command was refused.
  [13, 'unauthorized'],
  // MechanismUnavailable: 7.0+ when the user holds no credentials for the forced mechanism.
  [334, 'mechanism-unavailable'],
  // AtlasError: Atlas's proxy answers bad credentials with it.
  [8000, 'authentication-failed']
])

/** A server's refusal of a command the user is not authorised for (code 13, Unauthorized). */
export function isUnauthorized(error: unknown): boolean {
  return (
    error instanceof MongoServerError && STATUS_BY_CODE.get(Number(error.code)) === 'unauthorized'
  )
}

const APP_NAME = 'mongo-restore-guard-probe'

interface ConnectionStatus {
  authInfo: {
    authenticatedUsers: { user: string; db: string }[]
    authenticatedUserPrivileges?: GrantedPrivilege[]
  }
}

/** Probes one application connection string with a new client, used once and closed. */
export async function probe(
  app: MongoUri,
  required: readonly PrivilegeRequirement[],
  timeoutMs: number
): Promise<ProbeResult> {
  const started = Date.now()
  const result = (
    status: ProbeStatus,
    detail: string,
    extra: Partial<ProbeResult> = {}
  ): ProbeResult => ({
    app: app.redacted,
    user: app.username ?? '',
    authSource: app.authSource,
    status,
    detail: app.scrub(detail),
    missing: [],
    mechanisms: undefined,
    ...extra,
    durationMs: Date.now() - started
  })
  const options = clientOptions(timeoutMs)
  const client = app.client(options)
  try {
    const status = (await client
      .db(app.authSource)
      .command({ connectionStatus: 1, showPrivileges: true })) as unknown as ConnectionStatus
    const users = status.authInfo.authenticatedUsers
    if (!users.some((u) => u.user === app.username && u.db === app.authSource)) {
      return result(
        'authentication-failed',
        `connected, but the server reports no session for ${app.username}@${app.authSource}`
      )
    }
    const missing = missingPrivileges(required, status.authInfo.authenticatedUserPrivileges ?? [])
    if (missing.length > 0) {
      const list = missing.map((m) => `${m.database}: ${m.actions.join(', ')}`).join('; ')
      return result('unauthorized', `authenticated, but lacks ${list}`, { missing })
    }
    return result('ok', `authenticated as ${app.username}@${app.authSource} with a new connection`)
  } catch (error) {
    const status = classify(error)
    const detail = error instanceof Error ? error.message : String(error)
    const cause = noAnswer(error, app)
    if (cause) {
      // No server answered: the cause and its fix, never a verdict on the credentials.
      const named = await tlsRequired(app, cause, timeoutMs)
      return result(named.status, `${named.why}. ${named.fix}`)
    }
    if (status !== 'authentication-failed' && status !== 'mechanism-unavailable') {
      return result(status, detail)
    }
    const mechanisms = await tryUserMechanisms(app, timeoutMs)
    const verdict = authenticationVerdict(status, app, mechanisms)
    return result(verdict.status, `${verdict.why} (${detail})`, {
      mechanisms: mechanisms ?? undefined
    })
  } finally {
    await tryClose(client, APP_NAME)
  }
}

/**
 * What a refused login means, from the server's code and the user's mechanisms (hello): the
 * server answers 18 for a wrong password and a missing user alike, and for a user without
 * credentials for the forced mechanism 6.0 answers 18 where 7.0 answers 334. hello's list is
 * the server's own record of the user's credentials, so "the forced SCRAM mechanism is not in
 * it" is the same fact on every version: no password can succeed, the fix is the same, and so
 * the verdict is the same (mechanism-unavailable).
 */
export function authenticationVerdict(
  status: 'authentication-failed' | 'mechanism-unavailable',
  app: Pick<MongoUri, 'username' | 'authSource' | 'mechanism'>,
  mechanisms: string[] | undefined | null
): { status: ProbeStatus; why: string } {
  const forced = app.mechanism
  if (mechanisms === undefined) {
    return {
      status: 'user-not-found',
      why: `no user ${app.username} in database ${app.authSource} on this server`
    }
  }
  const lacksForced = !!forced?.startsWith('SCRAM') && !!mechanisms && !mechanisms.includes(forced)
  if (status === 'mechanism-unavailable' || lacksForced) {
    const has = mechanisms
      ? `has only ${mechanisms.join(', ') || 'no SCRAM'} credentials`
      : 'has credentials the server could not list'
    const forces = forced
      ? `the connection string forces ${forced}`
      : 'none of them is one this connection may use'
    return { status: 'mechanism-unavailable', why: `the user exists but ${has}; ${forces}` }
  }
  if (mechanisms === null) return { status, why: 'the server rejected the login' }
  return { status, why: 'the user exists but rejects this password' }
}

function clientOptions(timeoutMs: number): MongoClientOptions {
  return {
    appName: APP_NAME,
    maxPoolSize: 1,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs
  }
}

/**
 * The SCRAM mechanisms the server offers for the app's user, asked without credentials
 * (hello with saslSupportedMechs): undefined when the user does not exist, null when the
 * question could not be asked (the probe's own answer stands then).
 */
export async function tryUserMechanisms(
  app: MongoUri,
  timeoutMs: number
): Promise<string[] | undefined | null> {
  const client = app.anonymousClient(clientOptions(timeoutMs))
  try {
    const hello = await client
      .db('admin')
      .command({ hello: 1, saslSupportedMechs: `${app.authSource}.${app.username}` })
    return (hello['saslSupportedMechs'] as string[] | undefined) ?? undefined
  } catch (error) {
    debug(
      `asking for the mechanisms of ${app.username}@${app.authSource}: ${app.scrub(String(error))}`
    )
    return null
  } finally {
    await tryClose(client, `${APP_NAME} hello`)
  }
}

/** By error class, server code and Node's error codes (causes.ts), never by message text. */
export function classify(error: unknown): ProbeStatus {
  if (error instanceof MongoServerError) {
    return (typeof error.code === 'number' && STATUS_BY_CODE.get(error.code)) || 'error'
  }
  return noAnswer(error)?.status ?? 'error'
}
