// The test bed every row runs on: two real mongods with auth on (the source and the target),
// their users (the app the action probes, a single-use user for the peer), 0600 tool config
// files, emptying the target between runs, checking that a run copied everything, and the raw
// `mongodump --archive | mongorestore --archive` pipeline.
// May import: dataset.ts, measure.ts (and the test support, and the guard's list of databases).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  type MongoServer
} from '../../__tests__/support/testbed.ts'
import { SYSTEM_DATABASES } from '../../src/input/namespace.ts'
import { COLLECTIONS, DB } from './dataset.ts'
import { mustSucceed, timed, type TimedRun } from './measure.ts'

export const APP_PASSWORD = randomBytes(18).toString('hex')
export const PEER_PASSWORD = randomBytes(18).toString('hex')

export interface Bed {
  source: MongoServer
  target: MongoServer
  sourceClient: MongoClient
  targetClient: MongoClient
  dir: string
  sourceConfig: string
  targetConfig: string
}

export async function setUp(): Promise<Bed> {
  const [source, target] = await Promise.all([startServer(), startServer()])
  // The app the action probes: lives on the target, in admin so dropping `bench` keeps it.
  await createUser(target, 'admin', 'app', APP_PASSWORD, [{ role: 'readWrite', db: DB }])
  // The peer (node-mongotools) passes --username/--password in argv: give it its own
  // single-use users instead of root.
  await createUser(source, 'admin', 'peer', PEER_PASSWORD, ['backup'])
  await createUser(target, 'admin', 'peer', PEER_PASSWORD, ['restore'])
  const dir = mkdtempSync(join(os.tmpdir(), 'guard-bench-'))
  const config = (name: string, uri: string) => {
    const file = join(dir, `${name}.yaml`)
    writeFileSync(file, JSON.stringify({ uri }) + '\n', { mode: 0o600 })
    return file
  }
  return {
    source,
    target,
    sourceClient: await new MongoClient(source.rootUri, { maxPoolSize: 4 }).connect(),
    targetClient: await new MongoClient(target.rootUri, { maxPoolSize: 4 }).connect(),
    dir,
    sourceConfig: config('source', source.rootUri),
    targetConfig: config('target', target.rootUri)
  }
}

/** Closes the clients, deletes the config files and stops both servers. */
export async function tearDown(bed: Bed): Promise<void> {
  await bed.sourceClient.close()
  await bed.targetClient.close()
  rmSync(bed.dir, { recursive: true, force: true })
  await stopAllServers()
}

/** Drops every user database of the target, so that every run does the same work. */
export async function emptyTarget(bed: Bed): Promise<void> {
  const { databases } = await bed.targetClient.db('admin').admin().listDatabases()
  for (const { name } of databases) {
    if (!SYSTEM_DATABASES.includes(name)) await bed.targetClient.db(name).dropDatabase()
  }
}

/** Checks that a run restored the whole dataset: counts and indexes per collection. */
export async function checkCopy(bed: Bed, row: string): Promise<void> {
  const [src, dst] = [bed.sourceClient.db(DB), bed.targetClient.db(DB)]
  for (const [name] of COLLECTIONS) {
    const [a, b] = await Promise.all([
      src.collection(name).estimatedDocumentCount(),
      dst.collection(name).estimatedDocumentCount()
    ])
    const [ia, ib] = await Promise.all([
      src.collection(name).listIndexes().toArray(),
      dst.collection(name).listIndexes().toArray()
    ])
    if (a !== b || ia.length !== ib.length) {
      throw new Error(
        `${row}: ${DB}.${name} has ${b} documents and ${ib.length} indexes on the target, ${a} and ${ia.length} on the source`
      )
    }
  }
}

/** `mongodump --archive | mongorestore --archive` from source to target in bash, timed. */
export async function pipeDumpIntoRestore(
  bed: Bed,
  what: string,
  dumpOptions: string[] = []
): Promise<TimedRun> {
  const { mongodump, mongorestore } = binaries()
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const tool = (bin: string, config: string, options: string[]) =>
    [bin, `--config=${config}`, ...options, '--archive'].map(q).join(' ')
  const script = `${tool(mongodump, bed.sourceConfig, dumpOptions)} | ${tool(mongorestore, bed.targetConfig, [])}`
  return mustSucceed(what, await timed('bash', ['-o', 'pipefail', '-c', script]))
}
