// mode rehearse: the migration's steps into scratch databases, which must not exist yet (named
// `rehearsal_<run>_<db>` on the source's own deployment, the real names on another one); then
// exactly those databases are dropped unless `keep`.
import { GuardError, invalidInput } from '../errors.js'
import type { RehearseSettings, TransferPlan } from '../input/settings.js'
import { phase } from '../report/phase.js'
import { judgeObjectives } from '../report/recovery.js'
import { dropDatabases, userDatabases } from '../server/deployment.js'
import type { Run } from './context.js'
import { copyAndCheck } from './copy.js'
import { checkSides, probeBefore, recordBaseline } from './phases.js'

// MongoDB's limit on database names.
const MAX_DATABASE_NAME = 63

export async function rehearse(run: Run<RehearseSettings>): Promise<void> {
  const { settings, report } = run
  const { source, target } = settings
  const databases = await userDatabases(
    source,
    settings.transfer.databases,
    settings.probeTimeoutMs
  )
  const renamed = source.sharesHostWith(target)
  const scratch = databases.map((db) => (renamed ? `rehearsal_${settings.runId}_${db}` : db))
  await refuseTaken(settings, scratch)
  // The rehearsal's own plan: exactly these databases, renamed into scratch ones when needed.
  const plan: TransferPlan = {
    ...settings.transfer,
    databases,
    renames: renamed
      ? databases.map((db, i) => ({ from: `${db}.$coll$`, to: `${scratch[i]}.$coll$` }))
      : []
  }
  report.rehearsal = { databases: scratch, dropped: false }
  try {
    const before = await probeBefore(run)
    const planned = await checkSides(run, plan)
    const baseline = await recordBaseline(run)
    const copied = await copyAndCheck(run, plan, { before, planned, baseline })
    judgeObjectives(copied.recovery)
  } finally {
    // Whether mongorestore started, as the tools' observer recorded it: only then may it have written.
    if (!settings.keep && report.targetWritten) {
      await phase(report.phases, 'Drop the scratch databases', () =>
        dropDatabases(target, scratch, settings.probeTimeoutMs)
      )
      report.rehearsal.dropped = true
    }
  }
}

/** Scratch names MongoDB accepts, none of which exists on the target yet. */
async function refuseTaken(settings: RehearseSettings, scratch: string[]): Promise<void> {
  const tooLong = scratch.filter((name) => name.length > MAX_DATABASE_NAME)
  if (tooLong.length > 0) {
    throw invalidInput(
      'databases',
      `the scratch names ${tooLong.join(', ')} exceed ${MAX_DATABASE_NAME} characters`,
      'Rehearse databases with shorter names, or use a separate target'
    )
  }
  const existing = new Set(await userDatabases(settings.target, [], settings.probeTimeoutMs))
  const taken = scratch.filter((name) => existing.has(name))
  if (taken.length > 0) {
    throw new GuardError(
      'RehearsalConflict',
      'The rehearsal target is not empty',
      `The rehearsal would restore into ${taken.join(', ')}, which already exist on the target; a rehearsal never touches a database it did not create. Use a target without them. Nothing was written.`
    )
  }
}
