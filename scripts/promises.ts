// The README's promises, each mapped to the test that shows it, and the check that keeps the
// README's "Promises and their tests" table true: every listed test must exist in its file,
// every test named "promise: …" must be listed, and the table must match this list.
//   node --import tsx scripts/promises.ts           check (part of npm run lint)
//   node --import tsx scripts/promises.ts --write   rewrite the README table from this list
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Shown {
  /** The promise, in the README's words (its section in brackets). */
  promise: string
  /** The test file's path below __tests__/, e.g. e2e/action.test.ts. */
  file: string
  /** The test's name exactly as written in the file (template literals as in the source). */
  test: string
  /** How it runs: the bundle or the CLI against real servers, a function on a real server, or pure. */
  how: 'bundle' | 'CLI' | 'real server' | 'unit'
}

const PROMISES: Shown[] = [
  // What it prevents / the pipeline
  {
    promise: 'A guarded migration passes and never touches the target’s users (pipeline)',
    file: 'e2e/action.test.ts',
    test: 'the incident setup: the guarded migration passes and the target keeps its users',
    how: 'bundle'
  },
  {
    promise:
      '`--nsExclude` of `admin.*`, `*.system.users`, `*.system.roles` keeps users intact (pipeline)',
    file: 'e2e/incident.test.ts',
    test: '--nsExclude admin.* and system.users/roles: target users untouched',
    how: 'real server'
  },
  {
    promise: 'Probe before: an app already rejected stops the run, nothing written (pipeline)',
    file: 'e2e/action.test.ts',
    test: 'an app user already broken before: "already rejected", nothing restored',
    how: 'bundle'
  },
  {
    promise: 'Probe after: a missing app user fails the step (pipeline)',
    file: 'e2e/action.test.ts',
    test: 'a missing app user is user-not-found',
    how: 'bundle'
  },
  {
    promise: 'Privileges are checked action by action (pipeline)',
    file: 'e2e/action.test.ts',
    test: 'read where readWrite is needed: unauthorized, naming the missing actions',
    how: 'bundle'
  },
  {
    promise:
      'Pre-flight: unreachable hosts fail fast within probe-timeout-seconds, named (pipeline, faults)',
    file: 'e2e/faults.test.ts',
    test: 'connection refused, a name that does not resolve, a server that never answers',
    how: 'bundle'
  },
  {
    promise:
      'Pre-flight: wrong credentials for source, target and app: three messages (pipeline, faults)',
    file: 'e2e/faults.test.ts',
    test: 'for the source, the target and the app',
    how: 'bundle'
  },
  {
    promise:
      'A target that is the source, under any host name, is refused; a renamed copy is allowed (pipeline, refusals)',
    file: 'e2e/faults.test.ts',
    test: 'a target that is the source under another host name is refused; a copy into another database is not',
    how: 'bundle'
  },
  {
    promise:
      'Non-empty target namespaces are refused unless `drop` or `allow-merge`; `drop` replaces (pipeline, inputs)',
    file: 'e2e/faults.test.ts',
    test: 'a target that already holds the data is refused without drop or allow-merge',
    how: 'bundle'
  },
  {
    promise: 'Failed documents fail the step although mongorestore exits 0 (pipeline)',
    file: 'e2e/action.test.ts',
    test: 'duplicate keys: the partial restore fails the step and reports the count',
    how: 'bundle'
  },
  {
    promise:
      'Nothing restored from a non-empty dump fails; `ns-exclude` is applied (pipeline, inputs)',
    file: 'e2e/faults.test.ts',
    test: 'a restore of zero documents from a non-empty dump fails (EmptyRestore)',
    how: 'bundle'
  },
  {
    promise:
      'Connection strings reach the tools only through a FIFO, never a file (a 0600 file on Windows) (pipeline)',
    file: 'server/config-channel.test.ts',
    test: 'the real tools read --config through a ${name}, streamed and to disk',
    how: 'real server'
  },
  {
    promise:
      'Killed by SIGKILL mid-restore: no password in any file, no tool left running (faults)',
    file: 'e2e/killed.test.ts',
    test: 'the action killed by SIGKILL mid-restore (${name}) leaves no password in a file and no tool running',
    how: 'bundle'
  },
  {
    promise: 'The command line killed by SIGKILL mid-restore: the same (command line)',
    file: 'e2e/killed.test.ts',
    test: 'the command line killed by SIGKILL mid-restore (${name}) leaves no password in a file and no tool running',
    how: 'CLI'
  },
  {
    promise:
      'A name that does not resolve (SRV, TXT, host) is named so, for each input and the probe (faults)',
    file: 'e2e/causes.test.ts',
    test: 'source-uri: an SRV name that does not exist (a typo in the cluster name)',
    how: 'bundle'
  },
  {
    promise:
      'TLS failures are named: certificate unknown, host name mismatch, TLS required by the server (faults)',
    file: 'e2e/causes.test.ts',
    test: 'certificate unknown, host name mismatch (target-uri); TLS required by the server (app-uri)',
    how: 'bundle'
  },
  {
    promise:
      'A target holding fewer documents than the source fails the count check (verification)',
    file: 'e2e/blind-spots.test.ts',
    test: 'another client deletes from the middle of the _id range during the restore: the count check fails the run',
    how: 'bundle'
  },
  {
    promise:
      'The probe after uses a new connection: a password changed meanwhile is caught (pipeline)',
    file: 'e2e/blind-spots.test.ts',
    test: 'the app password changes during the restore, user kept: the probe after fails with a new connection',
    how: 'bundle'
  },
  {
    promise:
      'No credential in any tool argv while the tools run; `archive` file with `gzip` (pipeline, inputs)',
    file: 'e2e/action.test.ts',
    test: 'archive file with gzip: dump then restore, no credential in any argv while the tools run',
    how: 'bundle'
  },
  {
    promise: 'Every password is masked plain, URL-encoded and decoded (pipeline)',
    file: 'unit/secrets.test.ts',
    test: 'redacts every form of the password from text',
    how: 'unit'
  },
  {
    promise:
      'No secret in anything a run leaves (every run is also swept by runAction/runCli) (secrets)',
    file: 'e2e/action.test.ts',
    test: 'secret sweep: no password or connection string in anything any run left',
    how: 'bundle'
  },
  // Modes
  {
    promise:
      '`rehearse` on the source’s deployment: scratch names, dropped after; `keep` keeps them (modes)',
    file: 'e2e/modes.test.ts',
    test: 'rehearse on the source itself leaves it exactly as it found it',
    how: 'bundle'
  },
  {
    promise:
      '`rehearse` onto another deployment: real names, dropped after, nothing else changed (modes)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: rehearse onto another deployment keeps the real names, then drops them; nothing else changes',
    how: 'bundle'
  },
  {
    promise: '`rehearse` never touches a database it did not create (modes)',
    file: 'e2e/modes.test.ts',
    test: 'rehearse refuses a target that already holds the databases',
    how: 'bundle'
  },
  {
    promise:
      '`dump` writes one dump per user database, outputs `archive-path`/`archive-bytes`; `restore` restores it (modes)',
    file: 'e2e/modes.test.ts',
    test: 'dump (gzip ${gzip}): no users, roles or hashes on disk; restore brings back every database',
    how: 'bundle'
  },
  {
    promise: 'Dumps on disk never carry credential hashes, in `migrate` and `rehearse` too (modes)',
    file: 'e2e/modes.test.ts',
    test: 'migrate and rehearse through disk write no credentials either',
    how: 'bundle'
  },
  {
    promise:
      '`restore` refuses a dump with users unless `skip-archived-users`, and never restores them (modes)',
    file: 'e2e/modes.test.ts',
    test: 'restore refuses a dump that carries users unless told to skip them, and restores without them',
    how: 'bundle'
  },
  {
    promise:
      '`restore`: an archive truncated inside its prelude, or not an archive, is refused before writing (modes, faults)',
    file: 'e2e/modes.test.ts',
    test: 'restore of a truncated or corrupted archive fails before writing',
    how: 'bundle'
  },
  {
    promise: '`probe` mode: the probe alone, passing and failing (modes)',
    file: 'e2e/modes.test.ts',
    test: 'probe mode: the probe alone, passing and failing',
    how: 'bundle'
  },
  // Verification
  {
    promise:
      'Counts and indexes are checked; a missing index fails; `mongorestore-options` pass through (verification)',
    file: 'e2e/modes.test.ts',
    test: 'verification catches an index that did not arrive',
    how: 'bundle'
  },
  {
    promise: 'A merge (`allow-merge`) is checked “at least” and passes (verification)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: a merge (allow-merge) into a collection that holds other documents passes, counted "at least"',
    how: 'bundle'
  },
  {
    promise: 'Users drift: a user changed during the run fails the step (verification)',
    file: 'e2e/verification.test.ts',
    test: 'the drift check passes a guarded run and catches a user changed during the restore',
    how: 'bundle'
  },
  {
    promise: 'Every replica-set member: a member lacking the app user fails, named (verification)',
    file: 'e2e/verification.test.ts',
    test: 'a replica-set member that lacks the app user fails the probe, named',
    how: 'bundle'
  },
  {
    promise: 'Every replica-set member is probed after a migration into a set (verification)',
    file: 'e2e/promises-repair.test.ts',
    test: 'promise: after a migration into a replica set, every member is probed with the app user',
    how: 'bundle'
  },
  {
    promise:
      'Mechanisms: a SCRAM-SHA-1-only user and an app forcing SCRAM-SHA-256 is mechanism-unavailable, on 6.0.5 and 7.0.15 (verification)',
    file: 'e2e/mechanisms.test.ts',
    test: 'SHA-1-only user, SCRAM-SHA-256 forced: mechanism-unavailable naming both',
    how: 'real server'
  },
  {
    promise: 'Managed services recognised by host name only (verification)',
    file: 'unit/managed.test.ts',
    test: 'a self-run host among managed ones still counts as managed',
    how: 'unit'
  },
  {
    promise:
      'A least-privilege target (restore role): told how to proceed; skipped checks are warned, not silent (faults, verification)',
    file: 'e2e/faults.test.ts',
    test: 'a least-privilege target user (restore role) cannot check emptiness: told how to proceed',
    how: 'bundle'
  },
  // Repair
  {
    promise: 'Repair resets the password a raw `--drop` restore replaced (repair)',
    file: 'e2e/promises-repair.test.ts',
    test: 'promise: repair-app-user resets the password a raw --drop restore replaced (probe mode)',
    how: 'bundle'
  },
  {
    promise:
      'Repair recreates a removed app user with the roles recorded before the restore (repair)',
    file: 'e2e/promises-repair.test.ts',
    test: 'promise: repair-app-user recreates an app user removed during the restore, with the roles recorded before',
    how: 'bundle'
  },
  {
    promise: 'Repair never touches another user (repair)',
    file: 'e2e/verification.test.ts',
    test: 'repair-app-user turns a failing probe into a passing one and touches no other user',
    how: 'bundle'
  },
  // Inputs
  {
    promise: '`databases`: one database streamed (inputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: databases, one streamed: only that database moves',
    how: 'bundle'
  },
  {
    promise: '`databases`: several databases streamed (inputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: databases, several streamed: only those move',
    how: 'bundle'
  },
  {
    promise: '`databases`: one dump per database to disk (inputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: databases, one dump per database to disk (dump, then restore): only those move',
    how: 'bundle'
  },
  {
    promise: '`allow-failed-documents: true` passes and the outputs count the failures (inputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: allow-failed-documents: true passes a run with failed documents, and the outputs count them',
    how: 'bundle'
  },
  {
    promise: 'Several `app-uri` lines: each probed; a broken one fails the step, named (inputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: several app-uri lines are each probed; a broken second app fails the step, named',
    how: 'bundle'
  },
  {
    promise: '`report-path`: the report is written there (inputs, outputs)',
    file: 'e2e/promises-data.test.ts',
    test: 'promise: report-path: the JSON report is written there, and the output names it',
    how: 'bundle'
  },
  {
    promise: '`timeout-minutes` stops the tools (inputs, faults)',
    file: 'e2e/faults.test.ts',
    test: 'the source stops answering once mongodump runs: the phase timeout stops the tools',
    how: 'bundle'
  },
  {
    promise: '`tools-path`, missing or too old tools (inputs, faults)',
    file: 'e2e/faults.test.ts',
    test: 'mongodump missing from PATH, tools-path without the tools, mongodump 4.2',
    how: 'bundle'
  },
  // Refusals and bad input
  {
    promise: 'Every forbidden option is refused before anything is written (refusals)',
    file: 'e2e/action.test.ts',
    test: 'every forbidden option is refused before anything is written',
    how: 'bundle'
  },
  {
    promise: 'Bad input: each case exits 1 naming the input and the fix (bad input)',
    file: 'e2e/bad-input.test.ts',
    test: 'bad input: each case exits 1 naming the input and the fix; nothing is written',
    how: 'bundle'
  },
  {
    promise: 'An `app-uri` naming other hosts than `target-uri` is a warning (bad input)',
    file: 'e2e/bad-input.test.ts',
    test: 'an app-uri that names other hosts than target-uri: a warning that says what to give instead',
    how: 'bundle'
  },
  // Faults
  {
    promise: 'Source killed during a dump to disk: `ToolFailed`, incomplete dump removed (faults)',
    file: 'e2e/faults.test.ts',
    test: 'the source is killed during the dump to an archive: nothing restored, archive removed',
    how: 'bundle'
  },
  {
    promise: 'Target killed during a streamed restore: may be partial, says where (faults)',
    file: 'e2e/faults.test.ts',
    test: 'the target is killed during a streamed restore: the target may be partial, and says where',
    how: 'bundle'
  },
  {
    promise:
      'Cancelled during a restore: tools stopped, files removed, status `cancelled` (faults)',
    file: 'e2e/faults.test.ts',
    test: 'during a streamed restore: tools stopped, files removed, the summary says cancelled',
    how: 'bundle'
  },
  {
    promise: 'Cancelled during a dump: the incomplete dump removed (faults)',
    file: 'e2e/faults.test.ts',
    test: 'during a dump to an archive: the incomplete archive is removed, nothing restored',
    how: 'bundle'
  },
  {
    promise:
      'A truncated or corrupted archive (prelude intact): `ToolFailed`, may be partial (faults)',
    file: 'e2e/faults.test.ts',
    test: 'a ${name} archive: mongorestore fails, the target may be partial',
    how: 'bundle'
  },
  // Command line
  {
    promise: 'Command line: exit codes 0, 2, 3 and 4 (command line)',
    file: 'e2e/cli.test.ts',
    test: 'the command line end to end: migrate, then the verdicts as exit codes',
    how: 'CLI'
  },
  {
    promise: 'Command line: exit code 1, a tool failed (command line)',
    file: 'e2e/promises-cli.test.ts',
    test: 'promise: the command line exits 1 when a tool fails (a truncated archive)',
    how: 'CLI'
  },
  {
    promise: 'Command line: exit code 5, incomplete data (command line)',
    file: 'e2e/promises-cli.test.ts',
    test: 'promise: the command line exits 5 when documents failed to restore',
    how: 'CLI'
  },
  {
    promise: 'Command line: exit code 6, an unusable dump (command line)',
    file: 'e2e/promises-cli.test.ts',
    test: 'promise: the command line exits 6 for a dump that carries users',
    how: 'CLI'
  },
  {
    promise: 'Command line: exit code 130, cancelled (command line)',
    file: 'e2e/promises-cli.test.ts',
    test: 'promise: the command line exits 130 when interrupted (SIGINT) during a restore',
    how: 'CLI'
  },
  // Recovery objectives
  {
    promise:
      'A rehearsal within both bounds passes and sets restore time, data as of and age (objectives)',
    file: 'e2e/recovery.test.ts',
    test: 'promise: a rehearsal within both bounds passes and sets the recovery outputs',
    how: 'bundle'
  },
  {
    promise:
      'The manifest’s counts are checked exactly; a dump older than `max-data-age` fails (objectives)',
    file: 'e2e/recovery.test.ts',
    test: 'promise: restore checks a manifest’s counts exactly and fails a dump older than max-data-age',
    how: 'bundle'
  },
  {
    promise: 'Command line: exit code 8, a restore slower than `max-restore-duration` (objectives)',
    file: 'e2e/recovery.test.ts',
    test: 'promise: the command line exits 8 when the restore takes longer than max-restore-duration',
    how: 'CLI'
  },
  {
    promise: 'A dump without a manifest: its age from its newest ObjectId, or unknown (objectives)',
    file: 'e2e/recovery.test.ts',
    test: 'promise: a foreign dump without a manifest says how its age was found, or that it is unknown',
    how: 'bundle'
  },
  // A live migration
  {
    promise:
      'After catch-up and cutover the target equals the source, its users unchanged, the app logs in (live migration)',
    file: 'e2e/catch-up.test.ts',
    test: 'promise: after catch-up and cutover the target equals the source, its users unchanged, the app logs in',
    how: 'bundle'
  }
]

