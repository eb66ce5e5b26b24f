// The action: read the inputs, find the tools, run the mode's pipeline, publish one report.
import { setFlagsFromString } from 'node:v8'
import { getInputs, getReportPath } from './input/inputs.js'
import { allUris, type Settings } from './input/settings.js'
import { runMode } from './pipeline/run.js'
import { whatMayBeWritten } from './report/aftermath.js'
import { newReport, type Report } from './report/report.js'
import { publish } from './report/publish.js'
import { toGuardError } from './errors.js'
import { redact, SecretDir, type MongoUri } from './secrets.js'
import { notice } from './interface.js'
import { dumpedNamespaces, restoreCounts, restoredNamespaces } from './tools/output.js'
import { progressOf } from './tools/progress.js'
import { obtainTools } from './tools/install/index.js'
import { readVersions, refuseIncompatible } from './server/versions.js'
import type { ToolBins, ToolObserver } from './tools/transfer.js'
import type { Versions } from './server/compatibility.js'

/** Runs the action and returns its report (already published). */
export async function run(signal: AbortSignal): Promise<Report> {
  boundHeap()
  const report = newReport()
  const reportPath = getReportPath()
  let uris: MongoUri[] = []
  try {
    const settings = getInputs()
    uris = allUris(settings)
    report.mode = settings.mode
    report.source = 'source' in settings ? settings.source.redacted : undefined
    report.target = 'target' in settings ? settings.target?.redacted : undefined
    report.archive = 'archive' in settings ? settings.archive : undefined
    // probe and verify run no tool.
    const found =
      settings.mode === 'probe' || settings.mode === 'verify'
        ? undefined
        : await findTools(report, settings)
    let versions: Versions | undefined
    if (settings.mode !== 'probe') {
      versions = await readVersions(settings, found?.version)
      report.versions = versions
      refuseIncompatible(versions, settings.allowOlderTarget)
    }
    const secrets = await SecretDir.create(settings.tempDir)
    report.tools.credentials = secrets.channel
    if (secrets.channel === 'file') {
      notice(
        `Connection strings reach mongodump and mongorestore through 0600 files in ${secrets.path} (this platform has no FIFO the tools can open), deleted when the run ends; a run killed outright (SIGKILL) leaves them there.`,
        { title: 'Credentials in temporary files' }
      )
    }
    try {
      const tools = {
        bins: found?.bins ?? { mongodump: '', mongorestore: '' },
        secrets,
        signal,
        timeoutMs: settings.phaseTimeoutMs,
        redact: (text: string) => redact(text, uris),
        observer: recorder(report)
      }
      await runMode({ settings, report, tools, signal, versions })
    } finally {
      await secrets.remove()
    }
    report.status = 'passed'
  } catch (error) {
    const failure = toGuardError(error)
    report.status = failure.kind === 'Cancelled' ? 'cancelled' : 'failed'
    report.failure = { kind: failure.kind, title: failure.title, message: failure.message }
    report.aftermath = whatMayBeWritten(report)
  } finally {
    report.finishedAt = new Date().toISOString()
    await publish(report, reportPath, (text) => redact(text, uris))
  }
  return report
}

/**
 * What the run holds stays small (about 20 MB of heap after a full GC, at every phase and every
 * size), but the checks of many small collections churn through garbage, a megabyte or more per
 * collection. Node 24's V8 then grows the young generation to 2 x 64 MB and lets the old one fill
 * with promoted garbage up to four times what is live: the peak RSS grew with the collections
 * (250 MB for 100 x 3, 340 MB for 1000 x 2). Both settings are read at each GC, so they still
 * apply once the process runs: the young generation keeps its size, the old one is collected at
 * 1.5 x what survived.
 */
function boundHeap(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--heap-growing-percent=50')
}

async function findTools(
  report: Report,
  settings: Settings
): Promise<{ bins: ToolBins; version: string }> {
  const tools = await obtainTools({
    version: settings.toolsVersion,
    mirror: settings.toolsMirror,
    path: settings.toolsPath,
    tempDir: settings.tempDir,
    cacheDir: settings.toolCacheDir
  })
  report.tools = {
    mongodump: tools.version,
    mongorestore: tools.version,
    source: tools.source,
    build: tools.build
  }
  return { bins: tools.bins, version: tools.version }
}

/** Records what the tools do as they do it, so a failed run's report says what it may have written. */
function recorder(report: Report): ToolObserver {
  return {
    restoreStarting: () => {
      report.targetWritten = true
    },
    exited: (run) => {
      report.toolRuns.push(progressOf(run))
      if (run.tool === 'mongodump') {
        report.dumped.push(...dumpedNamespaces(run.lines))
        return
      }
      // Several databases are restored by several mongorestore runs: their counts add up.
      const counts = restoreCounts(run.lines)
      if (counts) {
        report.restore = {
          restored: (report.restore?.restored ?? 0) + counts.restored,
          failed: (report.restore?.failed ?? 0) + counts.failed
        }
      }
      report.restored.push(...restoredNamespaces(run.lines))
    },
    dumpRemoved: (path) => {
      const failed = report.toolRuns.at(-1)
      if (failed?.tool === 'mongodump') failed.removedArchive = path
    }
  }
}
