// The questions the modes share, each returning what it found: the probe rounds (each app, then
// each replica-set member it could reach), the app users a repair may fix, the target's users,
// and the restored collections' state. Nothing here writes the report: the phases record.
import type { Timestamp } from 'mongodb'
import { isSnapshotTooOld, tooOldToVerify } from '../server/read-at.js'
import { debug, info, warning } from '../interface.js'
import type { MongoUri, RoleRef } from '../secrets.js'
import { targetOf, usersAdmin, type Settings } from '../input/settings.js'
import { readCollections, type CollectionInfo } from '../server/collection-options.js'
import { diffUsers, snapshotUsers, type UserDrift, type UserSnapshot } from '../server/drift.js'
import { managedService, type ManagedService } from '../server/managed.js'
import { dataMembers } from '../server/members.js'
import { classify, probe, type ProbeResult } from '../server/probe.js'
import { NO_ANSWER } from '../server/causes.js'
import { appUserRoles, repairAppUser, type RepairResult } from '../server/repair.js'
import { GuardError } from '../errors.js'
import { findLeftovers, type LeftoverCheck } from '../server/leftovers.js'

/** The target's users, or why the check was skipped; undefined when no user may read them. */
export type UsersRead = { snapshot: UserSnapshot } | { skipped: string } | undefined

/** What the steps before the restore record for the steps after it. */
export interface Baseline {
  /** The target's users before the restore. */
  users: UsersRead
  /** Each app user's roles before the restore, for a repair that must recreate it. */
  roles: Map<MongoUri, RoleRef[] | undefined>
}

/**
 * Records what the checks after the restore compare with: the target's users and each app
 * user's roles (for a repair). Runs after the pre-flight check has proved the target answers.
 */
export async function readBaseline(settings: Settings): Promise<Baseline> {
  const baseline: Baseline = { users: await tryReadUsers(settings), roles: new Map() }
  const admin = usersAdmin(settings)
  if (settings.repairAppUser && admin) {
    for (const app of settings.apps) {
      baseline.roles.set(app, await appUserRoles(admin, app, settings.probeTimeoutMs))
    }
  }
  return baseline
}

/**
 * The target's users, read with target-admin-uri (else target-uri). When target-uri may not
 * list them and no target-admin-uri was given, the check is skipped with a warning.
 */
export async function tryReadUsers(settings: Settings): Promise<UsersRead> {
  const admin = usersAdmin(settings)
  if (!admin) return undefined
  try {
    return { snapshot: await snapshotUsers(admin, settings.probeTimeoutMs) }
  } catch (error) {
    const unavailable = error instanceof GuardError && error.kind === 'DriftUnavailable'
    if (!unavailable || settings.adminUri !== undefined) throw error
    warning(
      `The users drift check was skipped: ${error.message} Give target-admin-uri to enable it.`,
      { title: 'Users drift check skipped' }
    )
    return { skipped: error.message }
  }
}

/** How the users changed between two snapshots, less the app users a repair changed on purpose. */
export function usersDrift(
  before: UserSnapshot,
  after: UserSnapshot,
  repairs: readonly RepairResult[]
): UserDrift {
  const drift = diffUsers(before, after)
  const repaired = new Set(repairs.map((r) => `${r.db}.${r.user}`))
  drift.changed = drift.changed.filter((c) => !repaired.has(c.user))
  drift.appeared = drift.appeared.filter((u) => !repaired.has(u))
  return drift
}

/**
 * The restored collections as the target describes them (type, options, indexes, count), read
 * once for every check of the copy; undefined, with a warning, when the target user may not
 * list them (the restore role cannot).
 */
export async function tryReadTarget(
  settings: Settings,
  target: MongoUri,
  namespaces: readonly string[]
): Promise<Map<string, CollectionInfo> | undefined> {
  try {
    return await readCollections(target, namespaces, settings.probeTimeoutMs)
  } catch (error) {
    if (classify(error) !== 'unauthorized') throw error
    warning(
      `The count and index check was skipped: ${target.input} may not read the restored collections (the restore role cannot). Grant it read on them to verify the copy.`,
      { title: 'Data check skipped' }
    )
    return undefined
  }
}

/** One app's probe round: its own connection first, then each replica-set member's. */
export interface AppProbe {
  app: MongoUri
  own: ProbeResult
  members: ProbeResult[]
}

/** The results of a round as the report lists them: each app's own, then its members'. */
export function probeResults(probes: readonly AppProbe[]): ProbeResult[] {
  return probes.flatMap((p) => [p.own, ...p.members])
}

