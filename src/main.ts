// The pipeline: read inputs → probe (before) → dump → restore → probe (after) → verify → report.
import * as core from '@actions/core'
import { GuardError } from './errors.js'
import { getInputs } from './inputs.js'
import { probe } from './probe.js'
import { newReport, phase, publish, recordFailure, type Report } from './report.js'
import { redact, SecretDir } from './secrets.js'
import type { Settings } from './settings.js'
import { toolPath, toolVersion } from './tool-runner.js'
import { transfer, type ToolBins } from './transfer.js'
import { checkRestore, judgeAfter, judgeBaseline } from './verify.js'

export async function run(signal: AbortSignal): Promise<void> {
  const report = newReport()
  let settings: Settings | undefined
  let secrets: SecretDir | undefined
  try {
    settings = getInputs()
    report.source = settings.source.redacted
    report.target = settings.target.redacted
    report.archive = settings.archive
    const bins = await findTools(report, settings)
    const current = settings
    report.probes.before = await phase(report, 'Probe before restore', () => probeApps(current))
    judgeBaseline(report.probes.before)
    cancelled(signal)
    secrets = await SecretDir.create(settings.tempDir)
    const counts = await transfer(report, settings, bins, secrets, signal)
    await secrets.remove()
    cancelled(signal)
    report.probes.after = await phase(report, 'Probe after restore', () => probeApps(current))
    await phase(report, 'Verify', async () => {
      report.verdicts = judgeAfter(report.probes.before, report.probes.after)
      checkRestore(report.dumped, counts, current.allowFailedDocuments)
    })
    report.status = 'passed'
  } catch (error) {
    recordFailure(report, error)
  } finally {
    await secrets?.remove()
    const uris = settings ? [settings.source, settings.target, ...settings.apps] : []
    await publish(report, settings?.reportPath, (text) => redact(text, uris))
  }
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

async function probeApps(settings: Settings) {
  const results = []
  for (const app of settings.apps) {
    const result = await probe(app, settings.privileges, settings.probeTimeoutMs)
    core.info(
      `${result.user}@${result.authSource}: ${result.status} (${result.durationMs} ms) ${result.detail}`
    )
    results.push(result)
  }
  return results
}

function cancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new GuardError('Cancelled', 'Cancelled', 'The run was cancelled.')
}
