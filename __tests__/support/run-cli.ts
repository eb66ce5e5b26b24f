// Runs dist/cli.js as a user runs it from another CI or cron: a mode, flags, connection strings
// in the environment, its own temp directory; then reads back what it printed and wrote, sweeps
// all of it for secrets, and fails on any line a runner would read as a workflow command.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { repoRoot } from './run-action.ts'
import { assertNoSecrets, credentialsIn, type Place } from './secret-sweep.ts'

export interface CliRun {
  /** Exit code; null when a signal ended the process. */
  code: number | null
  stdout: string
  stderr: string
  /** The JSON report (--report-path, else the default in the temp directory). */
  report: Record<string, unknown> | undefined
}

export interface CliOptions {
  /** Called with the pid as soon as the process runs (e.g. to signal it). */
  onSpawn?: (pid: number) => void
  /** Secrets neither the flags nor the environment show, for the sweep. */
  secrets?: string[]
}

const FLAG_SECRETS = new Set(['--source', '--target', '--app', '--target-admin-uri'])

export async function runCli(
  args: string[],
  env: Record<string, string>,
  options: CliOptions = {}
): Promise<CliRun> {
  const temp = mkdtempSync(join(tmpdir(), 'guard-cli-'))
  try {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', RUNNER_TEMP: temp, ...env },
      cwd: temp
    })
    options.onSpawn?.(child.pid as number)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    const flagged = args.indexOf('--report-path')
    const reportPath =
      flagged >= 0
        ? resolve(temp, args[flagged + 1] as string)
        : join(temp, 'mongo-restore-guard-report.json')
    const reportText = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined
    const places: Place[] = [
      ['stdout', stdout],
      ['stderr', stderr],
      ['report', reportText ?? ''],
      ...walk(temp).map((file): Place => [file, readFileSync(file, 'utf8')])
    ]
    const secrets = [...credentialsIn(env), ...credentialsIn(uriFlags(args))]
    assertNoSecrets(`the command line (exit ${code})`, places, [
      ...secrets,
      ...(options.secrets ?? [])
    ])
    assertNoWorkflowCommands(`the command line ${args[0] ?? ''} (exit ${code})`, stdout, stderr)
    return {
      code,
      stdout,
      stderr,
      report: reportText === undefined ? undefined : JSON.parse(reportText)
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** Lines a GitHub runner would read as workflow commands (::warning, ::group, ::add-mask…). */
export function workflowCommands(...outputs: string[]): string[] {
  return outputs.flatMap((text) => text.split('\n').filter((line) => line.startsWith('::')))
}

/** The command line speaks to a person: a `::` line there is a runner's command printed raw. */
export function assertNoWorkflowCommands(what: string, stdout: string, stderr: string): void {
  const commands = workflowCommands(stdout, stderr)
  if (commands.length > 0) {
    throw new Error(`${what} printed workflow commands:\n${commands.join('\n')}`)
  }
}

/** The connection strings given as flags, named as inputs so credentialsIn reads them. */
function uriFlags(args: string[]): Record<string, string> {
  const found: Record<string, string> = {}
  args.forEach((arg, i) => {
    const [flag = '', inline] = arg.split(/=(.*)/s)
    if (FLAG_SECRETS.has(flag) || flag.endsWith('-uri')) {
      found[`flag${i}-uri`] = inline ?? args[i + 1] ?? ''
    }
  })
  return found
}

/** Every regular file below `dir` (a named pipe left by a killed run would block a read). */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const stat = statSync(path)
    return stat.isDirectory() ? walk(path) : stat.isFile() ? [path] : []
  })
}
