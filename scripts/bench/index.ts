// `npm run bench`: the action measured against the raw tools and a JavaScript peer, on real
// mongods, at two dataset sizes. Prints the tables and writes them into docs/benchmarks.md
// (between the bench markers; the hand-written text around them is kept).
//
// Environment:
//   BENCH_SIZES=200000,1000000  documents per size (default), ~510 B each, 6 collections
//   BENCH_REPEAT=3              runs of each row per size (medians and min–max are reported)
//   BENCH_ROWS=baseline,stream,archive,peer   rows to run (default: all; ratios are to the first)
//   BENCH_TUNE=1                also measure the tuning grid (mongorestore options, gzip, index
//                               builds) at the largest size: ~15 more minutes
//   BENCH_SEED=42               seed of the generated dataset
//   BENCH_OUT=docs/benchmarks.md   where to write ('-' writes nothing)
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import * as prettier from 'prettier'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  type MongoServer
} from '../../__tests__/support/testbed.ts'
import { nodeRuntimes, repoRoot, runAction } from '../../__tests__/support/run-action.ts'

// ---------------------------------------------------------------------------------------------
// Settings

const SIZES = (process.env.BENCH_SIZES ?? '200000,1000000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3) || 3)
const TUNE = process.env.BENCH_TUNE === '1'
const SEED = Number(process.env.BENCH_SEED ?? 42) || 42
/** Rows to run (the baseline comes first, ratios are to the first row). */
const ROWS = (process.env.BENCH_ROWS ?? 'baseline,stream,archive,peer').split(',')
const OUT = process.env.BENCH_OUT ?? join(repoRoot, 'docs', 'benchmarks.md')

const DB = 'bench'
/** Collections of the dataset and their share of the documents. */
const COLLECTIONS: [string, number][] = [
  ['orders', 0.3],
  ['events', 0.25],
  ['customers', 0.15],
  ['invoices', 0.15],
  ['sessions', 0.1],
  ['products', 0.05]
]
/** Collections of the "wide" database used to show how verification scales with collections. */
const WIDE_COLLECTIONS = 60
const APP_PASSWORD = randomBytes(18).toString('hex')
const PEER_PASSWORD = randomBytes(18).toString('hex')

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const fmtS = (ms: number) => (ms / 1000).toFixed(1)
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Peak resident set (VmHWM) of a running process, polled from /proc every 20 ms. */
function watchPeakRss(pid: number): () => number | undefined {
  let peakKb: number | undefined
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1])
      if (kb) peakKb = Math.max(peakKb ?? 0, kb)
    } catch {
      // gone
    }
  }
  read()
  const timer = setInterval(read, 20)
  return () => {
    clearInterval(timer)
    return peakKb === undefined ? undefined : peakKb / 1024
  }
}

/** Runs a command; resolves with its wall time, exit code, output and the peak RSS (MB). */
function timed(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env
): Promise<{ ms: number; code: number | null; out: string; peakMb: number | undefined }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(bin, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    const stopWatch = watchPeakRss(child.pid as number)
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ ms: performance.now() - started, code, out, peakMb: stopWatch() })
    )
  })
}

// ---------------------------------------------------------------------------------------------
// The dataset: deterministic from the seed

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut ' +
  'labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris ' +
  'nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse ' +
  'cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui'
).split(' ')
const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'returned', 'cancelled']
const CITIES = ['Lyon', 'Porto', 'Gdansk', 'Leeds', 'Graz', 'Turku', 'Bari', 'Ghent', 'Cork']
const EPOCH = Date.UTC(2023, 0, 1)

