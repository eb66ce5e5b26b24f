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
    ...settings.restoreOptions
  ]
}
