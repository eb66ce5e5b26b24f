// Builds mongodump's and mongorestore's argv from the settings: pure, so the guard's excludes
// and the absence of credentials in argv are unit-tested.
import { PROTECTED_NAMESPACES } from '../input/namespace.js'
import type { TransferPlan } from '../input/settings.js'

type ArgSettings = Pick<
  TransferPlan,
  | 'gzip'
  | 'databases'
  | 'drop'
  | 'nsExclude'
  | 'renames'
  | 'dumpOptions'
  | 'restoreOptions'
  | 'collections'
>

/** More collections than this make a restore of many small ones (see defaultOptions). */
export const MANY_COLLECTIONS = 16

/**
 * The tools' parallelism, tuned by `npm run bench` (docs/benchmarks.md, "Tuning the defaults")
 * for the number of collections the restore writes:
 * - a few, or unknown (a dump alone): the tools' 4 collections at once, and two insertion
 *   workers per collection, so that the largest is not restored by a single worker at the end
 *   (1 M documents in 6 collections: about 8 % faster than one worker);
 * - many: mostly small collections, where the time goes into each collection's
 *   set-up: 8 at once on both sides, one worker each (a second worker per collection costs more
 *   than it inserts; 300 and 2,000 small collections: 15-25 % faster than the tools' defaults).
 * They come before the user's options: the tools take the last of a repeated option.
 */
export function defaultOptions(collections: number | undefined): {
  dump: string[]
  restore: string[]
} {
  if (collections === undefined || collections <= MANY_COLLECTIONS) {
    return { dump: [], restore: ['--numInsertionWorkersPerCollection=2'] }
  }
  return {
    dump: ['--numParallelCollections=8'],
    restore: ['--numParallelCollections=8', '--numInsertionWorkersPerCollection=1']
  }
}

/**
 * Where mongodump writes: the pipe (the whole deployment, one database, one collection, or one
 * `_id` range of it: `query` is the filter as extended JSON), or one database into a directory.
 */
export type DumpTo =
  | { kind: 'stdout'; database?: string; collection?: string; query?: string }
  | { kind: 'directory'; path: string; database: string }

/**
 * Where mongorestore reads: the pipe, a dump directory or an archive file. `noIndexRestore`: a
 * sibling part of a split migration builds this collection's indexes.
 */
export type RestoreFrom =
  | { kind: 'stdin'; noIndexRestore?: boolean }
  | { kind: 'directory'; path: string }
  | { kind: 'archive'; path: string }

export function dumpArgs(settings: ArgSettings, configFile: string, to: DumpTo): string[] {
  // mongodump takes one --db: several databases are one pipeline each (see transfer.ts).
  const output =
    to.kind === 'stdout'
      ? [
          '--archive',
          ...(to.database === undefined ? [] : [`--db=${to.database}`]),
          ...(to.collection === undefined ? [] : [`--collection=${to.collection}`]),
          // No shell runs the tools: the JSON reaches mongodump as one argument, unquoted.
          ...(to.query === undefined ? [] : [`--query=${to.query}`])
        ]
      : [`--db=${to.database}`, `--out=${to.path}`]
  return [
    `--config=${configFile}`,
    ...output,
    ...(settings.gzip ? ['--gzip'] : []),
    ...defaultOptions(settings.collections).dump,
    ...settings.dumpOptions
  ]
}

export function restoreArgs(
  settings: ArgSettings,
  configFile: string,
  from: RestoreFrom
): string[] {
  const input = {
    stdin: () => '--archive',
    directory: (f: { path: string }) => `--dir=${f.path}`,
    archive: (f: { path: string }) => `--archive=${f.path}`
  }
  return [
    `--config=${configFile}`,
    // -v logs "found collection X bson to restore to Y": which source became which target.
    '-v',
    from.kind === 'stdin' ? input.stdin() : input[from.kind](from),
    ...(settings.gzip ? ['--gzip'] : []),
    ...(settings.drop ? ['--drop'] : []),
    ...[...PROTECTED_NAMESPACES, ...settings.nsExclude].map((ns) => `--nsExclude=${ns}`),
    ...settings.databases.map((db) => `--nsInclude=${db}.*`),
    ...settings.renames.flatMap((r) => [`--nsFrom=${r.from}`, `--nsTo=${r.to}`]),
    ...(from.kind === 'stdin' && from.noIndexRestore ? ['--noIndexRestore'] : []),
    ...defaultOptions(settings.collections).restore,
    ...settings.restoreOptions
  ]
}

/**
 * Replays a BSON file of oplog entries the action has already filtered (src/oplog/filter.ts):
 * mongorestore refuses namespace filters with --oplogReplay, and needs a dump directory, here an
 * empty one.
 */
export function oplogReplayArgs(configFile: string, oplogFile: string, emptyDir: string): string[] {
  return [
    `--config=${configFile}`,
    '--oplogReplay',
    `--oplogFile=${oplogFile}`,
    `--dir=${emptyDir}`
  ]
}
