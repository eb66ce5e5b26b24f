import type { MongoUri } from './secrets.js'
import type { PrivilegeRequirement } from './privileges.js'

/** A `--nsFrom`/`--nsTo` pair for mongorestore. */
export interface Rename {
  from: string
  to: string
}

/** Everything the action was asked to do, validated. Built only by `inputs.ts`. */
export interface Settings {
  /** Where the data comes from (a user that can run mongodump). */
  source: MongoUri
  /** Where it goes (a user that can run mongorestore). */
  target: MongoUri
  /** The application's own connection strings; each one is probed before and after. */
  apps: MongoUri[]
  /** What each app must be allowed to do; applies to every app. Empty: authentication only. */
  privileges: PrivilegeRequirement[]
  /** The databases to move; empty means every user database. */
  databases: string[]
  /** Pass `--drop`: replace the target's collections that are in the dump. */
  drop: boolean
  /** Restore into namespaces that already hold documents (without drop, refused by default). */
  allowMerge: boolean
  /** Dump to this file, then restore from it; undefined streams mongodump into mongorestore. */
  archive: string | undefined
  /** Compress the archive or stream (`--gzip` on both tools). */
  gzip: boolean
  /** More `--nsExclude` patterns, on top of the ones that protect users. */
  nsExclude: string[]
  /** Namespace renames at restore. */
  renames: Rename[]
  /** Extra mongodump options, already checked against the allow-list. */
  dumpOptions: string[]
  /** Extra mongorestore options, already checked against the allow-list. */
  restoreOptions: string[]
  /** Do not fail the step when some documents failed to restore. */
  allowFailedDocuments: boolean
  /** Server selection and connect timeout of each probe, in ms. */
  probeTimeoutMs: number
  /** Time limit for the dump and for the restore, in ms. */
  phaseTimeoutMs: number
  /** Directory with mongodump and mongorestore; undefined: found on PATH. */
  toolsPath: string | undefined
  /** Parent of the private directory for the tools' config files. */
  tempDir: string
}
