// The action: read the inputs, run the mode's pipeline, publish one report.
import { getInputs, getReportPath } from './input/inputs.js'
import { dump, migrate, probeOnly, rehearse, restore } from './modes.js'
import { newReport, publish, recordFailure, type Report } from './report/report.js'
import { redact, SecretDir, type MongoUri } from './secrets.js'
import type { RunContext } from './steps.js'
import type { Mode, Settings } from './input/settings.js'
import { obtainTools } from './tools/install/index.js'
import { readVersions, refuseIncompatible } from './server/versions.js'
import type { ToolBins } from './tools/transfer.js'

const PIPELINES: Record<Mode, (ctx: RunContext) => Promise<void>> = {
  migrate,
  rehearse,
  dump,
  restore,
  probe: probeOnly
}

/** Runs the action and returns its report (already published). */
export async function run(signal: AbortSignal): Promise<Report> {
  const report = newReport()
  const reportPath = getReportPath()
  let uris: MongoUri[] = []
  try {
    const settings = getInputs()
    uris = [settings.source, settings.target, settings.adminUri, ...settings.apps].filter(
      (u): u is MongoUri => u !== undefined
    )
    report.mode = settings.mode
    report.source = settings.source?.redacted
    report.target = settings.target?.redacted
    report.archive = settings.archive
    const bins =
      settings.mode === 'probe'
        ? { mongodump: '', mongorestore: '' }
        : await findTools(report, settings)
    if (settings.mode !== 'probe') {
      report.versions = await readVersions(settings, report.tools.mongodump)
      refuseIncompatible(report.versions, settings.allowOlderTarget)
    }
    const secrets = await SecretDir.create(settings.tempDir)
    try {
      await PIPELINES[settings.mode]({ report, settings, bins, secrets, signal })
    } finally {
      await secrets.remove()
    }
    report.status = 'passed'
  } catch (error) {
    recordFailure(report, error)
  } finally {
    await publish(report, reportPath, (text) => redact(text, uris))
  }
  return report
}

async function findTools(report: Report, settings: Settings): Promise<ToolBins> {
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
  return tools.bins
}
