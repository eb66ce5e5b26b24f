// mode dump: every planned user database (never admin, local, config) into a new directory,
// without users or roles; from a replica set, with the writes made during the dump saved beside
// it (oplog.bson), so that a restore is one point in time; and a manifest of what and when.
import type { DumpSettings } from '../input/settings.js'
import { phase } from '../report/phase.js'
import { userDatabases } from '../server/deployment.js'
import { startCopy } from '../oplog/copy.js'
import { saveWindow } from '../oplog/saved.js'
import { inspectDump } from '../tools/dump-files.js'
import type { ConsistentPoint } from '../tools/manifest.js'
import { dumpToDirectory } from '../tools/transfer.js'
import type { Run } from './context.js'
import { pointOf, recordNotPointInTime, recordPointInTime } from './copy.js'
import { checkSides } from './phases.js'
import { measureDumped, writeOwnManifest } from './recovery.js'
import { dumpFiles } from './restore.js'

export async function dump(run: Run<DumpSettings>): Promise<void> {
  const { settings, report } = run
  const { source, archive, transfer } = settings
  await checkSides(run, transfer)
  const databases = await userDatabases(source, transfer.databases, settings.probeTimeoutMs)
  const begun = await phase(report.phases, 'Open the oplog window', () =>
    startCopy(settings.consistent, source, undefined, settings.probeTimeoutMs)
  )
  if ('reason' in begun) recordNotPointInTime(report, begun.reason)
  const dumpStartedAt = new Date()
  await phase(report.phases, 'Dump to disk', () =>
    dumpToDirectory(run.tools, transfer, source, databases, archive)
  )
  let at: ConsistentPoint | undefined
  if ('start' in begun) {
    const saved = await phase(report.phases, 'Save the writes made during the dump', () =>
      saveWindow(source, begun.start, transfer, archive, settings.probeTimeoutMs)
    )
    recordPointInTime(report, saved)
    at = pointOf(saved.at)
  }
  const manifest = await writeOwnManifest(run, archive, transfer, dumpStartedAt, at)
  const files = dumpFiles(archive, await inspectDump(archive))
  report.dumpFiles = files
  report.recovery = measureDumped(manifest, dumpStartedAt, files.bytes, at)
}