function makeDoc(rand: () => number, c: number, i: number) {
  const int = (n: number) => Math.floor(rand() * n)
  const words = (n: number) => Array.from({ length: n }, () => WORDS[int(WORDS.length)]).join(' ')
  const id = Buffer.alloc(12)
  id.writeUInt32BE(0x65000000 + c, 0)
  id.writeUInt32BE(Math.floor(i / 0x100000000), 4)
  id.writeUInt32BE(i >>> 0, 8)
  const customer = int(100_000)
  return {
    _id: new ObjectId(id),
    n: i,
    customer: `cust-${customer}`,
    email: `user${customer}@example.org`,
    status: STATUSES[int(STATUSES.length)],
    amount: int(10_000_000) / 100,
    quantity: 1 + int(20),
    createdAt: new Date(EPOCH + int(365 * 86_400_000)),
    tags: [WORDS[int(WORDS.length)], WORDS[int(WORDS.length)], WORDS[int(WORDS.length)]],
    address: {
      street: `${1 + int(300)} ${words(2)} street`,
      city: CITIES[int(CITIES.length)],
      zip: String(10_000 + int(89_999))
    },
    note: words(36)
  }
}

function collectionSizes(total: number): number[] {
  const sizes = COLLECTIONS.map(([, share]) => Math.floor(total * share))
  sizes[0]! += total - sizes.reduce((a, b) => a + b, 0)
  return sizes
}

async function generate(server: MongoServer, total: number): Promise<DatasetStats> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 4 })
  try {
    const db = client.db(DB)
    await db.dropDatabase()
    const sizes = collectionSizes(total)
    for (const [c, [name]] of COLLECTIONS.entries()) {
      const rand = mulberry32(SEED * 1000 + c)
      const coll = db.collection(name)
      const count = sizes[c] as number
      const batch = 5000
      let inFlight: Promise<unknown>[] = []
      for (let start = 0; start < count; start += batch) {
        const docs = []
        for (let i = start; i < Math.min(count, start + batch); i++) docs.push(makeDoc(rand, c, i))
        inFlight.push(coll.insertMany(docs, { ordered: false }))
        if (inFlight.length >= 2) {
          await Promise.all(inFlight)
          inFlight = []
        }
      }
      await Promise.all(inFlight)
      await coll.createIndexes([
        { key: { customer: 1, createdAt: -1 } },
        { key: { status: 1, amount: -1 } }
      ])
    }
    return await datasetStats(db)
  } finally {
    await client.close()
  }
}

interface DatasetStats {
  documents: number
  collections: number
  indexes: number
  dataMb: number
  avgObjSize: number
}

async function datasetStats(db: Db): Promise<DatasetStats> {
  const stats = await db.stats()
  let indexes = 0
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    indexes += (await db.collection(name).listIndexes().toArray()).length
  }
  return {
    documents: stats.objects,
    collections: stats.collections,
    indexes,
    dataMb: stats.dataSize / 1024 / 1024,
    avgObjSize: stats.avgObjSize
  }
}

// ---------------------------------------------------------------------------------------------
// Servers, users, and emptying the target between runs

interface Bed {
  source: MongoServer
  target: MongoServer
  sourceClient: MongoClient
  targetClient: MongoClient
  dir: string
  sourceConfig: string
  targetConfig: string
}

