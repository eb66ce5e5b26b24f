// What the action was asked to do, validated: one type per mode, so that what a mode needs is
// required by the type system. Built only by `inputs.ts`; a mode that derives other values (the
// rehearsal's scratch names, a dump's compression) builds a new `TransferPlan` from these.
import type { MongoUri } from '../secrets.js'
import type { Objectives } from './objectives.js'
import type { PartLine } from './namespace.js'
import type { PrivilegeRequirement } from './privileges.js'
import type { SampleSize } from './verify-sample.js'
import type { SplitPlan } from './plan-file.js'

/** A `--nsFrom`/`--nsTo` pair for mongorestore. */
export interface Rename {
  from: string
  to: string
}

export const MODES = [
  'migrate',
  'rehearse',
  'dump',
  'restore',
  'probe',
  'plan',
  'verify',
  'catch-up'
] as const
/** migrate: dump → guarded restore → probes; rehearse: the same into scratch namespaces that are
 * dropped afterwards; dump: to disk only; restore: a dump from disk; probe: the probe alone;
 * plan: split a migration into the parts of a matrix; verify: check the whole after the parts;
 * catch-up: replay the source's oplog after a migration's T onto the target, then cut over. */
export type Mode = (typeof MODES)[number]

/** How the data is dumped and restored: what the tools' argv and the namespace plan are made of. */
export interface TransferPlan {
  /** The databases to move; empty means every user database. */
  databases: string[]
  /** migrate, a part of a split migration: exactly these namespaces (and `_id` ranges); empty: unused. */
  namespaces: PartLine[]
  /** Pass `--drop`: replace the target's collections that are in the dump. */
  drop: boolean
  /** Restore into namespaces that already hold documents (without drop, refused by default). */
  allowMerge: boolean
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
  /** Do not fail the step when some documents failed to restore. */
  allowFailedDocuments: boolean
  /** Documents per restored collection compared byte for byte with the source; 0 off. */
  verifySample: SampleSize
  /**
   * How many collections the restore writes, as the pre-flight check planned them: picks the
   * tools' parallelism (tools/args.ts). Unknown before that check, and in dump mode.
   */
  collections?: number
}

/**
 * Whether a copy is one point in time (src/oplog/): `auto` wherever the source is a replica-set
 * member and both users may do it, else an ordinary copy with the reason; `true` fails instead;
 * `false` never.
 */
export type Consistent = 'auto' | 'true' | 'false'

/** What every mode has. */
interface Common {
  /** The application's own connection strings; each one is probed before and after. */
  apps: MongoUri[]
  /** What each app must be allowed to do; applies to every app. Empty: authentication only. */
  privileges: PrivilegeRequirement[]
  /** A user that can read and change the target's users: drift check and repair. Optional. */
  adminUri: MongoUri | undefined
  /** After a restore (or in probe mode), re-register an app user whose login fails. */
  repairAppUser: boolean
  /** Server selection and connect timeout of each probe, in ms. */
  probeTimeoutMs: number
  /** Time limit for the dump and for the restore, in ms. */
  phaseTimeoutMs: number
  /** Directory with mongodump and mongorestore; undefined: obtained per toolsVersion. */
  toolsPath: string | undefined
  /** The tools to obtain: an exact `100.x.y` or `latest`; undefined (and no toolsPath): PATH. */
  toolsVersion: string | undefined
  /** Base URL replacing MongoDB's download hosts (feed and archives). */
  toolsMirror: string | undefined
  /** The tool cache's root: RUNNER_TOOL_CACHE, else a folder in the user's cache. */
  toolCacheDir: string
  /** Restore into a server of an older release than the source (refused by default). */
  allowOlderTarget: boolean
  /** Parent of the private directory for the tools' config files. */
  tempDir: string
}

export interface MigrateSettings extends Common {
  mode: 'migrate'
  /** Where the data comes from (a user that can run mongodump). */
  source: MongoUri
  /** Where it goes (a user that can run mongorestore). */
  target: MongoUri
  transfer: TransferPlan
  /** A new directory for one mongodump directory dump per database; undefined: streamed. */
  archive: string | undefined
  /** max-restore-duration and max-data-age: missing one fails the run after its checks. */
  objectives: Objectives
  /** Point-in-time copy through the oplog: auto, true or false. */
  consistent: Consistent
}

