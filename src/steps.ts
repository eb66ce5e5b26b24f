// The steps the modes share: the probe rounds (each app, then each replica-set member it could
// reach), the opt-in repair, and the verification of the data and of the target's users.
import * as core from '@actions/core'
import { checkMismatches, compareCollections, type Expected } from './report/data-check.js'
import { collectionStates } from './server/deployment.js'
import { diffUsers, hasDrift, snapshotUsers, type UserSnapshot } from './server/drift.js'
import { GuardError } from './errors.js'
import { managedAdvice, managedService } from './server/managed.js'
import { dataMembers } from './server/members.js'
import { classify, probe, type ProbeResult } from './server/probe.js'
import { appUserRoles, repairAppUser } from './server/repair.js'
import { phase } from './report/report.js'
import type { MongoUri, RoleRef } from './secrets.js'
import type { Settings } from './input/settings.js'
import type { RestoreResult, ToolContext } from './tools/transfer.js'
import { checkRestore, judgeAfter, judgeBaseline, judgeNow } from './report/judge.js'
import { checkCopy, type Reference } from './server/verify-copy.js'
import { copyFailure } from './report/copy-verdict.js'
import { findLeftovers, type LeftoverCheck } from './server/leftovers.js'

export interface RunContext extends ToolContext {
  settings: Settings
}

/** What the steps before the restore record for the steps after it. */
export interface Baseline {
  /** The target's users before the restore; undefined when they could not be read. */
  users: UserSnapshot | undefined
  /** Each app user's roles before the restore, for a repair that must recreate it. */
  roles: Map<MongoUri, RoleRef[] | undefined>
}

/** Probes every app and fails if an app is already rejected: before anything else is checked. */
export async function probeBefore(ctx: RunContext): Promise<void> {
  adviseManaged(ctx)
  await phase(ctx.report, 'Probe before restore', async () => {
    ctx.report.probes.before = await probeApps(ctx.settings)
    judgeBaseline(ctx.report.probes.before, managedNote(ctx))
  })
}

/**
 * Records what the checks after the restore compare with: the target's users and each app
 * user's roles (for a repair). Runs after the pre-flight check has proved the target answers.
 */
export async function recordBaseline(ctx: RunContext): Promise<Baseline> {
  const baseline: Baseline = { users: undefined, roles: new Map() }
  baseline.users = await readUsers(ctx)
  const admin = adminUri(ctx.settings)
  if (ctx.settings.repairAppUser && admin) {
    for (const app of ctx.settings.apps) {
      baseline.roles.set(app, await appUserRoles(admin, app, ctx.settings.probeTimeoutMs))
    }
  }
  if (ctx.signal.aborted) {
    throw new GuardError(
      'Cancelled',
      'Cancelled',
      'The run was cancelled before the restore; nothing was written.'
    )
  }
  return baseline
}

/** Probes every app again; with repair-app-user, re-registers a rejected app user and re-probes. */
export async function probeAfter(
  ctx: RunContext,
  baseline: Baseline | undefined,
  round = 'Probe after restore'
): Promise<void> {
  await phase(ctx.report, round, async () => {
    ctx.report.probes.after = await probeApps(ctx.settings)
    if (ctx.settings.repairAppUser) await repair(ctx, baseline)
    if (baseline)
      ctx.report.verdicts = judgeAfter(
        ctx.report.probes.before,
        ctx.report.probes.after,
        managedNote(ctx)
      )
    else judgeNow(ctx.report.probes.after, managedNote(ctx))
  })
}

/** The restore's counts, each collection's count and indexes, and the target's users. */
export async function verify(
  ctx: RunContext,
  plan: Settings,
  target: MongoUri,
  result: RestoreResult,
  expected: Map<string, Expected>,
  baseline: Baseline,
  reference: Reference
): Promise<void> {
  await phase(ctx.report, 'Verify', async () => {
    checkRestore(ctx.report.dumped, result.counts, plan.allowFailedDocuments)
    const states = await readStates(
      ctx,
      target,
      result.restored.map((r) => r.target)
    )
    if (states) {
      // A merge (allow-merge without drop) keeps the target's own documents beside the restored ones.
      const exact = plan.drop || !plan.allowMerge
      ctx.report.mismatches = compareCollections(result.restored, expected, states, exact)
      core.info(
        `${states.length} restored collections checked: ${ctx.report.mismatches.length} mismatches.`
      )
    }
    ctx.report.copy = await checkCopy(
      reference,
      target,
      result.restored,
      plan.verifySample,
      plan.probeTimeoutMs
    )
    const { options, samples } = ctx.report.copy
    if (!options.checked)
      core.warning(`The options and indexes check was skipped: ${options.reason}.`)
    core.info(
      `Options and indexes of ${options.collections} collections: ${options.differences.length} differences. Sample: ${samples.reduce((n, s) => n + s.compared, 0)} documents compared in ${samples.length} collections.`
    )
    ctx.report.leftovers = await checkLeftovers(ctx)
    // The users are checked whatever the data shows: the report then holds both.
    await checkUsers(ctx, baseline)
    const different = copyFailure(ctx.report.copy, ctx.report.mismatches)
    if (different) throw different
    checkMismatches(ctx.report.mismatches)
  })
}

