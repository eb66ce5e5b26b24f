// What the copy check costs: the options and indexes check (one listCollections per database,
// listIndexes and a count per collection) and the 100-document sample, per collection, against
// two local mongods holding the same data. Prints a Markdown table.
//   node --import tsx scripts/verify-cost.ts     (VERIFY_COST_DOCS, VERIFY_COST_COLLECTIONS)
import { BSON } from 'mongodb'
import { startServer, stopAllServers, withClient } from '../__tests__/support/testbed.ts'
import { MongoUri } from '../src/secrets.ts'
import { copyCheck } from './bench/verify-cost.ts'
import type { SampleSize } from '../src/server/sample.ts'

const DOCUMENTS = Number(process.env['VERIFY_COST_DOCS'] ?? 10_000)
const COLLECTIONS = Number(process.env['VERIFY_COST_COLLECTIONS'] ?? 8)
const REPEAT = 3

/** The same documents on both sides: ObjectId-like _ids, a date, a long, a nested array. */
function documents(collection: number): Record<string, unknown>[] {
  return Array.from({ length: DOCUMENTS }, (_, i) => ({
    _id: new BSON.ObjectId(((collection << 24) + i).toString(16).padStart(24, '0')),
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    n: BSON.Long.fromNumber(i * 7),
    name: `customer-${i % 997}`,
    lines: [{ sku: `s${i % 50}`, qty: i % 5, price: (i % 100) / 4 }],
    pad: 'x'.repeat(200)
  }))
}

async function main(): Promise<void> {
  const [source, target] = await Promise.all([startServer(), startServer()])
  try {
    const names = Array.from({ length: COLLECTIONS }, (_, i) => `bench.c${i}`)
    for (const server of [source, target]) {
      await withClient(server.rootUri, async (client) => {
        for (const [i, ns] of names.entries()) {
          const collection = client.db('bench').collection(ns.slice('bench.'.length))
          await collection.insertMany(documents(i))
          await collection.createIndex({ name: 1, at: -1 })
          await collection.createIndex({ 'lines.sku': 1 }, { sparse: true })
        }
      })
    }
    const restored = names.map((ns) => ({
      source: ns,
      target: ns,
      documents: DOCUMENTS,
      failures: 0
    }))
    const [from, to] = [
      new MongoUri(source.rootUri, 'source'),
      new MongoUri(target.rootUri, 'target')
    ]
    const runs = async (size: SampleSize) => {
      const results = []
      for (let r = 0; r < REPEAT; r++) results.push(await copyCheck(from, to, restored, size))
      return results
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
    const options = await runs(0)
    const sampled = await runs(100)
    const all = await runs('all')
    const optionsMs = Math.round(median(options.map((c) => c.ms)))
    console.log(
      `\n${COLLECTIONS} collections of ${DOCUMENTS} documents (~${Math.round(
        BSON.calculateObjectSize(documents(0)[0] as BSON.Document)
      )} B each, 3 indexes), two local mongods, median of ${REPEAT} runs.\n`
    )
    console.log('| Check | Total | Per collection |')
    console.log('| --- | ---: | ---: |')
    console.log(
      `| options and indexes (listCollections per database; listIndexes and count per collection, both sides) | ${optionsMs} ms | ${(optionsMs / COLLECTIONS).toFixed(1)} ms |`
    )
    for (const [label, checks] of [
      ['sample of 100 documents, byte for byte', sampled],
      [`every document (verify-sample: all, ${DOCUMENTS} per collection)`, all]
    ] as const) {
      const perCollection = names.map((ns) =>
        median(checks.map((c) => c.copy.samples.find((s) => s.namespace === ns)?.durationMs ?? 0))
      )
      const total = perCollection.reduce((a, b) => a + b, 0)
      const compared = checks[0]?.copy.samples[0]?.compared ?? 0
      console.log(
        `| ${label} (${compared} compared per collection) | ${total} ms | ${(total / COLLECTIONS).toFixed(1)} ms (min ${Math.min(...perCollection)}, max ${Math.max(...perCollection)}) |`
      )
    }
  } finally {
    await stopAllServers()
  }
}

await main()
