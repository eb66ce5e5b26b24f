// The catch-up of a live migration (issue 21), measured: a source replica set holding the
// dataset, the target a copy of it at T (a raw dump and restore, taken before any write), then
// BENCH_CATCHUP_WRITES writes on the source after T (inserts, updates, deletes). Measured:
// - the catch-up rate: oplog entries per second the action's catch-up applies (its "Catch up"
//   phase), beside a raw `mongorestore --oplogReplay --oplogFile` of the same entries into a
//   second copy (database bench_raw on the same target);
// - the downtime: from "the writes stopped" (the last write acknowledged) to "verified" (the
//   action's catch-up with cutover exits 0: the last entries applied, counts, options, sample,
//   users and the cold probe checked).
// May import: dataset.ts, measure.ts (and the test support).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { BSON, MongoClient, type Document, type Timestamp } from 'mongodb'
import {
  binaries,
  createUser,
  startReplicaSet,
  type ReplicaSet
} from '../../__tests__/support/testbed.ts'
import { runAction } from '../../__tests__/support/run-action.ts'
import { COLLECTIONS, DB, generate } from './dataset.ts'
import { fmtInt, fmtS, loadavg, log, mustSucceed, timed } from './measure.ts'

const RAW_DB = `${DB}_raw`
const APP_PASSWORD = 'bench-app-Pw-7'
/** Writes the application makes between the catch-up that ran beside it and its maintenance. */
const LAST_BURST = 1000

export interface CatchUpResult {
  documents: number
  writes: number
  entries: number
  actionRate: number
  actionCatchUpMs: number
  rawRate: number
  rawMs: number
  downtimeMs: number
  /** The recommended workflow: backlog applied before, LAST_BURST writes left at maintenance. */
  workflowDowntimeMs: number
  phases: { name: string; durationMs: number }[]
  quietSeconds: number
  load: string
}

