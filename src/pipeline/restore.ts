// mode restore: a dump from disk, after checking what it carries (never users or roles; its
// manifest's namespaces all there), restored with the guard, probed, checked against the dump
// itself, then the writes saved with the dump replayed (one point in time).
import { GuardError } from '../errors.js'
import { info } from '../interface.js'
import type { RestoreSettings, TransferPlan } from '../input/settings.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import { phase, timed } from '../report/phase.js'
import { judgeObjectives } from '../report/recovery.js'
import type { Report } from '../report/report.js'
import { noPointInTime, replayDenied } from '../oplog/copy.js'
import { hasSavedWindow, replaySaved } from '../oplog/saved.js'
import { inspectDump, type DumpContents } from '../tools/dump-files.js'
import { readManifest, refuseIncompleteDump } from '../tools/manifest.js'
import { restoreFromDump } from '../tools/transfer.js'
import { checkTheCopy } from './check.js'
import type { Run } from './context.js'
import { databasesOf, recordNotPointInTime, recordPointInTime, withCollections } from './copy.js'
import { expectedOfDump } from './expected.js'
import { checkSides, probeAfter, probeBefore, recordBaseline } from './phases.js'
import { measureRestore } from './recovery.js'

export async function restore(run: Run<RestoreSettings>): Promise<void> {
  const { settings, report } = run
  const path = settings.archive
  const { contents, manifest } = await phase(report.phases, 'Inspect the dump', async () => ({
    contents: await inspectDump(path),
    manifest: await readManifest(path)
  }))
  report.dumpFiles = dumpFiles(path, contents)
  report.manifest = manifest
  if (manifest) refuseIncompleteDump(path, manifest, contents.namespaces)
  info(
    `The dump holds ${contents.namespaces.length} namespaces, ${contents.credentialNamespaces.length} of them users or roles.`
  )
  if (contents.credentialNamespaces.length > 0 && !settings.skipArchivedUsers) {
    throw new GuardError(
      'DumpCarriesUsers',
      'The dump carries users or roles',
      `archive: the dump holds ${contents.credentialNamespaces.length} namespace(s) of users or roles (credential hashes that whoever reads the file can crack offline). They are never restored; set skip-archived-users: true to restore the rest, and dump with this action (mode: dump) to write dumps without them. Nothing was restored.`
    )
  }
  // The dump decides the compression, whatever the gzip input says.
  const plan: TransferPlan = { ...settings.transfer, gzip: contents.gzipped }
  const before = await probeBefore(run)
  const planned = await checkSides(run, plan, contents.namespaces)
  const replay = await replaysSavedWindow(run, planned)
  const baseline = await recordBaseline(run)
  const result = await timed(() =>
    phase(report.phases, 'Restore', () =>
      restoreFromDump(run.tools, withCollections(plan, planned), settings.target, {
        kind: contents.kind,
        path
      })
    )
  )
  const recovery = await measureRestore(run, result, manifest, contents.bytes)
  report.recovery = recovery
  const repairs = await probeAfter(run, { before, baseline })
  const expected = expectedOfDump(result.restored, manifest, contents.indexes)
  const reference = {
    kind: 'dump' as const,
    path,
    format: contents.kind,
    collections: contents.collections
  }
  await checkTheCopy(run, { plan, result, expected, baseline, repairs, reference })
  // The dump's saved window, after the copy was verified against the dump itself.
  if (replay) {
    const done = await phase(report.phases, 'Replay the writes saved with the dump', () =>
      replaySaved(run.tools, settings.target, path, plan)
    )
    recordPointInTime(report, done)
  }
  judgeObjectives(recovery)
}

/**
 * Whether the dump's saved window (oplog.bson) is replayed: when it has one, unless
 * consistent: false or (auto) the target user may not replay; checked before anything is written.
 */
async function replaysSavedWindow(
  run: Run<RestoreSettings>,
  planned: readonly PlannedNamespace[]
): Promise<boolean> {
  const { settings, report } = run
  if (settings.consistent === 'false' || !hasSavedWindow(settings.archive)) return false
  const denied = await replayDenied(
    { uri: settings.target, databases: databasesOf(planned) },
    settings.probeTimeoutMs
  )
  if (denied && settings.consistent === 'true') throw noPointInTime(denied)
  if (denied) recordNotPointInTime(report, `the dump's saved writes are not replayed: ${denied}`)
  return !denied
}

/** The dump on disk as the report lists it. */
export function dumpFiles(path: string, c: DumpContents): NonNullable<Report['dumpFiles']> {
  return {
    path,
    bytes: c.bytes,
    namespaces: c.namespaces,
    credentialNamespaces: c.credentialNamespaces
  }
}