async function setUp(): Promise<Bed> {
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

const SYSTEM_DBS = ['admin', 'local', 'config']

/** Drops every user database of the target, so that every run does the same work. */
async function emptyTarget(bed: Bed): Promise<void> {
  const { databases } = await bed.targetClient.db('admin').admin().listDatabases()
  for (const { name } of databases) {
    if (!SYSTEM_DBS.includes(name)) await bed.targetClient.db(name).dropDatabase()
  }
}

/** Checks that a run restored the whole dataset: counts and indexes per collection. */
async function checkCopy(bed: Bed, row: string, indexes = true): Promise<void> {
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
    if (a !== b || (indexes && ia.length !== ib.length)) {
      throw new Error(
        `${row}: ${DB}.${name} has ${b} documents and ${ib.length} indexes on the target, ${a} and ${ia.length} on the source`
      )
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rows

interface Sample {
  ms: number
  peakMb?: number
  probeMs?: number
  phases?: Record<string, number>
}

interface Row {
  name: string
  /** false: the row does not restore indexes, so only counts are checked. */
  indexes?: boolean
  /** Runs once; the target is empty before and checked after. */
  run: (bed: Bed) => Promise<Sample>
}

function baselineRow(): Row {
  return {
    name: 'baseline: `mongodump --archive | mongorestore --archive`',
    run: async (bed) => {
      const { mongodump, mongorestore } = binaries()
      const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
      const script =
        `${q(mongodump)} --config=${q(bed.sourceConfig)} --archive | ` +
        `${q(mongorestore)} --config=${q(bed.targetConfig)} --archive`
      const r = await timed('bash', ['-o', 'pipefail', '-c', script])
      if (r.code !== 0) throw new Error(`baseline exited ${r.code}:\n${r.out.slice(-2000)}`)
      return { ms: r.ms }
    }
  }
}

function node24(): string {
  return nodeRuntimes()[1]!.bin
}

function actionRow(name: string, extra: (bed: Bed) => Record<string, string> = () => ({})): Row {
  return {
    name,
    run: async (bed) => {
      const inputs = {
        'source-uri': bed.source.rootUri,
        'target-uri': bed.target.rootUri,
        'app-uri': bed.target.uri('app', APP_PASSWORD, 'admin'),
        'app-privileges': `${DB}: readWrite`,
        'tools-path': binaries().toolsDir,
        'timeout-minutes': '60',
        'probe-timeout-seconds': '10',
        ...extra(bed)
      }
      let started = 0
      let stopWatch: () => number | undefined = () => undefined
      const run = await runAction(inputs, {
        node: node24(),
        onSpawn: (pid) => {
          started = performance.now()
          stopWatch = watchPeakRss(pid)
        }
      })
      const ms = performance.now() - started
      const peakMb = stopWatch()
      if (run.exitCode !== 0 || run.outputs['status'] !== 'passed') {
        const lines = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'))
        throw new Error(`${name}: exit ${run.exitCode}\n${lines.slice(-40).join('\n')}`)
      }
      const report = run.report as {
        probes: { before: { durationMs: number }[] }
        phases: { name: string; durationMs: number }[]
      }
      const phases = Object.fromEntries(report.phases.map((p) => [p.name, p.durationMs]))
      return { ms, peakMb, probeMs: report.probes.before[0]?.durationMs, phases }
    }
  }
}

function archiveActionRow(): Row {
  // The action writes a dump to disk as a directory, one mongodump dump per database.
  const file = (bed: Bed) => join(bed.dir, 'action.dump')
  const row = actionRow('action, dump on disk (dump, then restore)', (bed) => ({
    archive: file(bed)
  }))
  return {
    ...row,
    run: async (bed) => {
      try {
        return await row.run(bed)
      } finally {
        rmSync(file(bed), { force: true, recursive: true })
      }
    }
  }
}

/** node-mongotools 2.2.12 run in its own Node process, as an app would call it. */
function peerRow(): Row {
  const script = `
    import { MongoTools } from 'node-mongotools'
    const e = process.env
    const common = { host: '127.0.0.1', username: 'peer', password: e.PEER_PASSWORD, authDb: 'admin', db: '${DB}' }
    const mt = new MongoTools()
    const dump = await mt.mongodump({ ...common, port: Number(e.SOURCE_PORT), path: e.PEER_DIR, dumpCmd: e.MONGODUMP })
    await mt.mongorestore({ ...common, port: Number(e.TARGET_PORT), dumpFile: dump.fullFileName, restoreCmd: e.MONGORESTORE, deleteDumpAfterRestore: true })
  `
  return {
    name: 'peer: node-mongotools 2.2.12 (dump to .gz archive, restore)',
    run: async (bed) => {
      const peerDir = join(bed.dir, `peer-${Date.now()}`)
      const env = {
        ...process.env,
        PEER_PASSWORD,
        SOURCE_PORT: String(bed.source.port),
        TARGET_PORT: String(bed.target.port),
        PEER_DIR: peerDir,
        MONGODUMP: binaries().mongodump,
        MONGORESTORE: binaries().mongorestore
      }
      const r = await timed(node24(), ['--input-type=module', '-e', script], env)
      rmSync(peerDir, { recursive: true, force: true })
      if (r.code !== 0) throw new Error(`peer exited ${r.code}:\n${r.out.slice(-2000)}`)
      return { ms: r.ms, peakMb: r.peakMb }
    }
  }
}

interface Result {
  row: string
  samples: Sample[]
  note?: string
}

/** Runs every row `repeat` times, round-robin, so that drift in load hits all rows alike. */
async function measureRows(bed: Bed, rows: Row[], repeat: number): Promise<Result[]> {
  const results: Result[] = rows.map((r) => ({ row: r.name, samples: [] }))
  for (let rep = 1; rep <= repeat; rep++) {
    for (const [i, row] of rows.entries()) {
      await emptyTarget(bed)
      await sleep(500)
      const before = loadavg()
      const sample = await row.run(bed)
      await checkCopy(bed, row.name, row.indexes)
      results[i]!.samples.push(sample)
      log(`  ${rep}/${repeat} ${row.name}: ${fmtS(sample.ms)} s (load ${before})`)
    }
  }
  await emptyTarget(bed)
  return results
}

// ---------------------------------------------------------------------------------------------
// Verification cost: what a verify step reads per collection, on source and target

interface VerifyCost {
  label: string
  collections: number
  documents: number
  /** ms for estimatedDocumentCount + listIndexes of every collection, on both servers. */
  metadataMs: number
  /** ms for countDocuments({}) of every collection, on both servers. */
  exactCountMs: number
}

async function verifyCost(bed: Bed, db: string, label: string): Promise<VerifyCost> {
  const names = (
    await bed.sourceClient.db(db).listCollections({}, { nameOnly: true }).toArray()
  ).map((c) => c.name)
  const clients = [bed.sourceClient, bed.targetClient]
  const documents = (await bed.sourceClient.db(db).stats()).objects as number
  const metadata: number[] = []
  const exact: number[] = []
  for (let rep = 0; rep < Math.max(3, REPEAT); rep++) {
    let t = performance.now()
    for (const client of clients) {
      for (const name of names) {
        const coll = client.db(db).collection(name)
        await coll.estimatedDocumentCount()
        await coll.listIndexes().toArray()
      }
    }
    metadata.push(performance.now() - t)
    t = performance.now()
    for (const client of clients) {
      for (const name of names) await client.db(db).collection(name).countDocuments({})
    }
    exact.push(performance.now() - t)
  }
  return {
    label,
    collections: names.length,
    documents,
    metadataMs: median(metadata),
    exactCountMs: median(exact)
  }
}

/** The dataset restored onto the target, plus a wide database (many small collections) on both. */
async function measureVerify(bed: Bed, size: number): Promise<VerifyCost[]> {
  await emptyTarget(bed)
  const { mongodump, mongorestore } = binaries()
  const r = await timed('bash', [
    '-o',
    'pipefail',
    '-c',
    `'${mongodump}' --config='${bed.sourceConfig}' --db=${DB} --archive | '${mongorestore}' --config='${bed.targetConfig}' --archive`
  ])
  if (r.code !== 0) throw new Error(`restore for verify failed:\n${r.out.slice(-2000)}`)
  const costs = [await verifyCost(bed, DB, `${fmtInt(size)} documents`)]
  if (size === SIZES[0]) {
    for (const client of [bed.sourceClient, bed.targetClient]) {
      const db = client.db('wide')
      await db.dropDatabase()
      for (let c = 0; c < WIDE_COLLECTIONS; c++) {
        const coll = db.collection(`c${c}`)
        await coll.insertMany(Array.from({ length: 100 }, (_, i) => ({ n: i, s: `s${i % 7}` })))
        await coll.createIndexes([{ key: { n: 1 } }, { key: { s: 1 } }])
      }
    }
    costs.push(await verifyCost(bed, 'wide', `${WIDE_COLLECTIONS} collections × 100 documents`))
    await bed.sourceClient.db('wide').dropDatabase()
  }
  await emptyTarget(bed)
  return costs
}

// ---------------------------------------------------------------------------------------------
// Tuning grid (BENCH_TUNE=1): the action's streamed migrate with each option set explicitly

function tuningRows(): Row[] {
  const variant = (label: string, inputs: Record<string, string>) => actionRow(label, () => inputs)
  return [
    variant('mongorestore tool defaults (-j 4, 1 insertion worker), no gzip', {
      'mongorestore-options': '--numParallelCollections=4 --numInsertionWorkersPerCollection=1'
    }),
    variant("the action's defaults (--numInsertionWorkersPerCollection=2)", {}),
    variant('--numInsertionWorkersPerCollection=4', {
      'mongorestore-options': '--numInsertionWorkersPerCollection=4'
    }),
    variant('mongorestore -j 2', { 'mongorestore-options': '--numParallelCollections=2' }),
    variant('mongorestore -j 6 (one per collection)', {
      'mongorestore-options': '--numParallelCollections=6'
    }),
    variant('gzip on the stream', { gzip: 'true' }),
    {
      ...variant('--noIndexRestore (share of the index builds; not a valid default)', {
        'mongorestore-options': '--noIndexRestore'
      }),
      indexes: false
    }
  ]
}

// ---------------------------------------------------------------------------------------------
// Tables

interface SizeResult {
  size: number
  stats: DatasetStats
  results: Result[]
  verify: VerifyCost[]
  load: { before: string; after: string }
  minutes: number
}

/** A table cell: a pipe, even inside backticks, would end the cell in GitHub's Markdown. */
const cell = (text: string) => text.replace(/\|/g, '\\|')

const spread = (xs: number[]) =>
  xs.length > 1 ? `${fmtS(Math.min(...xs))}–${fmtS(Math.max(...xs))}` : '–'

function mainTable(sr: SizeResult): string {
  const base = median(sr.results[0]!.samples.map((s) => s.ms))
  const lines = [
    `| Row | Wall s, median | min–max | docs/s | MB/s | Peak RSS of the Node process, MB | Cold probe, ms | vs baseline |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`
  ]
  for (const r of sr.results) {
    if (r.note !== undefined) {
      lines.push(`| ${cell(r.row)} | ${r.note} | | | | | | |`)
      continue
    }
    const ms = r.samples.map((s) => s.ms)
    const med = median(ms)
    const rss = r.samples.map((s) => s.peakMb).filter((x): x is number => x !== undefined)
    const probe = r.samples.map((s) => s.probeMs).filter((x): x is number => x !== undefined)
    lines.push(
      `| ${cell(r.row)} | ${fmtS(med)} | ${spread(ms)} | ${fmtInt(sr.stats.documents / (med / 1000))} | ` +
        `${(sr.stats.dataMb / (med / 1000)).toFixed(1)} | ` +
        `${rss.length ? `${Math.max(...rss).toFixed(0)} (max)` : 'n/a (no Node)'} | ` +
        `${probe.length ? median(probe).toFixed(0) : '–'} | ${(med / base).toFixed(3)} |`
    )
  }
  return lines.join('\n')
}

function phaseTable(sr: SizeResult): string {
  const rows = sr.results.filter((r) => r.samples[0]?.phases)
  if (!rows.length) return ''
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.samples[0]!.phases!)))]
  const lines = [
    `| Action row | Whole process | ${names.join(' | ')} | Outside the phases (Node start, tool versions, report) |`,
    `| --- | ---: | ${names.map(() => '---:').join(' | ')} | ---: |`
  ]
  for (const r of rows) {
    const whole = median(r.samples.map((s) => s.ms))
    const per = names.map((n) =>
      r.samples[0]!.phases![n] === undefined
        ? '–'
        : `${median(r.samples.map((s) => s.phases?.[n] ?? 0)).toFixed(0)} ms`
    )
    const outside = median(
      r.samples.map((s) => s.ms - Object.values(s.phases ?? {}).reduce((a, b) => a + b, 0))
    )
    lines.push(
      `| ${cell(r.row)} | ${whole.toFixed(0)} ms | ${per.join(' | ')} | ${outside.toFixed(0)} ms |`
    )
  }
  return lines.join('\n')
}

