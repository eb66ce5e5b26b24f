// Judges the results: the probes before and after the restore, the restore's own counts and the
// target's users. Each judge throws the failure that ends the step.
import { info } from '../interface.js'
import { GuardError } from '../errors.js'
import { hasDrift, type UserDrift } from '../server/drift.js'
import { isProtectedNamespace } from '../input/namespace.js'
import type { ProbeResult, ProbeStatus } from '../server/probe.js'
import { NO_ANSWER } from '../server/causes.js'
import type { NamespaceCount, RestoreCounts } from '../tools/output.js'

export interface Verdict {
  app: string
  before: ProbeStatus
  after: ProbeStatus | undefined
  outcome: 'pass' | 'already-rejected' | 'broken-by-restore'
}

const MEANING: Record<Exclude<ProbeStatus, 'ok'>, string> = {
  'authentication-failed': 'authentication failed',
  'user-not-found': 'the user does not exist',
  'mechanism-unavailable': 'the user has no credentials for the mechanism the app forces',
  unauthorized: 'the user lacks privileges the app needs',
  unreachable: 'the server could not be reached',
  'name-not-resolved': "the server's name does not resolve",
  refused: 'the server refused the connection',
  'timed-out': 'no server answered in time',
  'tls-failed': 'the TLS handshake failed',
  error: 'the probe failed'
}

const FIX: Record<Exclude<ProbeStatus, 'ok'>, string> = {
  'authentication-failed':
    "reset the app user's password on the target to the one in the app's connection string (db.updateUser)",
  'user-not-found':
    "create the app user on the target with the password in the app's connection string (db.createUser)",
  'mechanism-unavailable':
    "give the app user credentials for that mechanism on the target with the password in the app's connection string (db.updateUser(user, { pwd, mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'] })), or remove authMechanism from the app's connection string",
  unauthorized: 'grant the app user the missing actions on the target (db.grantRolesToUser)',
  unreachable: "check the host, port, TLS and network path in the app's connection string",
  // No server answered: the probe's detail holds the fix for its cause (server/causes.ts).
  'name-not-resolved':
    'see the cause above; no server was asked, so roles and passwords are not the problem',
  refused: 'see the cause above; no server was asked, so roles and passwords are not the problem',
  'timed-out':
    'see the cause above; no server was asked, so roles and passwords are not the problem',
  'tls-failed':
    'see the cause above; no login was tried, so roles and passwords are not the problem',
  error: 'read the server message above'
}

function advise(advice: string | undefined): string {
  return advice ? ` ${advice}` : ''
}

function describe(result: ProbeResult): string {
  const who = `${result.user}@${result.authSource}${result.member ? ` on member ${result.member}` : ''}`
  if (result.status === 'ok') return `${who}: ok`
  return `${who} (${result.app}): ${MEANING[result.status]}: ${result.detail}. To fix: ${FIX[result.status]}`
}

/** Before anything is written: every app must already work on the target. */
export function judgeBaseline(before: readonly ProbeResult[], advice?: string): void {
  const rejected = before.filter((r) => r.status !== 'ok')
  if (rejected.length === 0) return
  const unauthorized = rejected.every((r) => r.status === 'unauthorized')
  const unreachable = rejected.every((r) => NO_ANSWER.has(r.status))
  throw new GuardError(
    'AlreadyRejected',
    unauthorized
      ? 'The app already lacks privileges on the target'
      : unreachable
        ? 'The app cannot reach the target'
        : "The app's credentials were already rejected",
    `${unauthorized || unreachable ? 'The application already fails on the target' : "The application's credentials were already rejected"} before the restore, so the restore would not be the cause: ${rejected
      .map(describe)
      .join(
        ' | '
      )}. Nothing was dumped or restored; fix the target first and run again.${advise(advice)}`
  )
}

/** The probe alone (mode: probe): every app must log in now. */
export function judgeNow(results: readonly ProbeResult[], advice?: string): void {
  const rejected = results.filter((r) => r.status !== 'ok')
  if (rejected.length === 0) return
  throw new GuardError(
    'BrokenByRestore',
    "The app's next restart would fail",
    `A new connection made as the application fails now, so its next restart will fail: ${rejected.map(describe).join(' | ')}.${advise(advice)}`
  )
}

/** After the restore: an app that worked before and fails now was broken by the restore. */
export function judgeAfter(
  before: readonly ProbeResult[],
  after: readonly ProbeResult[],
  advice?: string
): Verdict[] {
  const verdicts = after.map((result, i): Verdict => ({
    app: result.app,
    before: before[i]?.status ?? 'error',
    after: result.status,
    outcome: result.status === 'ok' ? 'pass' : 'broken-by-restore'
  }))
  const broken = after.filter((r) => r.status !== 'ok')
  if (broken.length > 0) {
    throw new GuardError(
      'BrokenByRestore',
      broken.every((r) => r.status === 'unauthorized')
        ? 'The restore took away privileges the app needs'
        : 'The restore broke restart-time authentication',
      `The restore broke restart-time authentication: ${broken.map(describe).join(' | ')}. Connections the app has open now may keep working; its next restart will fail.${advise(advice)}`
    )
  }
  return verdicts
}

/** The restore's counts: failed documents, or nothing restored from a non-empty dump, fail. */
export function checkRestore(
  dumped: readonly NamespaceCount[],
  counts: RestoreCounts,
  allowFailedDocuments: boolean
): void {
  if (counts.failed > 0 && !allowFailedDocuments) {
    throw new GuardError(
      'PartialRestore',
      'Some documents failed to restore',
      `${counts.failed} document(s) failed to restore (${counts.restored} restored); mongorestore exits 0 in this case, the action does not. The target now holds a partial copy. Common causes: duplicate keys (the target already has these documents: restore with drop: true, or into empty collections) or validation rules. Set allow-failed-documents: true to accept it.`
    )
  }
  const dumpedDocuments = dumped
    .filter((ns) => !isProtectedNamespace(ns.namespace))
    .reduce((sum, ns) => sum + ns.documents, 0)
  if (dumpedDocuments > 0 && counts.restored === 0 && counts.failed === 0) {
    throw new GuardError(
      'EmptyRestore',
      'Nothing was restored',
      `mongodump wrote ${dumpedDocuments} document(s) but mongorestore restored none: the databases, ns-exclude or ns-from inputs filter out every namespace, or the dump holds only admin (which is always excluded).`
    )
  }
}

/** The users drift check: any user added, removed or changed by the run fails it. */
export function judgeUsers(drift: UserDrift, usersAfter: number): void {
  if (hasDrift(drift)) {
    const changed = drift.changed.map((c) => `${c.user} (${c.what.join(', ')})`)
    throw new GuardError(
      'UsersDrifted',
      "The target's users changed",
      `The target's users changed during the run: ${[
        ...drift.appeared.map((u) => `${u} appeared`),
        ...drift.disappeared.map((u) => `${u} disappeared`),
        ...changed.map((c) => `${c} changed`)
      ].join(
        '; '
      )}. Applications that log in as these users may fail at their next restart; re-register them on the target.`
    )
  }
  info(`Users: ${usersAfter} on the target, none changed.`)
}
