// Builds mongodump's and mongorestore's argv from the settings: pure, so the guard's excludes
// and the absence of credentials in argv are unit-tested.
import { PROTECTED_NAMESPACES } from './guard.js'
import type { Settings } from './settings.js'

type ArgSettings = Pick<
  Settings,
  | 'archive'
  | 'gzip'
  | 'databases'
  | 'drop'
  | 'nsExclude'
  | 'renames'
  | 'dumpOptions'
  | 'restoreOptions'
>

/**
 * Tuned defaults, measured by `npm run bench` (docs/benchmarks.md): two insertion workers per
 * collection keep the largest collection from being restored by a single worker at the end.
 * They come before the user's options: the tools take the last of a repeated option.
 */
export const DEFAULT_RESTORE_OPTIONS = ['--numInsertionWorkersPerCollection=2']

/** `--archive` alone means stdout/stdin: the streaming case. */
function archiveArg(settings: ArgSettings): string {
  return settings.archive === undefined ? '--archive' : `--archive=${settings.archive}`
}

export function dumpArgs(settings: ArgSettings, configFile: string): string[] {
  // mongodump takes one --db; several databases are a whole dump filtered at restore.
  const onlyDb = settings.databases.length === 1 ? [`--db=${settings.databases[0]}`] : []
  return [
    `--config=${configFile}`,
    archiveArg(settings),
    ...(settings.gzip ? ['--gzip'] : []),
    ...onlyDb,
    ...settings.dumpOptions
  ]
}

export function restoreArgs(settings: ArgSettings, configFile: string): string[] {
  return [
    `--config=${configFile}`,
    archiveArg(settings),
    ...(settings.gzip ? ['--gzip'] : []),
    ...(settings.drop ? ['--drop'] : []),
    ...[...PROTECTED_NAMESPACES, ...settings.nsExclude].map((ns) => `--nsExclude=${ns}`),
    ...settings.databases.map((db) => `--nsInclude=${db}.*`),
    ...settings.renames.flatMap((r) => [`--nsFrom=${r.from}`, `--nsTo=${r.to}`]),
    ...DEFAULT_RESTORE_OPTIONS,
    ...settings.restoreOptions
  ]
}