export interface RehearseSettings extends Omit<MigrateSettings, 'mode'> {
  mode: 'rehearse'
  /** Leave the scratch databases in place instead of dropping them. */
  keep: boolean
  /** Names this run's scratch databases: GITHUB_RUN_ID, else the time. */
  runId: string
}

export interface DumpSettings extends Common {
  mode: 'dump'
  source: MongoUri
  transfer: TransferPlan
  /** The new directory to write, one mongodump directory dump per user database. */
  archive: string
  /** Save the writes made during the dump beside it (oplog.bson): the dump is then the source at T. */
  consistent: Consistent
}

export interface RestoreSettings extends Common {
  mode: 'restore'
  target: MongoUri
  transfer: TransferPlan
  /** A dump on disk: such a directory, or an archive file. */
  archive: string
  /** Accept a dump that carries users or roles (they are excluded either way). */
  skipArchivedUsers: boolean
  /** max-restore-duration and max-data-age: missing one fails the run after its checks. */
  objectives: Objectives
  /** Replay the dump's oplog.bson, if it has one, filtered again. */
  consistent: Consistent
}

export interface ProbeSettings extends Common {
  mode: 'probe'
  /** Optional: where the drift check and the repair look when target-admin-uri is absent. */
  target: MongoUri | undefined
}

export interface PlanSettings extends Common {
  mode: 'plan'
  source: MongoUri
  target: MongoUri
  /** Which databases and namespaces the whole run moves (databases, ns-exclude). */
  transfer: TransferPlan
  /** At most this many part jobs. */
  parts: number
}

export interface VerifySettings extends Common {
  mode: 'verify'
  target: MongoUri
  /** What mode: plan found and decided. */
  plan: SplitPlan
}

/** An oplog timestamp: seconds since the epoch and the ordinal within that second. */
export interface OplogTime {
  t: number
  i: number
}

export interface CatchUpSettings extends Common {
  mode: 'catch-up'
  /** The replica set the migration copied (a user that can read local.oplog.rs). */
  source: MongoUri
  /** The migration's target (a user that can run mongorestore --oplogReplay). */
  target: MongoUri
  /** The migration's plan (databases, ns-exclude, renames): the replay filters by it. */
  transfer: TransferPlan
  /** The T the target is consistent at: the migrate step's consistent-at, or a re-run's. */
  from: OplogTime
  /** The catch-up loop ends when the target is at most this far behind the source. */
  maxLagMs: number
  /** Then wait for the source to stop taking writes, apply the rest and verify exactly. */
  cutover: boolean
  /** cutover: the source counts as stopped after this long without a relevant entry. */
  quietMs: number
  /** cutover: fail when the source has not stopped within this long. */
  cutoverTimeoutMs: number
}

/** Everything the action was asked to do, validated. */
export type Settings =
  | MigrateSettings
  | RehearseSettings
  | DumpSettings
  | RestoreSettings
  | ProbeSettings
  | PlanSettings
  | VerifySettings
  | CatchUpSettings

/** The modes that run the tools. */
export type ToolSettings = Exclude<Settings, ProbeSettings | VerifySettings>

/** Every connection string of the run: what must be scrubbed from any text it prints. */
export function allUris(settings: Settings): MongoUri[] {
  const sides = [sourceOf(settings), targetOf(settings), settings.adminUri, ...settings.apps]
  return sides.filter((u): u is MongoUri => u !== undefined)
}

/** The connection string that reads and changes the target's users: the admin one, else the target's. */
export function usersAdmin(settings: Settings): MongoUri | undefined {
  return settings.adminUri ?? targetOf(settings)
}

export function sourceOf(settings: Settings): MongoUri | undefined {
  return 'source' in settings ? settings.source : undefined
}

export function targetOf(settings: Settings): MongoUri | undefined {
  return 'target' in settings ? settings.target : undefined
}