const root = resolve(fileURLToPath(import.meta.url), '..', '..')
const README = join(root, 'README.md')
const START =
  '<!-- promises:start (generated by scripts/promises.ts --write; checked by npm run lint) -->'
const END = '<!-- promises:end -->'
const HOW: Record<Shown['how'], string> = {
  bundle: 'dist/index.js, real servers',
  CLI: 'dist/cli.js, real servers',
  'real server': 'function, real server',
  unit: 'unit'
}

/** The names given to test() and describe() in a file, as written in its source. */
function testNames(source: string): string[] {
  const call = /\b(?:test|describe)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g
  return [...source.matchAll(call)].map((m) => (m[2] as string).replace(/\\(['"`\\])/g, '$1'))
}

function table(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|')
  const rows = PROMISES.map(
    (p) => `| ${cell(p.promise)} | \`${p.file}\` | \`${cell(p.test)}\` | ${HOW[p.how]} |`
  )
  return ['| Promise | Test file | Test | Runs |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

/** A table's rows as trimmed cells, so the check ignores Prettier's padding. */
function cells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
    )
}

function problems(readme: string): string[] {
  const found: string[] = []
  const named = new Map<string, string[]>()
  const namesIn = (file: string) => {
    let names = named.get(file)
    if (!names) {
      try {
        names = testNames(readFileSync(join(root, '__tests__', file), 'utf8'))
      } catch {
        names = []
        found.push(`${file}: no such test file`)
      }
      named.set(file, names)
    }
    return names
  }
  for (const p of PROMISES) {
    if (!namesIn(p.file).includes(p.test)) found.push(`${p.file}: no test named "${p.test}"`)
  }
  // Every test that says it shows a promise must be listed.
  const listed = new Set(PROMISES.map((p) => `${p.file}\0${p.test}`))
  // Test files sit in __tests__/unit, server and e2e; a file is named by its path below __tests__.
  const files = readdirSync(join(root, '__tests__'), { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(sep).join('/'))
    .filter((f) => f.endsWith('.test.ts'))
  for (const file of files) {
    for (const name of namesIn(file).filter((n) => n.startsWith('promise: '))) {
      if (!listed.has(`${file}\0${name}`))
        found.push(`${file}: "${name}" is not in the README table`)
    }
  }
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) return [...found, `README.md: no ${START} … ${END} section`]
  const current = JSON.stringify(cells(readme.slice(start, end)))
  if (current !== JSON.stringify(cells(table()))) {
    found.push(
      'README.md: the promises table differs from scripts/promises.ts; run npm run promises'
    )
  }
  return found
}

async function write(readme: string): Promise<void> {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start)
    throw new Error(`README.md: add the lines ${START} and ${END} first`)
  const updated = `${readme.slice(0, start + START.length)}\n\n${table()}\n\n${readme.slice(end)}`
  const prettier = await import('prettier')
  const options = (await prettier.resolveConfig(README)) ?? {}
  writeFileSync(README, await prettier.format(updated, { ...options, filepath: README }))
}

const readme = readFileSync(README, 'utf8')
if (process.argv.includes('--write')) {
  await write(readme)
} else {
  const found = problems(readme)
  if (found.length > 0) {
    process.stderr.write(`Promises without their test:\n${found.map((f) => `  ${f}`).join('\n')}\n`)
    process.exit(1)
  }
  process.stdout.write(`${PROMISES.length} promises, each with its test.\n`)
}
