// The one module that starts child processes: mongodump and mongorestore, alone or with the
// dump's stdout piped into the restore's stdin. @actions/exec cannot join two processes with a
// pipe, so the pipeline uses child_process directly (joined by a kernel pipe where there is
// one); the version check uses @actions/exec. Each tool reads its connection string from a FIFO
// written once it has opened it (see feedConfig), and on Linux dies with this process, however
// this process dies (see parentDeath).
import { getExecOutput } from '@actions/exec'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createInterface } from 'node:readline'
import { GuardError } from '../errors.js'
import { debug } from '../interface.js'
import type { ConfigPipe } from '../secrets.js'
import { feedConfig } from './config-fifo.js'
import { LogLines } from './log-lines.js'

export type ToolName = 'mongodump' | 'mongorestore'

export interface ToolCommand {
  tool: ToolName
  bin: string
  args: string[]
  /** The FIFO its `--config` names, when the connection string goes through one. */
  config?: ConfigPipe
}

export interface ToolRun {
  tool: ToolName
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null
  /** The lines the tool logged (stderr), already redacted; of its progress bars only each namespace's latest. */
  lines: string[]
  /** Set when the run ended by timeout or cancellation rather than by itself. */
  interruption: Interruption
  /** Stopped because the process reading its output failed first: that failure is the cause. */
  readerFailed?: boolean
}

export interface RunOptions {
  timeoutMs: number
  signal: AbortSignal
  /** Removes secrets from a line before it is logged or kept. */
  redact: (text: string) => string
  /** Told about each tool as soon as it has exited, whatever the outcome (for the report). */
  onExit?: (run: ToolRun) => void
}

/**
 * Runs the commands, each one's stdout piped into the next one's stdin, and waits for all of them.
 * `spawnTools` is the real one; unit tests give canned runs to test how a run is judged.
 */
export type ToolRunner = (
  commands: ToolCommand[],
  options: RunOptions
) => Promise<{ runs: ToolRun[]; interruption: Interruption }>

/** How a run ended when it was not by itself. */
export type Interruption = 'timeout' | 'cancelled' | undefined

/** Grace period between SIGTERM and SIGKILL when stopping the tools. */
const KILL_GRACE_MS = 5000

/** The oldest tools accepted: the 100.x Database Tools have every option the action relies on. */
const MIN_TOOLS_MAJOR = 100

/** Every tool process that is running, so a second cancel signal can kill them at once. */
const running = new Set<ChildProcess>()

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
  const version = /version:\s*[rv]?(\d+\.\d+\.\d+\S*)/.exec(output)?.[1]
  if (version === undefined) {
    throw new GuardError(
      'ToolNotFound',
      `${tool} not recognised`,
      `"${bin} --version" did not print a version; is it the MongoDB Database Tools' ${tool}? Install the MongoDB Database Tools (100.x) or point tools-path at them.`
    )
  }
  if (Number(version.split('.')[0]) < MIN_TOOLS_MAJOR) {
    throw new GuardError(
      'ToolTooOld',
      `${tool} ${version} is too old`,
      `${tool} ${version} (at "${bin}") predates the MongoDB Database Tools 100.x, which this action needs (the archive, namespace and config-file options it relies on behave differently or are missing). Nothing was dumped or restored. Install mongodb-database-tools 100.x on the runner, or point tools-path at it.`
    )
  }
  return version
}

/** Kills every running tool at once: the runner's second cancel signal leaves no grace. */
export function killAllTools(): void {
  for (const child of running) child.kill('SIGKILL')
}

/** The real ToolRunner: starts the processes at once; tool logs pass through (redacted) as they come. */
export const spawnTools: ToolRunner = async (commands, options) => {
  const children: ChildProcess[] = []
  const readerFailed = new Set<ChildProcess>()
  let interruption: Interruption
  const stopAll = (why: Interruption) => {
    interruption ??= why
    for (const child of children) stop(child)
  }
  const timer = setTimeout(() => stopAll('timeout'), options.timeoutMs)
  const onAbort = () => stopAll('cancelled')
  options.signal.addEventListener('abort', onAbort)
  try {
    const finished: Promise<ToolRun>[] = []
    // What the next tool reads: nothing for the first, then its writer's output.
    let input: 'ignore' | number | Readable = 'ignore'
    for (const [i, command] of commands.entries()) {
      const last = i === commands.length - 1
      const writer = children[i - 1]
      // The data goes from tool to tool through the kernel and never through this Node process
      // (its memory stays flat at any size).
      const pipe = last ? undefined : kernelPipe()
      let child: ChildProcess
      try {
        if (command.config) makeFifo(command.config.path)
        const [bin, args] = parentDeath(command.bin, command.args)
        child = spawn(bin, args, {
          stdio: [input, last ? 'ignore' : (pipe?.write ?? 'pipe'), 'pipe']
        })
      } catch (error) {
        if (pipe) closeSync(pipe.read)
        throw error
      } finally {
        // The children hold their ends now: this process lets go of its own, so that a reader
        // sees the end of the data when its writer exits, and a writer whose reader is gone
        // gets EPIPE instead of filling the pipe forever.
        if (typeof input === 'number') closeSync(input)
        else if (typeof input === 'object') input.destroy()
        if (pipe) closeSync(pipe.write)
      }
      input = pipe?.read ?? child.stdout ?? 'ignore'
      if (writer) {
        // A writer whose reader is gone would block forever on a full pipe: stop it too.
        child.on('close', (code) => {
          if (writer.exitCode !== null || writer.signalCode !== null) return
          if (code !== 0) readerFailed.add(writer)
          stop(writer)
        })
      }
      children.push(child)
      running.add(child)
      if (command.config) void feedConfig(child, command.config, () => stop(child))
      finished.push(
        collect(command, child, options.redact).then(
          (run) => {
            running.delete(child)
            run.interruption = interruption
            run.readerFailed = readerFailed.has(child)
            options.onExit?.(run)
            return run
          },
          (error: unknown) => {
            // One tool could not start: the others must not run on alone.
            for (const other of children) stop(other)
            throw error
          }
        )
      )
    }
    if (options.signal.aborted) stopAll('cancelled')
    // Wait for every process to end before returning or throwing: nothing is left running.
    const settled = await Promise.allSettled(finished)
    const runs = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason
      return s.value
    })
    return { runs, interruption }
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Both ends of a kernel pipe, to join two tools; undefined where none can be made (Windows), and
 * Node's own socket pair joins them. The socket pair carried an archive stream 27 % slower than
 * a pipe (5.6 s against 4.4 s for 300 small collections; scripts/bench/joins.ts). Node cannot
 * call pipe(2): a FIFO in a new private directory is opened at both ends (read-write first, so
 * that neither open waits for the other), then removed; only the two descriptors remain.
 */
