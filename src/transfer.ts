// Dump and restore: streamed (mongodump --archive | mongorestore --archive, nothing on disk)
// or through the archive file the user named. Connection strings reach the tools only through
// --config files in a private directory.
import * as core from '@actions/core'
import { GuardError } from './errors.js'
import { progressOf } from './progress.js'
import { phase, type Report } from './report.js'
import { redact, type SecretDir } from './secrets.js'
import type { Settings } from './settings.js'
import { dumpArgs, restoreArgs } from './tool-args.js'
import {
  dumpedNamespaces,
  failureReason,
  restoreCounts,
  type RestoreCounts
} from './tool-output.js'
import { runTools, type Interruption, type ToolCommand, type ToolRun } from './tool-runner.js'

export interface ToolBins {
  mongodump: string
  mongorestore: string
}

export async function transfer(
  report: Report,
  settings: Settings,
  bins: ToolBins,
  secrets: SecretDir,
  signal: AbortSignal
): Promise<RestoreCounts> {
  const dump: ToolCommand = {
    tool: 'mongodump',
    bin: bins.mongodump,
    args: dumpArgs(settings, await secrets.toolConfig('source', settings.source))
  }
  const restore: ToolCommand = {
    tool: 'mongorestore',
    bin: bins.mongorestore,
    args: restoreArgs(settings, await secrets.toolConfig('target', settings.target))
  }
  const options = {
    timeoutMs: settings.phaseTimeoutMs,
    signal,
    redact: (text: string) => redact(text, [settings.source, settings.target, ...settings.apps]),
    onExit: (run: ToolRun) => report.toolRuns.push(progressOf(run))
  }
  const echo = (c: ToolCommand) => `${c.tool} ${c.args.join(' ')}`

  if (settings.archive === undefined) {
    return phase(report, 'Dump → restore (streamed)', async () => {
      core.info(`${echo(dump)} | ${echo(restore)}`)
      report.targetWritten = true
      const { runs, interruption } = await runTools([dump, restore], options)
      const [dumpRun, restoreRun] = runs as [ToolRun, ToolRun]
      report.dumped = dumpedNamespaces(dumpRun.lines)
      // mongodump stopped only because mongorestore failed first: report mongorestore's failure.
      if (!dumpRun.readerFailed) checkRun(dumpRun, interruption, 'dump', true)
      return finishRestore(report, restoreRun, interruption)
    })
  }
  await phase(report, 'Dump', async () => {
    core.info(echo(dump))
    const { runs, interruption } = await runTools([dump], options)
    const dumpRun = runs[0] as ToolRun
    report.dumped = dumpedNamespaces(dumpRun.lines)
    checkRun(dumpRun, interruption, 'dump', false)
  })
  return phase(report, 'Restore', async () => {
    core.info(echo(restore))
    report.targetWritten = true
    const { runs, interruption } = await runTools([restore], options)
    return finishRestore(report, runs[0] as ToolRun, interruption)
  })
}

function finishRestore(report: Report, run: ToolRun, interruption: Interruption): RestoreCounts {
  const counts = restoreCounts(run.lines)
  report.restore = counts
  checkRun(run, interruption, 'restore', true)
  if (counts === undefined) {
    throw new GuardError(
      'ToolFailed',
      'mongorestore gave no summary',
      'mongorestore exited 0 without its "N document(s) restored" line; the result cannot be judged. The target may hold a partial copy.'
    )
  }
  return counts
}

/** Turns a tool's failure, timeout or cancellation into an error that says what may be written. */
function checkRun(
  run: ToolRun,
  interruption: Interruption,
  step: 'dump' | 'restore',
  targetTouched: boolean
): void {
  const partial = targetTouched
    ? ' The target may hold a partial copy of the data.'
    : ' Nothing was restored.'
  if (interruption === 'cancelled') {
    throw new GuardError(
      'Cancelled',
      'Cancelled',
      `The run was cancelled during the ${step}; the tools were stopped.${partial}`
    )
  }
  if (interruption === 'timeout') {
    throw new GuardError(
      'TimedOut',
      `The ${step} timed out`,
      `The ${step} did not finish within timeout-minutes and was stopped.${partial} Raise timeout-minutes or check that the servers answer.`
    )
  }
  if (run.exitCode !== 0) {
    const reason = failureReason(run.lines) ?? 'no output'
    throw new GuardError(
      'ToolFailed',
      `${run.tool} failed`,
      `${run.tool} exited with ${run.exitCode ?? 'a signal'}: ${reason}.${partial}`
    )
  }
}
