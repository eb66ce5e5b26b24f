// The guard: what the restore must never do to the target's users, roles and credentials.
// Pure functions, so every refusal is unit-tested without a server.
import { forbidden, invalidInput, type GuardError } from '../errors.js'
import type { MongoUri } from '../secrets.js'
import { SYSTEM_DATABASES } from './namespace.js'
import type { Mode, Rename, TransferPlan } from './settings.js'

interface OptionRule {
  /** The option takes a value (`--opt value` or `--opt=value`). */
  value: boolean
  /** Set when the option is refused: why. */
  refused?: string
}

const CONNECTION =
  'connection settings come only from the *-uri inputs, so no credential reaches argv'
const INPUT = (name: string) => `it has its own input: ${name}`

const COMMON: Record<string, OptionRule> = {
  '--uri': { value: true, refused: CONNECTION },
  '--host': { value: true, refused: CONNECTION },
  '-h': { value: true, refused: CONNECTION },
  '--port': { value: true, refused: CONNECTION },
  '--username': { value: true, refused: CONNECTION },
  '-u': { value: true, refused: CONNECTION },
  '--password': { value: true, refused: CONNECTION },
  '-p': { value: true, refused: CONNECTION },
  '--authenticationDatabase': { value: true, refused: CONNECTION },
  '--config': { value: true, refused: CONNECTION },
  '--archive': { value: false, refused: INPUT('archive') },
  '--gzip': { value: false, refused: INPUT('gzip') },
  '--quiet': { value: false, refused: 'it hides the failure line the action reads' },
  '--verbose': { value: false },
  '-v': { value: false },
  '--numParallelCollections': { value: true },
  '-j': { value: true }
}

const DUMP_OPTIONS: Record<string, OptionRule> = {
  ...COMMON,
  '--db': { value: true, refused: INPUT('databases') },
  '-d': { value: true, refused: INPUT('databases') },
  '--out': { value: true, refused: INPUT('archive') },
  '-o': { value: true, refused: INPUT('archive') },
  '--dumpDbUsersAndRoles': {
    value: false,
    refused: 'it writes user credential hashes into the dump'
  },
  '--oplog': { value: false, refused: 'replaying it needs --oplogReplay, which is refused' },
  '--readPreference': { value: true },
  '--excludeCollection': { value: true },
  '--excludeCollectionsWithPrefix': { value: true },
  '--forceTableScan': { value: false },
  '--viewsAsCollections': { value: false }
}

const RESTORE_OPTIONS: Record<string, OptionRule> = {
  ...COMMON,
  '--restoreDbUsersAndRoles': {
    value: false,
    refused:
      'it restores the dump\'s users and roles over the target\'s (a namespace "admin.*" cannot exclude)'
  },
  '--oplogReplay': {
    value: false,
    refused:
      'namespace filters cannot be combined with it and replaying the oplog does not filter user writes'
  },
  '--oplogFile': { value: true, refused: 'it only serves --oplogReplay, which is refused' },
  '--db': { value: true, refused: INPUT('databases') },
  '-d': { value: true, refused: INPUT('databases') },
  '--collection': { value: true, refused: INPUT('databases') },
  '-c': { value: true, refused: INPUT('databases') },
  '--dir': { value: true, refused: INPUT('archive') },
  '--drop': { value: false, refused: INPUT('drop') },
  '--nsExclude': { value: true, refused: INPUT('ns-exclude') },
  '--nsFrom': { value: true, refused: INPUT('ns-from') },
  '--nsTo': { value: true, refused: INPUT('ns-to') },
  '--nsInclude': { value: true, refused: INPUT('databases') },
  '--numInsertionWorkersPerCollection': { value: true },
  '--stopOnError': { value: false },
  '--bypassDocumentValidation': { value: false },
  '--maintainInsertionOrder': { value: false },
  '--noIndexRestore': { value: false },
  '--noOptionsRestore': { value: false },
  '--preserveUUID': { value: false },
  '--writeConcern': { value: true },
  '--dryRun': { value: false },
  '--convertLegacyIndexes': { value: false },
  '--keepIndexVersion': { value: false }
}