function kernelPipe(): { read: number; write: number } | undefined {
  if (process.platform === 'win32') return undefined
  let dir: string | undefined
  let both: number | undefined
  let read: number | undefined
  try {
    dir = mkdtempSync(join(tmpdir(), 'mongo-restore-guard-pipe-'))
    const fifo = join(dir, 'pipe')
    const made = spawnSync('mkfifo', ['-m', '600', fifo])
    if (made.status !== 0) throw made.error ?? new Error(String(made.stderr).trim())
    both = openSync(fifo, constants.O_RDWR)
    read = openSync(fifo, constants.O_RDONLY)
    return { read, write: openSync(fifo, constants.O_WRONLY) }
  } catch (error) {
    if (read !== undefined) closeSync(read)
    debug(`No kernel pipe (${String(error)}): the tools are joined by a socket pair.`)
    return undefined
  } finally {
    if (both !== undefined) closeSync(both)
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
}

function collect(
  command: ToolCommand,
  child: ChildProcess,
  redact: (text: string) => string
): Promise<ToolRun> {
  const log = new LogLines(`[${command.tool}] `)
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (raw) => log.add(redact(raw)))
  }
  return new Promise((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      running.delete(child)
      reject(error.code === 'ENOENT' ? notFound(command) : error)
    })
    // 'close' waits for stderr to end, so every line is in the log.
    child.on('close', (exitCode) => {
      // setpriv (parentDeath) exits 127 when it cannot execute the tool; the tools exit 0 or 1.
      if (exitCode === 127 && parentDeathVia() !== undefined) {
        running.delete(child)
        reject(notFound(command))
        return
      }
      log.flush()
      resolve({ tool: command.tool, exitCode, lines: log.lines(), interruption: undefined })
    })
  })
}

function notFound(command: ToolCommand): GuardError {
  return new GuardError(
    'ToolNotFound',
    `${command.tool} not found`,
    `${command.tool} was not found at "${command.bin}". Install the MongoDB Database Tools or set tools-path.`
  )
}

/** A FIFO (0600, in the secrets' private directory) for one tool's `--config`. */
function makeFifo(path: string): void {
  const made = spawnSync('mkfifo', ['-m', '600', path])
  if (made.status !== 0) {
    throw new GuardError(
      'ToolFailed',
      'No pipe for the connection string',
      `mkfifo could not make ${path} (${made.error?.message ?? String(made.stderr).trim()}); the connection strings are never written to a file on this platform. Check that mkfifo (coreutils) is on PATH and that the temp directory allows named pipes.`
    )
  }
}

let parentDeathCache: string | null | undefined

/**
 * setpriv (util-linux, on every Ubuntu runner) when it can give a child a parent-death signal,
 * asked once by running it: PR_SET_PDEATHSIG survives the exec of the tool.
 */
function parentDeathVia(): string | undefined {
  if (parentDeathCache === undefined) {
    parentDeathCache = null
    if (process.platform === 'linux') {
      const probe = spawnSync('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true'])
      if (probe.status === 0) parentDeathCache = 'setpriv'
      else debug('setpriv --pdeathsig is not available: the tools cannot die with this process.')
    }
  }
  return parentDeathCache ?? undefined
}

/**
 * The command that runs a tool so that the kernel kills it when this process dies, whatever
 * kills it (SIGKILL, out of memory): the signal fires when the thread that forked the tool
 * ends, and libuv forks from the thread that calls spawn, the main thread, which ends only
 * with the process. Elsewhere the tool runs as it is (see README "Security").
 */
function parentDeath(bin: string, args: string[]): [string, string[]] {
  const setpriv = parentDeathVia()
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', bin, ...args]] : [bin, args]
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }, KILL_GRACE_MS).unref()
}
