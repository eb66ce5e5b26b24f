// src/server/: questions to the servers through the driver, each with a new client used once:
// the probe (this file), replica-set members, the users drift snapshot, the repair, deployment
// facts, the pre-flight check and managed services. It may import src/input/, never the tools,
// the report or the pipeline.
//
// The cold-connection probe: a brand-new client, made from the application's own connection
// string, authenticates, reads its privileges and is closed. An already-open pool proves
// nothing (authentication happens once per connection), so each probe opens its own.
import * as core from '@actions/core'
import {
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type MongoClientOptions
} from 'mongodb'
import {
  missingPrivileges,
  type GrantedPrivilege,
  type MissingPrivileges,
  type PrivilegeRequirement
} from '../input/privileges.js'
import { tryClose, type MongoUri } from '../secrets.js'

export type ProbeStatus =
  'ok' | 'authentication-failed' | 'user-not-found' | 'unauthorized' | 'unreachable' | 'error'

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
  /** SCRAM mechanisms the server offers for this user; undefined when not asked. */
  mechanisms: string[] | undefined
  /** Set when this probe went straight to one replica-set member (`host:port`). */
  member?: string
  durationMs: number
}

// Server error codes (src/mongo/base/error_codes.yml).
const AUTHENTICATION_FAILED = 18
const USER_NOT_FOUND = 11
const UNAUTHORIZED = 13
const ATLAS_ERROR = 8000

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
    if (status !== 'authentication-failed') return result(status, detail)
    // The server answers 18 for a wrong password and a missing user alike; hello tells them apart.
    const mechanisms = await tryUserMechanisms(app, timeoutMs)
    if (mechanisms === null) return result(status, detail)
    if (mechanisms === undefined) {
      return result(
        'user-not-found',
        `no user ${app.username} in database ${app.authSource} on this server (${detail})`
      )
    }
    const forced = app.mechanism
    const hint =
      forced && forced.startsWith('SCRAM') && !mechanisms.includes(forced)
        ? `the user exists but has no ${forced} credentials (only ${mechanisms.join(', ')}), which the connection string forces`
        : 'the user exists but rejects this password'
    return result(status, `${hint} (${detail})`, { mechanisms })
  } finally {
    await tryClose(client, APP_NAME)
  }
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
    core.debug(
      `asking for the mechanisms of ${app.username}@${app.authSource}: ${app.scrub(String(error))}`
    )
    return null
  } finally {
    await tryClose(client, `${APP_NAME} hello`)
  }
}

/** By error class and server code, never by message text. */
export function classify(error: unknown): ProbeStatus {
  if (error instanceof MongoServerError) {
    switch (error.code) {
      case AUTHENTICATION_FAILED:
      case ATLAS_ERROR:
        return 'authentication-failed'
      case USER_NOT_FOUND:
        return 'user-not-found'
      case UNAUTHORIZED:
        return 'unauthorized'
    }
    return 'error'
  }
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError)
    return 'unreachable'
  return 'error'
}
