// Runs dist/index.js exactly as a runner does: INPUT_* variables, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, RUNNER_TEMP; then reads back everything it wrote.
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  assertNoSecrets,
  credentialsIn,
  secretPlaces,
  withoutMaskCommands,
  type Place
} from './secret-sweep.ts'

export { credentialsIn }

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const bundle = join(repoRoot, 'dist', 'index.js')

/** The runtimes the bundle is run under: this Node (20) and the action's runtime, Node 24. */
export function nodeRuntimes(): { name: string; bin: string }[] {
  const node24 = process.env['NODE24_BIN'] ?? join(repoRoot, '.cache', 'node24', 'bin', 'node')
  if (!existsSync(node24)) throw new Error(`No Node 24 at ${node24}: run "npm run provision".`)
  return [
    { name: `node ${process.versions.node}`, bin: process.execPath },
    { name: 'node 24', bin: node24 }
  ]
}

export interface ActionRun {
  /** The inputs the step set (for the secret sweep). */
  inputs: Record<string, string>
  /** RUNNER_TEMP of the run (deleted afterwards): tool processes that name it are leftovers. */
  runnerTemp: string
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  report: Record<string, unknown> | undefined
  /** The JSON report as written, wherever report-path put it (undefined if none was written). */
  reportText: string | undefined
  /** Every file left in RUNNER_TEMP after the run: path → content. */
  leftovers: Map<string, string>
}

export interface RunOptions {
  node?: string
  onSpawn?: (pid: number) => void
  /** Called with the action's stdout as it comes, e.g. to act when a phase starts. */
  onStdout?: (text: string) => void
  /** Replaces PATH (e.g. one without the tools). */
  path?: string
  /** Secrets the inputs do not show (e.g. a password set on the server by the test) for the sweep. */
  secrets?: string[]

  /** More environment, e.g. RUNNER_TOOL_CACHE. */
  env?: Record<string, string>
}

/** Every run of this test process, for the secret sweep at the end of a test file. */
/** The Node 24 binary the runner uses for `runs.using: node24`. */
export function node24(): string {
  return nodeRuntimes()[1]!.bin
}

/** A run as a failed assertion shows it: exit code, stdout (without masks) and stderr. */
export function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout.replace(/^::add-mask::.*\n/gm, '')}\n${run.stderr}`
}

export const allRuns: ActionRun[] = []

export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<ActionRun> {
  const temp = mkdtempSync(join(tmpdir(), 'guard-e2e-'))
  try {
    const outputFile = join(temp, 'output')
    const summaryFile = join(temp, 'summary')
    const runnerTemp = join(temp, 'runner-temp')
    writeFileSync(outputFile, '')
    writeFileSync(summaryFile, '')
    mkdirSync(runnerTemp)
    const env: Record<string, string> = {
      PATH: options.path ?? process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? temp,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      ...options.env
    }
    // As a runner does: every input's default from action.yml, then what the step sets.
    const defaults = { ...actionDefaults(), 'probe-timeout-seconds': '5', 'timeout-minutes': '5' }
    for (const [name, value] of Object.entries({ ...defaults, ...inputs })) {
      env[`INPUT_${name.toUpperCase()}`] = value
    }
    const child = spawn(options.node ?? process.execPath, [bundle], { env, cwd: temp })
    options.onSpawn?.(child.pid as number)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      options.onStdout?.(stdout)
    })
    child.stderr.on('data', (d) => (stderr += d))
    const exitCode = await new Promise<number | null>((done) => child.on('close', done))
    const reportPath = inputs['report-path']
      ? resolve(temp, inputs['report-path'])
      : join(runnerTemp, 'mongo-restore-guard-report.json')
    const reportText = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined
    const leftovers = new Map<string, string>()
    for (const file of walk(runnerTemp)) leftovers.set(file, readFileSync(file, 'utf8'))
    const run: ActionRun = {
      inputs,
      runnerTemp,
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      report: reportText === undefined ? undefined : JSON.parse(reportText),
      reportText,
      leftovers
    }
    allRuns.push(run)
    // The secret sweep, after every run: a leak fails the test that made the run.
    assertNoSecrets(`the run (exit ${exitCode})`, placesOf(run), [
      ...credentialsIn(inputs),
      ...(options.secrets ?? [])
    ])
    return run
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The `default:` of each input in action.yml (a two-level read of its simple layout). */
export function actionDefaults(): Record<string, string> {
  const yaml = readFileSync(join(repoRoot, 'action.yml'), 'utf8')
  const inputs = yaml.slice(yaml.indexOf('\ninputs:'), yaml.indexOf('\noutputs:'))
  const defaults: Record<string, string> = {}
  let current = ''
  for (const line of inputs.split('\n')) {
    const name = /^ {2}([\w-]+):\s*$/.exec(line)
    if (name) current = name[1] as string
    const value = /^ {4}default:\s*(.*)$/.exec(line)
    if (value && current) defaults[current] = (value[1] as string).replace(/^'(.*)'$/, '$1')
  }
  return defaults
}

/** Every regular file below `dir` (a named pipe left by a killed run would block a read). */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const stat = statSync(path)
    return stat.isDirectory() ? walk(path) : stat.isFile() ? [path] : []
  })
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const block = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm
  for (const match of text.matchAll(block)) outputs[match[1] as string] = match[3] as string
  return outputs
}

/** Everything a run left that a reader could see: stdout (less `::add-mask::`), stderr, outputs, summary, report, files. */
export function placesOf(run: ActionRun): Place[] {
  return [
    ['stdout', withoutMaskCommands(run.stdout)],
    ['stderr', run.stderr],
    ['outputs', JSON.stringify(run.outputs)],
    ['summary', run.summary],
    ['report', run.reportText ?? ''],
    ...run.leftovers
  ]
}

/** Where any secret appears in what the run left (see placesOf); each checked plain, URL-encoded and URL-decoded. */
export function secretHits(run: ActionRun, secrets: string[]): string[] {
  return secretPlaces(placesOf(run), secrets)
}
