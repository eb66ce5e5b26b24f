// Runs the bundle (dist/index.js) twice against throwaway local mongods, as a runner would, and
// renders each job summary to docs/: a passing migration, and one whose target already held an
// empty collection with another collation (the restore keeps it; the check fails the step).
//   npm run build && node --import tsx scripts/example-summaries.ts
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  withClient
} from '../__tests__/support/testbed.ts'
import { repoRoot, runAction } from '../__tests__/support/run-action.ts'

const APP = 'app-password'

async function seed(client: MongoClient): Promise<void> {
  const appdb = client.db('appdb')
  await appdb.createCollection('orders', { collation: { locale: 'fr', strength: 2 } })
  await appdb
    .collection('orders')
    .insertMany(Array.from({ length: 1200 }, (_, i) => ({ i, who: `c${i % 40}` })))
  await appdb.collection('orders').createIndex({ who: 1, i: -1 })
  await appdb.createCollection('metrics', { timeseries: { timeField: 't', metaField: 'host' } })
  await appdb.collection('metrics').insertMany(
    Array.from({ length: 500 }, (_, i) => ({
      t: new Date(Date.UTC(2026, 0, 1) + i * 1000),
      host: i % 4
    }))
  )
  await appdb.createCollection('recent', {
    viewOn: 'orders',
    pipeline: [{ $match: { i: { $gte: 1000 } } }]
  })
  await client
    .db('billing')
    .collection('invoices')
    .insertMany(Array.from({ length: 80 }, (_, i) => ({ n: i })))
}

async function example(
  name: string,
  prepareTarget: (client: MongoClient) => Promise<unknown>
): Promise<void> {
  const [source, target] = await Promise.all([startServer(), startServer()])
  try {
    await createUser(target, 'appdb', 'app', APP, ['readWrite'])
    await createUser(target, 'billing', 'billing-app', 'billing-password', ['readWrite'])
    await withClient(source.rootUri, seed)
    await withClient(target.rootUri, prepareTarget)
    const run = await runAction({
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir
    })
    const dir = mkdtempSync(join(tmpdir(), 'example-summary-'))
    try {
      const file = join(dir, 'summary.md')
      writeFileSync(file, run.summary)
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(repoRoot, 'scripts', 'render-summary.ts'),
          file,
          join(repoRoot, 'docs', `summary-${name}.png`)
        ],
        { stdio: 'inherit', cwd: repoRoot }
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    console.log(`${name}: exit ${run.exitCode}`)
  } finally {
    await Promise.all([source.stop(), target.stop()])
  }
}

try {
  await example('passed', async () => undefined)
  await example('failed', (client) =>
    client.db('appdb').createCollection('orders', { collation: { locale: 'de' } })
  )
} finally {
  await stopAllServers()
}
