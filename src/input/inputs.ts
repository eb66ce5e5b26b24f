// src/input/: what the user asked for. The inputs and the command line's flags, the settings
// each mode gets, the guard's refusals, the namespace plan and the privilege requirements. Pure
// but for this file, which reads the environment; the folder imports only errors.ts,
// interface.ts (the inputs, a warning) and secrets.ts.
//
// The only module that reads the action's inputs (through interface.ts) and environment. It
// returns validated Settings or throws an error that names the input and the fix, before any
// tool is downloaded and before anything connects to a database.
import { existsSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { invalidInput } from '../errors.js'
import {
  booleanInput as yamlBoolean,
  debug,
  input,
  missingUri,
  multilineInput,
  warning
} from '../interface.js'
import { commandLineName } from './cli-args.js'
import { checkPlan, checkToolOptions } from './guard.js'
import { parseDuration, type Objectives } from './objectives.js'
import type { PartLine } from './namespace.js'
import { MAX_PARTS, parseNamespaceLines } from './parts.js'
import { parsePlan } from './split-plan.js'
import type { SplitPlan } from './plan-file.js'
import { DATABASE_NAME, parsePrivileges } from './privileges.js'
import { maskRaw, MongoUri, shownUrl } from '../secrets.js'
import {
  MODES,
  type Consistent,
  type Mode,
  type OplogTime,
  type Rename,
  type Settings,
  type TransferPlan
} from './settings.js'
import { parseOplogTime, timeIn } from './consistent-at.js'
import { parseVerifySample } from './verify-sample.js'

export function getInputs(): Settings {
  // Mask before parsing: even a malformed string must never be printed.
  for (const name of ['source-uri', 'target-uri', 'target-admin-uri']) maskRaw(input(name))
  for (const line of multilineInput('app-uri')) maskRaw(line)

  const settings = settingsFor(modeInput())
  debug(`Settings: ${JSON.stringify(settings)}`) // MongoUri serialises redacted
  return settings
}

function settingsFor(mode: Mode): Settings {
  // The modes that restore read the objectives below; the others refuse them here.
  if (mode !== 'migrate' && mode !== 'rehearse' && mode !== 'restore') objectivesInput(mode)
  switch (mode) {
    case 'migrate':
    case 'rehearse': {
      const source = uriInput('source-uri', mode)
      const target = uriInput('target-uri', mode)
      const common = { ...commonInputs(mode, target), source, target }
      const transfer = transferInputs(mode, source, target)
      const archive = archiveInput(mode)
      const objectives = objectivesInput(mode)
      const consistent = consistentInput()
      if (mode === 'migrate') return { mode, ...common, transfer, archive, objectives, consistent }
      return {
        mode,
        ...common,
        transfer,
        archive,
        objectives,
        consistent,
        keep: booleanInput('keep'),
        runId: process.env['GITHUB_RUN_ID'] || String(Date.now())
      }
    }
    case 'dump': {
      const source = uriInput('source-uri', mode)
      const archive = requiredArchive(
        mode,
        'Name the directory to create, e.g. ${{ runner.temp }}/dump'
      )
      return {
        mode,
        ...commonInputs(mode, undefined),
        source,
        transfer: transferInputs(mode, source, undefined),
        archive,
        consistent: consistentInput()
      }
    }
    case 'restore': {
      const target = uriInput('target-uri', mode)
      const archive = requiredArchive(mode, 'Name the dump directory or archive file to restore')
      return {
        mode,
        ...commonInputs(mode, target),
        target,
        transfer: transferInputs(mode, undefined, target),
        archive,
        skipArchivedUsers: booleanInput('skip-archived-users'),
        objectives: objectivesInput(mode),
        consistent: consistentInput()
      }
    }
    case 'probe': {
      const target = input('target-uri') === '' ? undefined : uriInput('target-uri', mode)
      return { mode, ...commonInputs(mode, target), target }
    }
    case 'plan': {
      const source = uriInput('source-uri', mode)
      const target = uriInput('target-uri', mode)
      const parts = numberInput('parts', 4)
      if (!Number.isInteger(parts) || parts > MAX_PARTS) {
        throw invalidInput(
          'parts',
          `"${parts}" is not a whole number from 1 to ${MAX_PARTS}`,
          `GitHub runs at most ${MAX_PARTS} jobs in one matrix; write e.g. 4`
        )
      }
      return {
        mode,
        ...commonInputs(mode, target),
        source,
        target,
        transfer: transferInputs(mode, source, target),
        parts
      }
    }
    case 'verify': {
      const target = uriInput('target-uri', mode)
      return { mode, ...commonInputs(mode, target), target, plan: planInput() }
    }
    case 'catch-up': {
      const source = uriInput('source-uri', mode)
      const target = uriInput('target-uri', mode)
      return {
        mode,
        ...commonInputs(mode, target),
        source,
        target,
        transfer: transferInputs(mode, source, target),
        from: consistentAtInput(),
        maxLagMs: numberInput('max-lag-seconds', 5) * 1000,
        cutover: booleanInput('cutover'),
        quietMs: numberInput('quiet-seconds', 5) * 1000,
        cutoverTimeoutMs: numberInput('cutover-timeout-minutes', 10) * 60_000
      }
    }
  }
}

/** catch-up: the migration's T, given as the output itself or the path of a report file. */
function consistentAtInput(): OplogTime {
  const text = input('consistent-at').trim()
  if (text === '') {
    throw invalidInput(
      'consistent-at',
      'is empty, and mode: catch-up needs it',
      'Pass ${{ needs.migrate.outputs.consistent-at }}: the T the migrate step copied the source at'
    )
  }
  if (/^(\d|\{|Timestamp\()/.test(text)) return parseOplogTime(text)
  const path = resolve(text)
  if (!existsSync(path)) {
    throw invalidInput(
      'consistent-at',
      `${path} does not exist and is not a timestamp`,
      "Pass the migrate step's consistent-at output, or the path of its report file"
    )
  }
  const found = timeIn(parseJson(readFileSync(path, 'utf8')))
  if (!found) {
    throw invalidInput(
      'consistent-at',
      `the report ${path} holds no consistent-at timestamp`,
      'Pass the report of a migrate step that made a point-in-time copy, or its consistent-at output'
    )
  }
  return found
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The plan's JSON (the plan job's output), or the path of its plan file. */
function planInput(): SplitPlan {
  const text = input('plan').trim()
  if (text === '') {
    throw invalidInput(
      'plan',
      'is empty, and mode: verify needs it',
      'Pass ${{ needs.plan.outputs.plan }}, or the path of the plan file (output plan-path) downloaded with actions/download-artifact'
    )
  }
  if (text.startsWith('{')) return parsePlan(text)
  const path = resolve(text)
  if (!existsSync(path)) {
    throw invalidInput(
      'plan',
      `${path} does not exist`,
      'Pass the plan JSON or the path of the plan file'
    )
  }
  return parsePlan(readFileSync(path, 'utf8'), `plan (${path})`)
}

/** The recovery objectives: only the modes that restore are held to them. */
function objectivesInput(mode: Mode): Objectives {
  const names = ['max-restore-duration', 'max-data-age']
  const given = names.find((name) => input(name) !== '')
  if (given && mode !== 'migrate' && mode !== 'rehearse' && mode !== 'restore') {
    throw invalidInput(
      given,
      `is not used with mode: ${mode}`,
      'The objectives bound a restore: use them with mode: rehearse, restore or migrate'
    )
  }
  return {
    maxRestoreMs: parseDuration('max-restore-duration', input('max-restore-duration')),
    maxDataAgeMs: parseDuration('max-data-age', input('max-data-age'))
  }
}

/** A part job's namespaces: only migrate takes them, streamed, without databases or renames. */
function namespacesInput(mode: Mode): PartLine[] {
  const lines = multilineInput('namespaces')
  if (lines.length === 0) return []
  const why = (other: string) => `cannot be combined with ${other}`
  const fix =
    'A part job of a split migration is mode: migrate with namespaces alone, as the plan job wrote them'
  if (mode !== 'migrate') throw invalidInput('namespaces', `is not used with mode: ${mode}`, fix)
  if (input('databases') !== '') throw invalidInput('namespaces', why('databases'), fix)
  if (input('archive') !== '') throw invalidInput('namespaces', why('archive'), fix)
  if (multilineInput('ns-from').length > 0) throw invalidInput('namespaces', why('ns-from'), fix)
  const parsed = parseNamespaceLines(lines)
  if (booleanInput('drop') && parsed.some((l) => l.range !== undefined)) {
    throw invalidInput(
      'drop',
      'would drop the whole collection that the sibling parts are filling (a line has an _id range)',
      'Remove drop; a re-run of a part refuses a range that already holds documents (see the README)'
    )
  }
  return parsed
}

/** The inputs every mode reads; `target` is the one the apps and the repair are checked against. */
function commonInputs(mode: Mode, target: MongoUri | undefined) {
  // The plan job writes nothing and probes no app; the part jobs and the verify job do.
  const apps = mode === 'dump' || mode === 'plan' ? [] : appInputs(target, mode)
  const adminUri = input('target-admin-uri') === '' ? undefined : uriInput('target-admin-uri', mode)
  const repairAppUser = booleanInput('repair-app-user')
  if (repairAppUser && !adminUri && !target) {
    throw invalidInput(
      'repair-app-user',
      'needs the target admin credentials',
      'Give target-admin-uri, a user that can change users on the target (userAdminAnyDatabase or root)'
    )
  }
  return {
    apps,
    privileges: parsePrivileges(multilineInput('app-privileges')),
    adminUri,
    repairAppUser,
    probeTimeoutMs: numberInput('probe-timeout-seconds', 10) * 1000,
    phaseTimeoutMs: numberInput('timeout-minutes', 60) * 60_000,
    toolsPath: input('tools-path') || undefined,
    ...toolsInputs(),
    allowOlderTarget: booleanInput('allow-older-target'),
    tempDir: runnerTemp()
  }
}

/** The modes that choose the target's names themselves refuse ns-from/ns-to: why, and the fix. */
const NO_RENAMES: Partial<Record<Mode, string>> = {
  rehearse: 'Remove ns-from and ns-to; the rehearsal chooses its own scratch names',
  plan: 'Split a migration without renames'
}

/** How to dump and restore, checked by the guard before anything runs. */
function transferInputs(
  mode: Mode,
  source: MongoUri | undefined,
  target: MongoUri | undefined
): TransferPlan {
  const plan: TransferPlan = {
    databases: databasesInput(),
    namespaces: namespacesInput(mode),
    drop: booleanInput('drop'),
    allowMerge: booleanInput('allow-merge'),
    gzip: booleanInput('gzip'),
    nsExclude: multilineInput('ns-exclude'),
    renames: renameInputs(),
    dumpOptions: checkToolOptions('mongodump', input('mongodump-options'), 'mongodump-options'),
    restoreOptions: checkToolOptions(
      'mongorestore',
      input('mongorestore-options'),
      'mongorestore-options'
    ),
    allowFailedDocuments: booleanInput('allow-failed-documents'),
    verifySample: parseVerifySample(input('verify-sample'))
  }
  checkPlan({ mode, source, target, ...plan })
  const noRenames = NO_RENAMES[mode]
  if (noRenames && plan.renames.length > 0) {
    throw invalidInput('ns-from', `is not used with mode: ${mode}`, noRenames)
  }
  return plan
}

/** Read on its own so that a run refused for bad input still writes its report. */
export function getReportPath(): string {
  return resolve(input('report-path') || join(runnerTemp(), 'mongo-restore-guard-report.json'))
}

function modeInput(): Mode {
  const text = input('mode') || 'migrate'
  const mode = MODES.find((m) => m === text)
  if (mode === undefined) {
    throw invalidInput('mode', `"${text}" is not a mode`, `Use one of ${MODES.join(', ')}`)
  }
  return mode
}

function appInputs(target: MongoUri | undefined, mode: Mode): MongoUri[] {
  required('app-uri', mode)
  const apps = multilineInput('app-uri').map((line, i) => {
    const app = new MongoUri(line, `app-uri (line ${i + 1})`)
    app.mask()
    if (app.username === undefined) {
      throw invalidInput(
        app.input,
        'has no user name',
        'Give the connection string the application itself uses, with its user and password'
      )
    }
    return app
  })
  for (const app of apps) {
    if (target && !app.sharesHostWith(target)) {
      warning(
        `${app.input} names other hosts (${app.hosts.join(',')}) than target-uri (${target.hosts.join(',')}): the probe tests that deployment, not the target, so it cannot prove the app will log in to the target. Give app-uri the connection string the application uses for the target.`,
        { title: 'app-uri points elsewhere' }
      )
    }
  }
  return apps
}

function uriInput(name: string, mode: Mode): MongoUri {
  const uri = new MongoUri(required(name, mode), name)
  uri.mask()
  return uri
}

/** A required input's value; an empty one is often a secret this workflow cannot read. */
function required(name: string, mode: Mode): string {
  const value = input(name)
  if (value === '') throw missingUri(name, mode, commandLineName(name))
  return value
}

/** Comma- or line-separated database names. */
function databasesInput(): string[] {
  const names = input('databases')
    .split(/[\s,]+/)
    .filter((w) => w !== '')
  for (const name of names) {
    if (!DATABASE_NAME.test(name)) {
      throw invalidInput(
        'databases',
        `"${name}" is not a database name`,
        'List database names (no ".", "$", "/" or spaces), separated by commas or new lines'
      )
    }
  }
  return names
}

/** consistent: auto (the default, also on the command line), true or false. */
function consistentInput(): Consistent {
  const value = input('consistent').trim() || 'auto'
  if (value === 'auto' || value === 'true' || value === 'false') return value
  throw invalidInput(
    'consistent',
    `"${value}" is not auto, true or false`,
    'Write auto (a point-in-time copy wherever the source can give one), true (required) or false'
  )
}

// An empty input takes the action.yml default; the command line, which has no action.yml,
// relies on it too: booleans default to false, numbers to the value given here.
function booleanInput(name: string): boolean {
  if (input(name) === '') return false
  try {
    return yamlBoolean(name)
  } catch {
    throw invalidInput(
      name,
      `"${input(name)}" is not a boolean`,
      'Write true or false (YAML spellings such as yes, on or 1 are not accepted)'
    )
  }
}

function numberInput(name: string, fallback: number): number {
  const text = input(name) || String(fallback)
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) {
    throw invalidInput(
      name,
      `"${text}" is not a positive number`,
      'Write a number greater than 0, e.g. 10'
    )
  }
  return value
}

function renameInputs(): Rename[] {
  const from = multilineInput('ns-from')
  const to = multilineInput('ns-to')
  if (from.length !== to.length) {
    throw invalidInput(
      'ns-to',
      `has ${to.length} lines but ns-from has ${from.length}`,
      'Give one ns-to line for each ns-from line'
    )
  }
  return from.map((f, i) => ({ from: f, to: to[i] as string }))
}

function requiredArchive(mode: 'dump' | 'restore', fix: string): string {
  const path = archiveInput(mode)
  if (path === undefined) throw invalidInput('archive', `is required with mode: ${mode}`, fix)
  return path
}

function archiveInput(mode: Mode): string | undefined {
  const text = input('archive')
  if (text === '') return undefined
  const path = resolve(text)
  if (mode === 'restore') {
    if (!existsSync(path)) {
      throw invalidInput(
        'archive',
        `${path} does not exist`,
        'Name an existing dump directory or archive file'
      )
    }
    return path
  }
  if (!existsSync(dirname(path))) {
    throw invalidInput(
      'archive',
      `the directory ${dirname(path)} does not exist`,
      'Create it first or choose another path'
    )
  }
  if (existsSync(path)) {
    throw invalidInput(
      'archive',
      `${path} already exists and would be overwritten`,
      'Remove it or choose a new path'
    )
  }
  return path
}

/** tools-version (exact or latest; empty: PATH), tools-mirror, and where the tool cache lives. */
function toolsInputs(): Pick<Settings, 'toolsVersion' | 'toolsMirror' | 'toolCacheDir'> {
  const version = input('tools-version')
  if (version !== '' && version !== 'latest' && !/^100\.\d+\.\d+$/.test(version)) {
    throw invalidInput(
      'tools-version',
      `"${version}" is not a Database Tools version`,
      'Write an exact version such as 100.19.1, or latest'
    )
  }
  const mirror = input('tools-mirror')
  // A mirror may carry credentials in its URL; they must never reach the log.
  maskRaw(mirror)
  if (mirror !== '' && !/^https?:\/\/[^\s/]+/.test(mirror)) {
    throw invalidInput(
      'tools-mirror',
      `"${shownUrl(mirror)}" is not an http(s) URL`,
      'Give the base URL that serves full.json and the archives, e.g. https://mirror.example.com/mongodb-tools'
    )
  }
  return {
    toolsVersion: version || undefined,
    toolsMirror: mirror || undefined,
    toolCacheDir:
      process.env['RUNNER_TOOL_CACHE'] || join(homedir(), '.cache', 'mongo-restore-guard', 'tools')
  }
}

function runnerTemp(): string {
  return process.env['RUNNER_TEMP'] || tmpdir()
}
