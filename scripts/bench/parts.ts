// `node --import tsx scripts/bench/parts.ts`: a split migration (plan → 3 parts at once →
// verify) against one migrate of the same data, both through the bundle as a runner runs it,
// on real mongods. On one machine the parts share its cores and disk, so they cannot be faster
// than one migrate; what this measures is each part's own rate and the fixed cost of the plan
// and verify jobs, from which the time on N runners is modelled:
//   T(N runners) ≈ plan + max over parts(bytes of the part) / r + verify,
// r being one migrate's rate alone on one runner. BENCH_PARTS_DOCS sets the size (default 100000).
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { ObjectId } from 'mongodb'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  withClient
} from '../../__tests__/support/testbed.ts'
import { runAction, type ActionRun } from '../../__tests__/support/run-action.ts'

const DOCS = Number(process.env['BENCH_PARTS_DOCS'] ?? 100_000)
const PARTS = 3
const APP = 'bench-app-password'

async function timedRun(inputs: Record<string, string>): Promise<{ run: ActionRun; s: number }> {
  const t0 = performance.now()
  const run = await runAction(inputs)
  const s = (performance.now() - t0) / 1000
  if (run.exitCode !== 0) throw new Error(`${inputs['mode']} failed:\n${run.stdout}\n${run.stderr}`)
  return { run, s }
}

async function main(): Promise<void> {
  const [source, split, single] = await Promise.all([startServer(), startServer(), startServer()])
  try {
    for (const t of [split, single]) await createUser(t, 'shop', 'app', APP, ['readWrite'])
    await withClient(source.rootUri, async (c) => {
      const pad = 'x'.repeat(180)
      for (let i = 0; i < DOCS; i += 10_000) {
        const n = Math.min(10_000, DOCS - i)
        await c
          .db('shop')
          .collection('orders')
          .insertMany(Array.from({ length: n }, (_, k) => ({ _id: new ObjectId(), n: i + k, pad })))
      }
      await c.db('shop').collection('orders').createIndex({ n: 1 })
      for (const name of ['customers', 'products']) {
        await c
          .db('shop')
          .collection(name)
          .insertMany(Array.from({ length: DOCS / 20 }, (_, k) => ({ k, pad })))
      }
    })
    const base = (target: typeof split) => ({
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'shop'),
      'tools-path': binaries().toolsDir
    })
    const one = await timedRun({ ...base(single), mode: 'migrate' })
    const plan = await timedRun({ ...base(split), mode: 'plan', parts: String(PARTS) })
    const matrix = JSON.parse(plan.run.outputs['matrix'] as string).include as {
      part: string
      namespaces: string
    }[]
    const planDoc = JSON.parse(plan.run.outputs['plan'] as string) as {
      namespaces: { part: string; bytes: number }[]
    }
    const t0 = performance.now()
    const parts = await Promise.all(
      matrix.map(async (m) => ({
        ...m,
        ...(await timedRun({ ...base(split), mode: 'migrate', namespaces: m.namespaces }))
      }))
    )
    const partsWall = (performance.now() - t0) / 1000
    const verify = await timedRun({
      ...base(split),
      mode: 'verify',
      plan: plan.run.outputs['plan'] as string
    })

    const mb = (bytes: number) => bytes / 1e6
    const totalBytes = planDoc.namespaces.reduce((n, p) => n + p.bytes, 0)
    const bytesOf = (part: string) =>
      planDoc.namespaces.filter((p) => p.part === part).reduce((n, p) => n + p.bytes, 0)
    const rate = mb(totalBytes) / one.s
    const rows = [
      ['one migrate', fmt(one.s), `${mb(totalBytes).toFixed(1)} MB`, `${rate.toFixed(1)} MB/s`],
      ['plan', fmt(plan.s), '', ''],
      ...parts.map((p) => [
        `part ${p.part} (of ${PARTS} at once)`,
        fmt(p.s),
        `${mb(bytesOf(p.part)).toFixed(1)} MB`,
        `${(mb(bytesOf(p.part)) / p.s).toFixed(1)} MB/s`
      ]),
      [
        `${PARTS} parts at once (wall)`,
        fmt(partsWall),
        `${mb(totalBytes).toFixed(1)} MB`,
        `${(mb(totalBytes) / partsWall).toFixed(1)} MB/s`
      ],
      ['verify', fmt(verify.s), '', ''],
      ['split total (plan + parts + verify)', fmt(plan.s + partsWall + verify.s), '', '']
    ]
    const largest = Math.max(...matrix.map((m) => bytesOf(m.part)))
    const modelled = plan.s + mb(largest) / rate + verify.s
    console.log(
      `\n${DOCS} orders + ${DOCS / 10} small documents, ${availableParallelism()} cores, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`
    )
    console.log('| Run | Time | Data | Rate |\n| --- | ---: | ---: | ---: |')
    for (const r of rows) console.log(`| ${r.join(' | ')} |`)
    console.log(
      `\nModel on ${PARTS} runners (each part alone at one migrate's rate, ${rate.toFixed(1)} MB/s): ` +
        `plan ${fmt(plan.s)} + largest part ${mb(largest).toFixed(1)} MB / rate + verify ${fmt(verify.s)} = ${fmt(modelled)}, ` +
        `against ${fmt(one.s)} for one migrate.`
    )
  } finally {
    await stopAllServers()
  }
}

function fmt(s: number): string {
  return `${s.toFixed(1)} s`
}

await main()
