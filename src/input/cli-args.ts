// The command line's arguments and exit codes: argv becomes the INPUT_* variables the action
// reads, and the report's failure kind becomes an exit code that tells the verdict apart.
import type { FailureKind } from '../errors.js'
import { MODES } from './settings.js'

export const HELP = `Usage: mongo-restore-guard <mode> [--input value]...

Modes: ${MODES.join(', ')} (see the README for what each does).

Every input of the GitHub Action is a flag of the same name, e.g. --databases appdb,billing
--drop --archive ./dump --app-privileges "appdb: readWrite". A flag given without a value is
"true". Short names: --source (source-uri), --target (target-uri), --app (app-uri; repeat it
for several applications).

Connection strings: prefer the environment variables MONGODB_SOURCE_URI, MONGODB_TARGET_URI
and MONGODB_APP_URI (one per line), which are used when the flag is absent.

Exit codes:
  0  passed
  1  failed for another reason (a tool failed, a timeout, an unexpected error)
  2  refused: invalid input, an option that could overwrite users, or a sharded cluster
  3  the application's credentials were already rejected before the restore
  4  the application cannot log in (or lacks privileges) after the restore / now
  5  the data is incomplete: failed documents, nothing restored, counts, indexes, options
     or sampled documents differ, or (verify) a part of a split migration failed or never ran
  6  a dump on disk cannot be used (unreadable, or carries users)
  7  the source took writes while it was copied, and the copy check found what they changed
  8  a recovery objective was missed: the restore took longer than max-restore-duration,
     or the restored data is older than max-data-age (every probe and check passed)
  130 cancelled
`

const ALIASES: Record<string, string> = {
  source: 'source-uri',
  target: 'target-uri',
  app: 'app-uri'
}
const FROM_ENV: Record<string, string> = {
  'source-uri': 'MONGODB_SOURCE_URI',
  'target-uri': 'MONGODB_TARGET_URI',
  'app-uri': 'MONGODB_APP_URI'
}

/** How an input is given on the command line: its flag, and the variable read in its absence. */
export function commandLineName(input: string): { flag: string; env: string | undefined } {
  const alias = Object.keys(ALIASES).find((short) => ALIASES[short] === input)
  return { flag: `--${alias ?? input}`, env: FROM_ENV[input] }
}

const EXIT_CODES: Record<string, number> = {
  InvalidInput: 2,
  ForbiddenOption: 2,
  ShardedCluster: 2,
  AlreadyRejected: 3,
  BrokenByRestore: 4,
  PartialRestore: 5,
  EmptyRestore: 5,
  DataMismatch: 5,
  PartsIncomplete: 5,
  TargetWritten: 5,
  ReplayImpossible: 5,
  UnreadableDump: 6,
  DumpCarriesUsers: 6,
  SourceChanged: 7,
  ObjectiveMissed: 8,
  Cancelled: 130
}

/** Turns argv into the INPUT_* variables the action reads. */
export function inputsFromArgv(
  argv: readonly string[],
  env: NodeJS.ProcessEnv
): Record<string, string> {
  const [mode, ...rest] = argv
  const inputs: Record<string, string[]> = { mode: [mode ?? ''] }
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string
    if (!flag.startsWith('--')) throw new Error(`unexpected "${flag}": flags start with --`)
    const [rawName = '', inline] = flag.slice(2).split(/=(.*)/s)
    const name = ALIASES[rawName] ?? rawName
    const next = rest[i + 1]
    const value = inline ?? (next !== undefined && !next.startsWith('--') ? (i++, next) : 'true')
    ;(inputs[name] ??= []).push(value)
  }
  for (const [input, variable] of Object.entries(FROM_ENV)) {
    if (!inputs[input] && env[variable]) inputs[input] = [env[variable] as string]
  }
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v.join('\n')])
  )
}

/** The exit code of a finished run, from its status and the kind of its failure. */
export function exitCode(report: { status: string; failure?: { kind: FailureKind } }): number {
  if (report.status === 'passed') return 0
  return EXIT_CODES[report.failure?.kind ?? ''] ?? 1
}