export async function measureCatchUp(
  documents: number,
  writes: number,
  seed: number,
  node: string
): Promise<CatchUpResult> {
  const load = loadavg()
  const [source, target] = await Promise.all([startReplicaSet(1), startReplicaSet(1)])
  const dir = join(source.primary.dbpath, '..', `bench-catch-up-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  try {
    await createUser(target.primary, 'admin', 'app', APP_PASSWORD, [{ role: 'readWrite', db: DB }])
    log(`  catch-up: generating ${fmtInt(documents)} documents on a replica set`)
    await generate(source.primary, documents, seed)
    const t = await newest(source)
    await copyTwice(source, target, dir)
    log(`  catch-up: ${fmtInt(writes)} writes after T`)
    await writeAfterT(source, writes)
    const stopped = performance.now()
    // The action first: the downtime is measured from the last write, as a cutover sees it.
    const quietSeconds = 2
    const inputs = {
      mode: 'catch-up',
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP_PASSWORD, 'admin'),
      databases: DB,
      'consistent-at': `${t.high}:${t.low}`,
      cutover: 'true',
      'quiet-seconds': String(quietSeconds),
      'tools-path': binaries().toolsDir
    }
    const run = await runAction(inputs, { node })
    const downtimeMs = performance.now() - stopped
    if (run.exitCode !== 0) throw new Error(`catch-up exited ${run.exitCode}:\n${run.stdout}`)
    const phases = (run.report?.['phases'] ?? []) as { name: string; durationMs: number }[]
    const catchUp = phases.find((p) => p.name === 'Catch up')?.durationMs ?? NaN
    const entries = Number(run.outputs['entries-applied'])
    const raw = await rawReplay(source, target, t, dir)
    // The workflow's own cutover: the backlog is already applied (by the run above, as by a
    // catch-up while the app still runs); the app writes a last burst, then goes into maintenance.
    await writeAfterT(source, LAST_BURST)
    const burstStopped = performance.now()
    const cutover = await runAction(
      { ...inputs, 'consistent-at': run.outputs['consistent-at'] ?? '' },
      { node }
    )
    const workflowDowntimeMs = performance.now() - burstStopped
    if (cutover.exitCode !== 0)
      throw new Error(`cutover exited ${cutover.exitCode}:\n${cutover.stdout}`)
    return {
      documents,
      writes,
      entries,
      actionRate: entries / (catchUp / 1000),
      actionCatchUpMs: catchUp,
      rawRate: raw.entries / (raw.ms / 1000),
      rawMs: raw.ms,
      downtimeMs,
      workflowDowntimeMs,
      phases,
      quietSeconds,
      load: `${load} → ${loadavg()}`
    }
  } finally {
    await Promise.all([source.stop(), target.stop()])
  }
}

async function newest(rs: ReplicaSet): Promise<Timestamp> {
  return withClient(rs.rootUri, async (c) => {
    const [e] = await c
      .db('local')
      .collection('oplog.rs')
      .find({})
      .sort({ $natural: -1 })
      .limit(1)
      .toArray()
    return e!['ts'] as Timestamp
  })
}

/** One dump of `bench` at T, restored as `bench` (for the action) and `bench_raw` (for the raw replay). */
async function copyTwice(source: ReplicaSet, target: ReplicaSet, dir: string): Promise<void> {
  const { mongodump, mongorestore } = binaries()
  const archive = join(dir, 'bench.archive')
  const config = (name: string, uri: string) => {
    const file = join(dir, `${name}.json`)
    writeFileSync(file, JSON.stringify({ uri }), { mode: 0o600 })
    return `--config=${file}`
  }
  const [src, dst] = [config('source', source.rootUri), config('target', target.rootUri)]
  const t0 = performance.now()
  mustSucceed('dump', await timed(mongodump, [src, `--db=${DB}`, `--archive=${archive}`]))
  mustSucceed('restore', await timed(mongorestore, [dst, `--archive=${archive}`]))
  mustSucceed(
    'restore raw',
    await timed(mongorestore, [
      dst,
      `--archive=${archive}`,
      `--nsFrom=${DB}.*`,
      `--nsTo=${RAW_DB}.*`
    ])
  )
  log(`  catch-up: the copy at T, twice, ${fmtS(performance.now() - t0)} s`)
}

/** Inserts, updates and deletes on the source's first collection, 1000 to a bulk write. */
async function writeAfterT(source: ReplicaSet, writes: number): Promise<void> {
  await withClient(source.rootUri, async (c) => {
    const coll = c.db(DB).collection(COLLECTIONS[0]![0])
    const ids = (
      await coll
        .find({}, { projection: { _id: 1 } })
        .limit(writes)
        .toArray()
    ).map((d) => d._id)
    for (let done = 0; done < writes;) {
      const ops = []
      for (let k = 0; k < 1000 && done < writes; k++, done++) {
        const id = ids[done % ids.length]
        if (done % 10 < 4)
          ops.push({ updateOne: { filter: { _id: id }, update: { $set: { status: `w${done}` } } } })
        else if (done % 10 < 7)
          ops.push({ insertOne: { document: { after: done, pad: 'x'.repeat(400) } } })
        else ops.push({ deleteOne: { filter: { _id: id } } })
      }
      await coll.bulkWrite(ops as never, { ordered: true })
    }
  })
}

/** The same entries (bench's, after T) as one BSON file replayed by mongorestore into bench_raw. */
async function rawReplay(
  source: ReplicaSet,
  target: ReplicaSet,
  t: Timestamp,
  dir: string
): Promise<{ entries: number; ms: number }> {
  const entries: Document[] = await withClient(source.rootUri, (c) =>
    c
      .db('local')
      .collection('oplog.rs')
      .find(
        { ts: { $gt: t }, ns: { $regex: `^${DB}\\.` } },
        { promoteValues: false, promoteLongs: false, bsonRegExp: true }
      )
      .toArray()
  )
  const file = join(dir, 'raw-oplog.bson')
  writeFileSync(
    file,
    Buffer.concat(
      entries.map((e) =>
        BSON.serialize({ ...e, ns: `${RAW_DB}${String(e['ns']).slice(DB.length)}` })
      )
    )
  )
  const empty = join(dir, 'empty')
  mkdirSync(empty, { recursive: true })
  const config = join(dir, 'target.json')
  const run = mustSucceed(
    'raw oplog replay',
    await timed(binaries().mongorestore, [
      `--config=${config}`,
      '--oplogReplay',
      `--oplogFile=${file}`,
      `--dir=${empty}`
    ])
  )
  return { entries: entries.length, ms: run.ms }
}

async function withClient<T>(uri: string, fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { maxPoolSize: 2 })
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

/** The table for docs/benchmarks.md. */
export function catchUpTable(r: CatchUpResult): string {
  const phase = (name: string) => fmtS(r.phases.find((p) => p.name === name)?.durationMs ?? NaN)
  return [
    `${fmtInt(r.documents)} documents copied at T, ${fmtInt(r.writes)} writes after T (${fmtInt(r.entries)} oplog entries of the plan); load ${r.load}.`,
    '',
    '| What | Entries | Time (s) | Entries/s |',
    '| --- | --- | --- | --- |',
    `| Action, "Catch up" phase (read, filter, batches of 10 000 through mongorestore, then the count check at the T reached) | ${fmtInt(r.entries)} | ${fmtS(r.actionCatchUpMs)} | ${fmtInt(r.actionRate)} |`,
    `| Raw \`mongorestore --oplogReplay --oplogFile\` of the same entries | ${fmtInt(r.entries)} | ${fmtS(r.rawMs)} | ${fmtInt(r.rawRate)} |`,
    '',
    `From "writes stopped" to "verified" (catch-up with \`cutover: true\`, \`quiet-seconds: ${r.quietSeconds}\`): **${fmtS(r.downtimeMs)} s**, of which: ` +
      [
        'Check T and the target',
        'Catch up',
        'Cut over: wait for the source to stop writing',
        'Verify'
      ]
        .map((n) => `${n} ${phase(n)} s`)
        .join(', ') +
      '; the rest is start-up, the probes and reading the source.',
    '',
    `The workflow's downtime (a catch-up without cutover applied the backlog while the app ran; ${fmtInt(LAST_BURST)} writes left when the app went into maintenance; then catch-up with \`cutover: true\`): **${fmtS(r.workflowDowntimeMs)} s** from "writes stopped" to "verified".`
  ].join('\n')
}
