// The one module that starts child processes: mongodump and mongorestore, alone or with the
// dump's stdout piped into the restore's stdin. @actions/exec cannot join two processes with a
// pipe, so the pipeline uses child_process directly; the version check uses @actions/exec.
import * as core from '@actions/core'
import { getExecOutput } from '@actions/exec'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { GuardError } from './errors.js'

export type ToolName = 'mongodump' | 'mongorestore'

export interface ToolCommand {
  tool: ToolName
  bin: string
  args: string[]
}

export interface ToolRun {
  tool: ToolName
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null
  /** Every line the tool logged (stderr), already redacted. */
  lines: string[]
}

export interface RunOptions {
  timeoutMs: number
  signal: AbortSignal
  /** Removes secrets from a line before it is logged or kept. */
  redact: (text: string) => string
}

/** How a run ended when it was not by itself. */
export type Interruption = 'timeout' | 'cancelled' | undefined

/** Grace period between SIGTERM and SIGKILL when stopping the tools. */
const KILL_GRACE_MS = 5000

/** The tool's path: inside `toolsPath` when given, else its name for a PATH lookup. */
export function toolPath(tool: ToolName, toolsPath: string | undefined): string {
  if (toolsPath === undefined) return tool
  const exe = join(toolsPath, process.platform === 'win32' ? `${tool}.exe` : tool)
  if (!existsSync(exe)) {
    throw new GuardError(
      'ToolNotFound',
      `${tool} not found`,
      `tools-path: ${exe} does not exist. Point tools-path at the directory holding ${tool}, or leave it empty to use PATH.`
    )
  }
  return exe
}

/** `mongodump --version` → "100.7.0"; throws ToolNotFound when the tool cannot run. */
export async function toolVersion(tool: ToolName, bin: string): Promise<string> {
  let output: string
  try {
    output = (await getExecOutput(bin, ['--version'], { silent: true, ignoreReturnCode: true }))
      .stdout
  } catch {
    throw new GuardError(
      'ToolNotFound',
      `${tool} not found`,
      `${tool} could not be started from "${bin}". Install the MongoDB Database Tools (100.x) on the runner or set tools-path to their directory.`
    )
  }
  const version = /version:\s*(\S+)/.exec(output)?.[1]
  if (version === undefined) {
    throw new GuardError(
      'ToolNotFound',
      `${tool} not recognised`,
      `"${bin} --version" did not print a version; is it the MongoDB Database Tools' ${tool}?`
    )
  }
  return version
}

/**
 * Runs the commands at once, each one's stdout piped into the next one's stdin, and waits for
 * all of them. Tool logs are passed through (redacted) as they come.
 */
export async function runTools(
  commands: ToolCommand[],
  options: RunOptions
): Promise<{ runs: ToolRun[]; interruption: Interruption }> {
  const children: ChildProcess[] = []
  let interruption: Interruption
  const stopAll = (why: Interruption) => {
    interruption ??= why
    for (const child of children) stop(child)
  }
  const timer = setTimeout(() => stopAll('timeout'), options.timeoutMs)
  const onAbort = () => stopAll('cancelled')
  options.signal.addEventListener('abort', onAbort)
  try {
    const finished = commands.map((command, i) => {
      const last = i === commands.length - 1
      const child = spawn(command.bin, command.args, {
        stdio: [i === 0 ? 'ignore' : 'pipe', last ? 'ignore' : 'pipe', 'pipe']
      })
      const previous = children[i - 1]
      if (previous?.stdout && child.stdin) {
        previous.stdout.pipe(child.stdin)
        // The reader exiting early breaks the pipe; its own exit code tells the story.
        child.stdin.on('error', () => undefined)
      }
      children.push(child)
      return collect(command, child, options.redact)
    })
    if (options.signal.aborted) stopAll('cancelled')
    const runs = await Promise.all(finished)
    return { runs, interruption }
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onAbort)
  }
}

function collect(
  command: ToolCommand,
  child: ChildProcess,
  redact: (text: string) => string
): Promise<ToolRun> {
  const lines: string[] = []
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (raw) => {
      const line = redact(raw)
      lines.push(line)
      core.info(`[${command.tool}] ${line}`)
    })
  }
  return new Promise((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new GuardError(
              'ToolNotFound',
              `${command.tool} not found`,
              `${command.tool} was not found at "${command.bin}". Install the MongoDB Database Tools or set tools-path.`
            )
          : error
      )
    })
    // 'close' waits for stderr to end, so every line is in `lines`.
    child.on('close', (exitCode) => resolve({ tool: command.tool, exitCode, lines }))
  })
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }, KILL_GRACE_MS).unref()
}
