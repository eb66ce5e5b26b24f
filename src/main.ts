// The pipeline: read inputs → probe (before) → dump → restore → probe (after) → verify → report.
import * as core from '@actions/core'
import { GuardError } from './errors.js'
import { getInputs, getReportPath } from './inputs.js'
import { preflight } from './preflight.js'
import { probe, type ProbeResult } from './probe.js'
import { newReport, phase, publish, recordFailure, type Report } from './report.js'
import { redact, SecretDir, type MongoUri } from './secrets.js'
import type { Settings } from './settings.js'
import { toolPath, toolVersion } from './tool-runner.js'
import { transfer, type ToolBins } from './transfer.js'
import { checkRestore, judgeAfter, judgeBaseline } from './verify.js'

export async function run(signal: AbortSignal): Promise<void> {
  const report = newReport()
  const reportPath = getReportPath()
  let uris: MongoUri[] = []
  try {
    const settings = getInputs()
    uris = [settings.source, settings.target, ...settings.apps]
    await migrate(settings, report, signal)
    report.status = 'passed'
  } catch (error) {
    recordFailure(report, error)
  } finally {
    await publish(report, reportPath, (text) => redact(text, uris))
  }
}

async function migrate(settings: Settings, report: Report, signal: AbortSignal): Promise<void> {
  report.source = settings.source.redacted
  report.target = settings.target.redacted
  report.archive = settings.archive
  const bins = await findTools(report, settings)
  await phase(report, 'Probe before restore', async () => {
    report.probes.before = await probeApps(settings)
    judgeBaseline(report.probes.before)
  })
  await preflight(report, settings, signal)
  throwIfCancelled(signal)
  const secrets = await SecretDir.create(settings.tempDir)
  let counts
  try {
    counts = await transfer(report, settings, bins, secrets, signal)
  } finally {
    await secrets.remove()
  }
  throwIfCancelled(signal)
  await phase(report, 'Probe after restore', async () => {
    report.probes.after = await probeApps(settings)
  })
  await phase(report, 'Verify', async () => {
    report.verdicts = judgeAfter(report.probes.before, report.probes.after)
    checkRestore(report.dumped, counts, settings.allowFailedDocuments)
  })
}

async function findTools(report: Report, settings: Settings): Promise<ToolBins> {
  const bins = {
    mongodump: toolPath('mongodump', settings.toolsPath),
    mongorestore: toolPath('mongorestore', settings.toolsPath)
  }
  report.tools = {
    mongodump: await toolVersion('mongodump', bins.mongodump),
    mongorestore: await toolVersion('mongorestore', bins.mongorestore)
  }
  core.info(`mongodump ${report.tools.mongodump}, mongorestore ${report.tools.mongorestore}`)
  return bins
}

/** One new connection per app, one after the other: each result is a fresh login. */
async function probeApps(settings: Settings): Promise<ProbeResult[]> {
  const results: ProbeResult[] = []
  for (const app of settings.apps) {
    const result = await probe(app, settings.privileges, settings.probeTimeoutMs)
    core.info(
      `${result.user}@${result.authSource}: ${result.status} (${result.durationMs} ms) ${result.detail}`
    )
    results.push(result)
  }
  return results
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new GuardError('Cancelled', 'Cancelled', 'The run was cancelled.')
}