async function checkLeftovers(ctx: RunContext): Promise<LeftoverCheck | undefined> {
  const admin = adminUri(ctx.settings)
  if (!admin) return undefined
  const found = await findLeftovers(admin, ctx.settings.probeTimeoutMs)
  if (!found.checked) core.warning(`The leftovers check was skipped: ${found.reason}.`)
  else if (found.tempusers + found.temproles > 0)
    core.warning(
      `The target holds admin.tempusers (${found.tempusers} documents) and admin.temproles (${found.temproles}), left by an interrupted mongorestore: they hold credential hashes. Drop them (db.getSiblingDB('admin').tempusers.drop(), temproles.drop()).`,
      { title: 'Credential leftovers on the target' }
    )
  return found
}

async function checkUsers(ctx: RunContext, baseline: Baseline): Promise<void> {
  if (baseline.users === undefined) return
  const after = await readUsers(ctx)
  if (after === undefined) return
  const drift = diffUsers(baseline.users, after)
  // A repair changes the app user on purpose; it is reported on its own.
  const repaired = new Set(ctx.report.repairs.map((r) => `${r.db}.${r.user}`))
  drift.changed = drift.changed.filter((c) => !repaired.has(c.user))
  drift.appeared = drift.appeared.filter((u) => !repaired.has(u))
  ctx.report.users = { checked: true, reason: undefined, drift, count: after.size }
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
  core.info(`Users: ${after.size} on the target, none changed.`)
}

/** Counts and indexes of the restored collections; undefined, with a warning, when the target user may not read them. */
async function readStates(ctx: RunContext, target: MongoUri, namespaces: string[]) {
  try {
    return await collectionStates(target, namespaces, ctx.settings.probeTimeoutMs)
  } catch (error) {
    if (classify(error) !== 'unauthorized') throw error
    core.warning(
      `The count and index check was skipped: ${target.input} may not read the restored collections (the restore role cannot). Grant it read on them to verify the copy.`,
      { title: 'Data check skipped' }
    )
    return undefined
  }
}

/** The target's users, read with target-admin-uri (else target-uri); undefined with the reason reported when not allowed. */
async function readUsers(ctx: RunContext): Promise<UserSnapshot | undefined> {
  const admin = adminUri(ctx.settings)
  if (!admin) return undefined
  try {
    return await snapshotUsers(admin, ctx.settings.probeTimeoutMs)
  } catch (error) {
    if (
      error instanceof GuardError &&
      error.kind === 'DriftUnavailable' &&
      ctx.settings.adminUri === undefined
    ) {
      ctx.report.users = { checked: false, reason: error.message, drift: undefined }
      core.warning(
        `The users drift check was skipped: ${error.message} Give target-admin-uri to enable it.`,
        {
          title: 'Users drift check skipped'
        }
      )
      return undefined
    }
    throw error
  }
}

async function repair(ctx: RunContext, baseline: Baseline | undefined): Promise<void> {
  const admin = adminUri(ctx.settings)
  if (!admin) return
  // Member probes follow their app's own; the app's own results are in app order.
  const own = ctx.report.probes.after.filter((r) => r.member === undefined)
  const rejected = ctx.settings.apps.filter((_, i) => {
    const status = own[i]?.status
    return status === 'authentication-failed' || status === 'user-not-found'
  })
  if (rejected.length === 0) return
  for (const app of rejected) {
    const result = await repairAppUser(
      admin,
      app,
      baseline?.roles.get(app),
      ctx.settings.probeTimeoutMs
    )
    ctx.report.repairs.push(result)
    core.warning(
      `Repaired ${result.user}@${result.db}: ${result.action} (roles ${result.roles.join(', ') || 'none'}); no other user was touched.`,
      {
        title: 'App user repaired'
      }
    )
  }
  ctx.report.probes.after = await probeApps(ctx.settings)
}

/** One new connection per app, then one per replica-set member it could reach, one at a time. */
export async function probeApps(settings: Settings): Promise<ProbeResult[]> {
  const results: ProbeResult[] = []
  for (const app of settings.apps) {
    const result = await probe(app, settings.privileges, settings.probeTimeoutMs)
    log(result)
    results.push(result)
    if (result.status === 'unreachable') continue
    const members = await dataMembers(app, settings.probeTimeoutMs).catch(() => [])
    // A one-member set is the server just probed.
    if (members.length < 2) continue
    for (const member of members) {
      const memberResult = {
        ...(await probe(app.forMember(member), settings.privileges, settings.probeTimeoutMs)),
        member
      }
      log(memberResult)
      results.push(memberResult)
    }
  }
  return results
}

function log(result: ProbeResult): void {
  const where = result.member ? ` on member ${result.member}` : ''
  core.info(
    `${result.user}@${result.authSource}${where}: ${result.status} (${result.durationMs} ms) ${result.detail}`
  )
}

function adminUri(settings: Settings): MongoUri | undefined {
  return settings.adminUri ?? settings.target
}

function adviseManaged(ctx: RunContext): void {
  const uri = ctx.settings.target ?? ctx.settings.apps[0]
  const service = uri && managedService(uri)
  if (!service) return
  ctx.report.managed = service
  core.notice(managedAdvice(service) as string, { title: `Managed service: ${service}` })
}

function managedNote(ctx: RunContext): string | undefined {
  return managedAdvice(ctx.report.managed)
}
