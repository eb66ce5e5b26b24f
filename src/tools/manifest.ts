// The manifest the action writes beside its own dumps (mode dump, and `archive` in migrate and
// rehearse): when the dump was taken, from what server version, and each namespace with its
// document count. `restore` reads it to know the data's age and to check every count exactly.
// It holds no credential, no connection string and no host name: a dump artifact travels, and
// a host name tells whoever finds it where to knock.
import { existsSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GuardError } from '../errors.js'

/** The file's name inside the dump directory (mongorestore skips it with one log line). */
export const MANIFEST_FILE = 'mongo-restore-guard-manifest.json'
const FORMAT = 'mongo-restore-guard-manifest/1'

/** An oplog timestamp: seconds since the epoch and the increment within that second. */
export interface ConsistentPoint {
  t: number
  i: number
}

export interface Manifest {
  format: typeof FORMAT
  /** When the first mongodump started and the last one ended (ISO 8601). */
  startedAt: string
  finishedAt: string
  durationSeconds: number
  /** A consistent copy's point in time (the oplog timestamp the dump reflects), when there is one. */
  consistentAt?: ConsistentPoint & { time: string }
  /** The source server's version and FCV, as read before the dump. */
  source: { version: string | undefined; fcv: string | undefined }
  /** The Database Tools that wrote the dump. */
  tools: string | undefined
  gzip: boolean
  /** Every namespace dumped, with the documents mongodump said it wrote. */
  namespaces: { namespace: string; documents: number }[]
}

export type ManifestFields = Omit<Manifest, 'format' | 'durationSeconds' | 'consistentAt'> & {
  consistentAt?: ConsistentPoint
}

/** Writes the manifest into the dump directory it describes. */
export async function writeManifest(directory: string, fields: ManifestFields): Promise<Manifest> {
  const { consistentAt, ...rest } = fields
  const manifest: Manifest = {
    format: FORMAT,
    ...rest,
    durationSeconds: seconds(Date.parse(fields.finishedAt) - Date.parse(fields.startedAt)),
    ...(consistentAt && {
      consistentAt: { ...consistentAt, time: new Date(consistentAt.t * 1000).toISOString() }
    }),
    namespaces: [...fields.namespaces].sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
  }
  await writeFile(join(directory, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/** The manifest of a dump directory; undefined for an archive file or a dump without one. */
export async function readManifest(path: string): Promise<Manifest | undefined> {
  if (!(await stat(path)).isDirectory()) return undefined
  const file = join(path, MANIFEST_FILE)
  if (!existsSync(file)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw badManifest(file, `it is not JSON (${(error as Error).message})`)
  }
  const m = parsed as Partial<Manifest>
  if (m.format !== FORMAT) throw badManifest(file, `its format is not ${FORMAT}`)
  if (typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt))) {
    throw badManifest(file, 'its startedAt is not a time')
  }
  const counts = Array.isArray(m.namespaces) ? m.namespaces : undefined
  if (
    !counts ||
    !counts.every((n) => typeof n?.namespace === 'string' && Number.isSafeInteger(n?.documents))
  ) {
    throw badManifest(file, 'its namespaces are not a list of namespaces with document counts')
  }
  return m as Manifest
}

/** A dump that lacks a collection its own manifest lists is incomplete: refused before writing. */
export function refuseIncompleteDump(
  path: string,
  manifest: Manifest,
  namespaces: readonly string[]
): void {
  const present = new Set(namespaces)
  const missing = manifest.namespaces.map((n) => n.namespace).filter((ns) => !present.has(ns))
  if (missing.length === 0) return
  throw new GuardError(
    'UnreadableDump',
    'The dump is incomplete',
    `archive: ${path} lacks ${missing.join(', ')}, which its manifest says were dumped. Nothing was restored; restore a complete copy of the dump.`
  )
}

function badManifest(file: string, why: string): GuardError {
  return new GuardError(
    'UnreadableDump',
    "The dump's manifest cannot be read",
    `archive: ${file} cannot be read: ${why}. Nothing was restored. The manifest records when the dump was taken and its counts; restore the dump as its writer left it, or remove the file to restore it as a dump of unknown age.`
  )
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}
