import type { MongoUri } from '../secrets.js'
import type { PrivilegeRequirement } from './privileges.js'
import type { SampleSize } from '../server/sample.js'

/** A `--nsFrom`/`--nsTo` pair for mongorestore. */
export interface Rename {
  from: string
  to: string
}

export const MODES = ['migrate', 'rehearse', 'dump', 'restore', 'probe'] as const
/** migrate: dump → guarded restore → probes; rehearse: the same into scratch namespaces that are
 * dropped afterwards; dump: to disk only; restore: a dump from disk; probe: the probe alone. */
export type Mode = (typeof MODES)[number]

/** Everything the action was asked to do, validated. Built only by `inputs.ts`. */
export interface Settings {
  mode: Mode
  /** Where the data comes from (a user that can run mongodump); absent in restore and probe. */
  source: MongoUri | undefined
  /** Where it goes (a user that can run mongorestore); absent in dump, optional in probe. */
  target: MongoUri | undefined
  /** A user that can read and change the target's users: drift check and repair. Optional. */
  adminUri: MongoUri | undefined
  /** After a restore (or in probe mode), re-register an app user whose login fails. */
  repairAppUser: boolean
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
  /**
   * A dump on disk. migrate, rehearse and dump create it as a directory with one mongodump
   * directory dump per user database; restore reads it (such a directory or an archive file).
   * Undefined in migrate and rehearse: mongodump streams into mongorestore, nothing on disk.
   */
  archive: string | undefined
  /** Compress the dump (`--gzip` on both tools). */
  gzip: boolean
  /** More `--nsExclude` patterns, on top of the ones that protect users. */
  nsExclude: string[]
  /** Namespace renames at restore. */
  renames: Rename[]
  /** Extra mongodump options, already checked against the allow-list. */
  dumpOptions: string[]
  /** Extra mongorestore options, already checked against the allow-list. */
  restoreOptions: string[]
  /** rehearse: leave the scratch databases in place instead of dropping them. */
  keep: boolean
  /** restore: accept a dump that carries users or roles (they are excluded either way). */
  skipArchivedUsers: boolean
  /** Names this run's scratch databases: GITHUB_RUN_ID, else the time. */
  runId: string
  /** Documents per restored collection compared byte for byte with the source; 0 off. */
  verifySample: SampleSize
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
