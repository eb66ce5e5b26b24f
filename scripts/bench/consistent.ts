// The point-in-time copy (issue 20) beside the tools' own: a one-member replica-set source (the
// oplog needs one), a standalone target, and side by side the raw
// `mongodump --oplog --archive | mongorestore --oplogReplay --archive` pipeline and the action's
// streamed migrate with consistent: true. Two shapes: the dataset alone (one database), and the
// dataset beside a second database as large, where only `bench` is wanted: mongodump --oplog
// works only on a whole-deployment dump, so the raw pipeline copies both, while the action dumps
// `bench` alone and keeps the window's writes of `bench`.
// May import: bed.ts, dataset.ts, measure.ts, rows.ts (and the test support).
import { MongoClient } from 'mongodb'
import { binaries, startServer, type MongoServer } from '../../__tests__/support/testbed.ts'
import { APP_PASSWORD } from './bed.ts'
import { COLLECTIONS, DB, generate } from './dataset.ts'
import { fmtInt, fmtS, log, median, mustSucceed, timed } from './measure.ts'
import { measuredAction } from './rows.ts'
import { createUser } from '../../__tests__/support/testbed.ts'
import { seedWriter, startWriter } from '../../__tests__/support/writer.ts'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as os from 'node:os'

const OTHER = 'bench_other'
/** The shape where an application writes transactions into `bench` during every run. */
const WRITING = 'one database, an application writing'

interface ConsistentResult {
  shape: string
  raw: number[]
  action: number[]
}

/** Measures both shapes at `size` documents, `repeat` runs each; returns the markdown table. */
export async function measureConsistent(
  size: number,
  seed: number,
  repeat: number
): Promise<string> {
  const [source, target] = await Promise.all([startServer({ replSet: true }), startServer()])
  const dir = mkdtempSync(join(os.tmpdir(), 'guard-bench-consistent-'))
  const config = (name: string, uri: string) => {
    const file = join(dir, `${name}.yaml`)
    writeFileSync(file, JSON.stringify({ uri }) + '\n', { mode: 0o600 })
    return file
  }
  const sourceConfig = config('source', source.rootUri)
  const targetConfig = config('target', target.rootUri)
  try {
    await createUser(target, 'admin', 'app', APP_PASSWORD, [{ role: 'readWrite', db: DB }])
    log(`consistent copy: generating ${fmtInt(size)} documents on a replica-set source`)
    await generate(source, size, seed)
    const results: ConsistentResult[] = []
    const shapes = [WRITING, 'one database', 'two databases, one wanted']
    for (const shape of shapes) {
      if (shape === WRITING) await seedWriter(source.rootUri, DB)
      if (shape === shapes[2]) await cloneInto(source, OTHER)
      // The newest oplog entry opens both windows and is part of them: $out's renameCollection
      // there would stop mongodump --oplog ("cannot dump with oplog while renames occur").
      await appendNote(source)
      const result: ConsistentResult = { shape, raw: [], action: [] }
      // The application writes during each run of this shape, both rows alike.
      const writing = async <T>(fn: () => Promise<T>): Promise<T> => {
        if (shape !== WRITING) return fn()
        const writer = startWriter(source.rootUri, { database: DB, pauseMs: 20 })
        try {
          return await fn()
        } finally {
          log(`    the application wrote ${await writer.stop()} transactions`)
        }
      }
      for (let i = 0; i < repeat; i++) {
        await emptyTarget(target)
        const raw = await writing(() => rawPipeline(sourceConfig, targetConfig))
        result.raw.push(raw)
        log(`  ${shape}: raw ${fmtS(raw)} s`)
        await emptyTarget(target)
        const { ms, report } = await writing(() =>
          measuredAction('consistent copy', {
            mode: 'migrate',
            'source-uri': source.rootUri,
            'target-uri': target.rootUri,
            'app-uri': target.uri('app', APP_PASSWORD, 'admin'),
            databases: DB,
            consistent: 'true',
            'tools-path': binaries().toolsDir,
            'timeout-minutes': '60',
            'probe-timeout-seconds': '10'
          })
        )
        result.action.push(ms)
        const phases = (report as { phases: { name: string; durationMs: number }[] }).phases
        log(
          `  ${shape}: action ${fmtS(ms)} s (${phases.map((p) => `${p.name} ${fmtS(p.durationMs)}`).join(', ')})`
        )
      }
      results.push(result)
    }
    return table(size, results)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await Promise.all([source.stop(), target.stop()])
  }
}

/** mongodump --oplog (whole deployment: it refuses --db) piped into mongorestore --oplogReplay. */
async function rawPipeline(sourceConfig: string, targetConfig: string): Promise<number> {
  const { mongodump, mongorestore } = binaries()
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const script =
    `${[mongodump, `--config=${sourceConfig}`, '--oplog', '--archive'].map(q).join(' ')} | ` +
    `${[mongorestore, `--config=${targetConfig}`, '--oplogReplay', '--archive'].map(q).join(' ')}`
  return mustSucceed('raw oplog pipeline', await timed('bash', ['-o', 'pipefail', '-c', script])).ms
}

/** A second database as large as `bench`, for the shape where only `bench` is wanted. */
async function cloneInto(server: MongoServer, db: string): Promise<void> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 2 })
  try {
    for (const [name] of COLLECTIONS) {
      await client
        .db(DB)
        .collection(name)
        .aggregate([{ $out: { db, coll: name } }])
        .toArray()
    }
  } finally {
    await client.close()
  }
}

async function appendNote(server: MongoServer): Promise<void> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 1 })
  try {
    await client.db('admin').command({ appendOplogNote: 1, data: { bench: 'window start' } })
  } finally {
    await client.close()
  }
}

/** Drops every user database of the target (the raw pipeline restores admin's users too: root only here). */
async function emptyTarget(target: MongoServer): Promise<void> {
  const client = new MongoClient(target.rootUri, { maxPoolSize: 1 })
  try {
    for (const db of [DB, OTHER]) await client.db(db).dropDatabase()
  } finally {
    await client.close()
  }
}

function table(size: number, results: readonly ConsistentResult[]): string {
  const lines = [
    `Point-in-time copy, ${fmtInt(size)} documents, replica-set source (median of ${results[0]?.raw.length ?? 0} runs)`,
    '',
    '| Shape | raw `mongodump --oplog --archive \\| mongorestore --oplogReplay --archive` | action, streamed migrate, `consistent: true` | ratio |',
    '| --- | --- | --- | --- |'
  ]
  for (const r of results) {
    const raw = median(r.raw)
    const action = median(r.action)
    lines.push(
      `| ${r.shape} | ${fmtS(raw)} s | ${fmtS(action)} s | ${(action / raw).toFixed(2)}x |`
    )
  }
  return lines.join('\n')
}