/** Splits an options input on white space and checks each option against the tool's rules. */
export function checkToolOptions(
  tool: 'mongodump' | 'mongorestore',
  text: string,
  input: string
): string[] {
  const rules = tool === 'mongodump' ? DUMP_OPTIONS : RESTORE_OPTIONS
  const words = text.split(/\s+/).filter((w) => w !== '')
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    const [name = '', inline] = word.split(/=(.*)/s)
    const rule = rules[name]
    if (!rule) {
      throw invalidInput(
        input,
        `"${name}" is not an option this action passes to ${tool}`,
        `Remove it; supported: ${Object.keys(rules)
          .filter((k) => !rules[k]?.refused)
          .join(' ')}`
      )
    }
    if (rule.refused)
      throw forbidden(`${name} in ${input}`, rule.refused, `Remove ${name} from ${input}.`)
    if (rule.value && inline === undefined) {
      if (i + 1 >= words.length)
        throw invalidInput(input, `${name} needs a value`, `Write ${name}=<value>`)
      i++
    }
  }
  return words
}

/** Checks that nothing in the plan could write users, roles or system databases. */
export function checkPlan(
  settings: Pick<TransferPlan, 'databases' | 'nsExclude' | 'renames'> & {
    mode: Mode
    source: MongoUri | undefined
    target: MongoUri | undefined
  }
): void {
  for (const db of settings.databases) {
    if (SYSTEM_DATABASES.includes(db.toLowerCase())) {
      throw forbidden(
        `databases: ${db}`,
        `${db} holds the server's own users, roles or state; only user databases are moved`,
        `Remove ${db} from databases.`
      )
    }
  }
  for (const pattern of settings.nsExclude) {
    if (pattern.includes('$')) {
      throw invalidInput(
        'ns-exclude',
        `"${pattern}" contains "$", which mongorestore rejects in filters`,
        'Use * as the wildcard'
      )
    }
  }
  for (const rename of settings.renames) checkRename(rename)
  const { source, target } = settings
  // A rehearsal restores into new scratch databases; with renames, a copy into other databases
  // of the same deployment can be legitimate, and the pre-flight check refuses it when any
  // namespace would be restored onto itself.
  const rehearsal = settings.mode === 'rehearse'
  if (
    source &&
    target &&
    !rehearsal &&
    settings.renames.length === 0 &&
    source.sharesHostWith(target)
  ) {
    throw sameDeployment(target.hosts.join(','))
  }
}

function checkRename({ from, to }: Rename): void {
  for (const [input, pattern] of [
    ['ns-from', from],
    ['ns-to', to]
  ] as const) {
    const db = pattern.split('.')[0] ?? ''
    if (SYSTEM_DATABASES.includes(db.toLowerCase()) || db === '*') {
      throw forbidden(
        `${input}: ${pattern}`,
        `a rename may not read from or write into ${db === '*' ? 'every database, admin included' : db}`,
        `Change ${input}: rename only between user databases.`
      )
    }
    if (/\.system\.(users|roles)$/.test(pattern)) {
      throw forbidden(
        `${input}: ${pattern}`,
        'a rename may not touch user or role collections',
        `Change ${input}: rename only ordinary collections.`
      )
    }
    if ((pattern.match(/\$/g) ?? []).length % 2 !== 0) {
      throw invalidInput(
        input,
        `"${pattern}" has an unpaired "$"`,
        'Variables are written $name$, e.g. appdb.$coll$'
      )
    }
  }
  const toDb = to.split('.')[0] ?? ''
  if (toDb.includes('$') && toDb !== from.split('.')[0]) {
    throw forbidden(
      `ns-to: ${to}`,
      'a variable in the target database name could spell admin',
      'Keep the database part of ns-from as it is, or name the database in ns-to.'
    )
  }
  const vars = (p: string) =>
    [...p.matchAll(/\$(\w*)\$/g)]
      .map((m) => m[1])
      .sort()
      .join(',')
  if (vars(from) !== vars(to)) {
    throw invalidInput(
      'ns-to',
      `"${to}" does not use the same $variables$ as "${from}"`,
      'Use the same $name$ variables on both sides'
    )
  }
}

/** Restoring into the deployment (and database) the dump came from. */
export function sameDeployment(where: string): GuardError {
  return forbidden(
    'a target that is the source',
    `target-uri and source-uri reach the same deployment (${where}); restoring a deployment onto itself can only duplicate or replace its own data`,
    'Point target-uri at another deployment, rename every namespace into another database with ns-from/ns-to, or use mode: rehearse to restore into scratch databases.'
  )
}