/** The apps whose own probe (not a member's) says the user is rejected: what a repair can fix. */
export function rejectedApps(probes: readonly AppProbe[]): MongoUri[] {
  return probes
    .filter((p) => p.own.status === 'authentication-failed' || p.own.status === 'user-not-found')
    .map((p) => p.app)
}

/** Re-registers one app user's password (or recreates it with the roles recorded before). */
export async function repairApp(
  settings: Settings,
  app: MongoUri,
  baseline: Baseline | undefined
): Promise<RepairResult> {
  const admin = usersAdmin(settings) as MongoUri
  const result = await repairAppUser(admin, app, baseline?.roles.get(app), settings.probeTimeoutMs)
  warning(
    `Repaired ${result.user}@${result.db}: ${result.action} (roles ${result.roles.join(', ') || 'none'}); no other user was touched.`,
    { title: 'App user repaired' }
  )
  return result
}

/** One new connection per app, then one per replica-set member it could reach, one at a time. */
export async function probeApps(settings: Settings): Promise<AppProbe[]> {
  const probes: AppProbe[] = []
  for (const app of settings.apps) {
    const own = await probe(app, settings.privileges, settings.probeTimeoutMs)
    log(own)
    const round: AppProbe = { app, own, members: [] }
    probes.push(round)
    if (NO_ANSWER.has(own.status)) continue
    const members = await tryDataMembers(app, settings.probeTimeoutMs)
    // A one-member set is the server just probed.
    if (members.length < 2) continue
    for (const member of members) {
      const memberResult = {
        ...(await probe(app.forMember(member), settings.privileges, settings.probeTimeoutMs)),
        member
      }
      log(memberResult)
      round.members.push(memberResult)
    }
  }
  return probes
}

/** The app's replica-set members; none when no member answers (the app's own probe said why). */
async function tryDataMembers(app: MongoUri, timeoutMs: number): Promise<string[]> {
  try {
    return await dataMembers(app, timeoutMs)
  } catch (error) {
    debug(`listing the members of ${app.redacted}: ${app.scrub(String(error))}`)
    return []
  }
}

function log(result: ProbeResult): void {
  const where = result.member ? ` on member ${result.member}` : ''
  info(
    `${result.user}@${result.authSource}${where}: ${result.status} (${result.durationMs} ms) ${result.detail}`
  )
}

/** The managed service behind the target (else the first app), recognised by host name. */
export function managedServiceOf(settings: Settings): ManagedService {
  const uri = targetOf(settings) ?? settings.apps[0]
  return uri ? managedService(uri) : undefined
}

/**
 * admin.tempusers/temproles on the target, left by an interrupted mongorestore (they hold
 * credential hashes): counted, never read, and warned about.
 */
export async function tryLeftovers(settings: Settings): Promise<LeftoverCheck | undefined> {
  const admin = usersAdmin(settings)
  if (!admin) return undefined
  const found = await findLeftovers(admin, settings.probeTimeoutMs)
  if (!found.checked) {
    warning(`The leftovers check was skipped: ${found.reason}.`, {
      title: 'Leftovers check skipped'
    })
  } else if (found.tempusers + found.temproles > 0) {
    warning(
      `The target holds admin.tempusers (${found.tempusers} documents) and admin.temproles (${found.temproles}), left by an interrupted mongorestore: they hold credential hashes. Drop them (db.getSiblingDB('admin').tempusers.drop(), temproles.drop()).`,
      { title: 'Credential leftovers on the target' }
    )
  }
  return found
}

/**
 * The source's collections (type, options, indexes, count), read once after the restore to
 * verify the copy against them. A source that went away meanwhile is named, not reported as an
 * unexpected failure.
 */
export async function readSource(
  settings: Settings & { source: MongoUri },
  namespaces: readonly string[],
  /** A point-in-time copy's T: the counts are read as of T. */
  readAt?: Timestamp
): Promise<Map<string, CollectionInfo>> {
  const { source } = settings
  try {
    return await readCollections(source, namespaces, settings.probeTimeoutMs, readAt)
  } catch (error) {
    if (error instanceof GuardError) throw error
    if (isSnapshotTooOld(error)) throw tooOldToVerify(source)
    const detail = source.scrub(error instanceof Error ? error.message : String(error))
    throw new GuardError(
      NO_ANSWER.has(classify(error)) ? 'Unreachable' : 'ToolFailed',
      `${source.input}: the source could not be read to verify the copy`,
      `${source.input}: the source (${source.redacted}) could not be read after the restore, to verify the copy against it: ${detail}. The restore itself finished; the copy was not verified, so do not switch the application to the target before checking it another way (or running again once the source answers).`
    )
  }
}