function verifyTable(all: SizeResult[]): string {
  const lines = [
    '| Checked on source and target | Collections | Documents | estimatedDocumentCount + listIndexes, ms | per collection, ms | countDocuments({}), ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const v of all.flatMap((sr) => sr.verify)) {
    lines.push(
      `| ${v.label} | ${v.collections} | ${fmtInt(v.documents)} | ${v.metadataMs.toFixed(1)} | ` +
        `${(v.metadataMs / v.collections).toFixed(2)} | ${v.exactCountMs.toFixed(1)} |`
    )
  }
  return lines.join('\n')
}

function tuningTable(sr: SizeResult, tune: Result[]): string {
  const base = median(tune[0]!.samples.map((s) => s.ms))
  const lines = [
    `| Streamed migrate of the action, ${fmtInt(sr.size)} documents | Wall s, median | min–max | MB/s | vs tool defaults |`,
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  for (const r of tune) {
    const ms = r.samples.map((s) => s.ms)
    const med = median(ms)
    lines.push(
      `| ${cell(r.row)} | ${fmtS(med)} | ${spread(ms)} | ${(sr.stats.dataMb / (med / 1000)).toFixed(1)} | ${(med / base).toFixed(3)} |`
    )
  }
  return lines.join('\n')
}

function machine(): string {
  const cpu = os.cpus()
  const b = binaries()
  return [
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; shared with other jobs (load averages are given per size).`,
    `- mongod ${b.mongodVersion} (two on loopback, auth on, default WiredTiger settings), mongodump/mongorestore ${b.toolsVersion}.`,
    `- The action: \`dist/index.js\` run under Node ${versionOfNode(node24())} (the action's runtime) as a runner runs it; the bench itself under Node ${process.versions.node}.`,
    `- Dataset: database \`${DB}\`, ${COLLECTIONS.length} collections (${COLLECTIONS.map(([n, s]) => `${n} ${s * 100}%`).join(', ')}), each with \`_id\` and 2 compound secondary indexes; generated from seed ${SEED}.`
  ].join('\n')
}

function versionOfNode(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')
}

function render(
  all: SizeResult[],
  tune: { sr: SizeResult; results: Result[] } | undefined,
  totalMin: number
) {
  const parts: string[] = []
  parts.push(
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with ` +
      `\`${rerunCommand()}\` in ${totalMin.toFixed(1)} minutes.\n\n${machine()}`
  )
  for (const sr of all) {
    parts.push(
      `### ${fmtInt(sr.stats.documents)} documents, ${sr.stats.dataMb.toFixed(0)} MB of BSON ` +
        `(${sr.stats.avgObjSize.toFixed(0)} B each), ${sr.stats.collections} collections, ${sr.stats.indexes} indexes\n\n` +
        `${REPEAT} runs per row, round-robin; load average (1, 5, 15 min) ${sr.load.before} before, ${sr.load.after} after; ${sr.minutes.toFixed(1)} minutes.\n\n` +
        `${mainTable(sr)}\n\nWhere the action's time goes (medians; from its JSON report):\n\n${phaseTable(sr)}`
    )
  }
  parts.push(
    `### Verification cost\n\nMedian of ${Math.max(3, REPEAT)} passes over every collection, on source and target together, with an open client.\n\n${verifyTable(all)}`
  )
  const bench = parts.join('\n\n')
  const tuning = tune
    ? `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`BENCH_TUNE=1 ${rerunCommand()}\`; ` +
      `${REPEAT} runs per row, round-robin; load average ${tune.sr.load.before} before.\n\n${tuningTable(tune.sr, tune.results)}`
    : undefined
  return { bench, tuning }
}

function rerunCommand(): string {
  const env = []
  if (process.env.BENCH_SIZES) env.push(`BENCH_SIZES=${SIZES.join(',')}`)
  if (process.env.BENCH_REPEAT) env.push(`BENCH_REPEAT=${REPEAT}`)
  if (process.env.BENCH_ROWS) env.push(`BENCH_ROWS=${ROWS.join(',')}`)
  return [...env, 'npm run bench'].join(' ')
}

function replaceBetween(text: string, tag: string, content: string): string {
  const begin = `<!-- ${tag}:begin -->`
  const end = `<!-- ${tag}:end -->`
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  const block = `${begin}\n\n${content}\n\n${end}`
  if (i < 0 || j < i) return `${text.trimEnd()}\n\n${block}\n`
  return text.slice(0, i) + block + text.slice(j + end.length)
}

async function writeDocs(bench: string, tuning: string | undefined): Promise<void> {
  if (OUT === '-') return
  mkdirSync(join(OUT, '..'), { recursive: true })
  let text = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmarks\n'
  text = replaceBetween(text, 'bench', bench)
  if (tuning !== undefined) text = replaceBetween(text, 'tuning', tuning)
  // Formatted as `npm run lint` expects, so that a fresh run leaves the tree lint-clean.
  const options = (await prettier.resolveConfig(OUT)) ?? {}
  writeFileSync(OUT, await prettier.format(text, { ...options, filepath: OUT }))
  log(`wrote ${OUT}`)
}

// ---------------------------------------------------------------------------------------------

const PEER_SKIPPED: Result = {
  row: 'peer: @push.rocks/mongodump 1.1.1',
  samples: [],
  note: 'cannot do the job: no restore; its archive methods are empty; JSON.stringify per document loses BSON types (ObjectId, Date) and writes one file per document'
}

async function main(): Promise<void> {
  const t0 = performance.now()
  if (!SIZES.length) throw new Error('BENCH_SIZES has no valid size')
  const b = binaries()
  log(
    `mongod ${b.mongodVersion}, tools ${b.toolsVersion}, sizes ${SIZES.join(', ')}, repeat ${REPEAT}${TUNE ? ', tuning' : ''}`
  )
  if (!existsSync(join(repoRoot, 'dist', 'index.js')))
    throw new Error('No dist/index.js: run npm run build')
  const bed = await setUp()
  const all: SizeResult[] = []
  let tune: { sr: SizeResult; results: Result[] } | undefined
  try {
    for (const size of SIZES) {
      const ts = performance.now()
      log(`generating ${fmtInt(size)} documents (load ${loadavg()})`)
      const stats = await generate(bed.source, size)
      log(
        `  ${fmtInt(stats.documents)} documents, ${stats.dataMb.toFixed(0)} MB, ${fmtS(performance.now() - ts)} s`
      )
      const before = loadavg()
      const t1 = performance.now()
      const rows = [
        ['baseline', baselineRow()],
        ['stream', actionRow('action: streamed migrate, probes included')],
        ['archive', archiveActionRow()],
        ['peer', peerRow()]
      ] as const
      const chosen = rows.filter(([key]) => ROWS.includes(key)).map(([, row]) => row)
      const results = await measureRows(bed, chosen, REPEAT)
      if (ROWS.includes('peer')) results.push(PEER_SKIPPED)
      log('  verification cost')
      const verify = await measureVerify(bed, size)
      const sr: SizeResult = {
        size,
        stats,
        results,
        verify,
        load: { before, after: loadavg() },
        minutes: (performance.now() - t1) / 60_000
      }
      all.push(sr)
      console.log(`\n${fmtInt(size)} documents\n${mainTable(sr)}\n\n${phaseTable(sr)}\n`)
      if (TUNE && size === Math.max(...SIZES)) {
        log('  tuning grid')
        const load = loadavg()
        const results = await measureRows(bed, tuningRows(), REPEAT)
        tune = { sr: { ...sr, load: { before: load, after: loadavg() } }, results }
        console.log(`${tuningTable(sr, results)}\n`)
      }
    }
    console.log(verifyTable(all))
    const { bench, tuning } = render(all, tune, (performance.now() - t0) / 60_000)
    await writeDocs(bench, tuning)
    log(`total ${((performance.now() - t0) / 60_000).toFixed(1)} minutes`)
  } finally {
    await bed.sourceClient.close()
    await bed.targetClient.close()
    rmSync(bed.dir, { recursive: true, force: true })
    await stopAllServers()
  }
}

await main()
