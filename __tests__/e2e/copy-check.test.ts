// Issue 13 through the bundle: special collections (time-series, view, capped, clustered,
// validated) move and are verified, in migrate and in restore from a dump on disk; a target
// collection with other options fails the step with a table; a document the target kept in a
// merge is caught by the sample and named by its _id only; credential leftovers are reported.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  binaries,
  createUser,
  SERVER_VERSIONS,
  startServer,
  stopAllServers,
  withClient,
  type MongoServer
} from '../support/testbed.ts'
import {
  allRuns,
  credentialsIn,
  nodeRuntimes,
  runAction,
  secretHits,
  type ActionRun
} from '../support/run-action.ts'

import { seedSpecial, SPECIAL } from '../support/collections.ts'

after(stopAllServers)
const node = nodeRuntimes()[1]!.bin
const APP = 'app-pw-13'

function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`
}

interface Copy {
  options: {
    checked: boolean
    differences: { namespace: string; option: string; source: string; target: string }[]
  }
  samples: {
    namespace: string
    compared: number
    differing: number
    missing: number
    skipped?: string
  }[]
}
const copyOf = (run: ActionRun) => run.report?.['copy'] as Copy
const failure = (run: ActionRun) =>
  run.report?.['failure'] as { kind: string; message: string } | undefined

async function describe(server: MongoServer): Promise<string> {
  return withClient(server.rootUri, async (c) => {
    const infos = await c.db('appdb').listCollections({}, { nameOnly: false }).toArray()
    return JSON.stringify(
      infos
        .filter((i) => !i.name.startsWith('system.'))
        .map((i) => ({ name: i.name, type: i.type, options: i.options }))
        .sort((a, b) => a.name.localeCompare(b.name))
    )
  })
}

function assertVerified(run: ActionRun): void {
  assert.equal(run.exitCode, 0, explain(run))
  const copy = copyOf(run)
  assert.equal(copy.options.checked, true)
  assert.deepEqual(copy.options.differences, [])
  const sampled = new Map(copy.samples.map((s) => [s.namespace, s]))
  // The time-series collection is sampled through its buckets; the view has no documents.
  for (const ns of [
    'appdb.log',
    'appdb.system.buckets.metrics',
    'appdb.orders',
    'appdb.people',
    'appdb.sessions'
  ]) {
    const sample = sampled.get(ns)
    assert.ok(sample, `${ns} was not sampled: ${JSON.stringify(copy.samples)}`)
    assert.ok(sample.compared > 0, `${ns} compared nothing`)
    assert.equal(sample.differing + sample.missing, 0)
  }
  assert.equal(sampled.has('appdb.recent'), false)
  const restored = (run.report?.['restored'] as { target: string }[]).map((r) => r.target).sort()
  assert.deepEqual(restored, SPECIAL)
}

// The server answers these: run on every version of the test bed.
for (const version of SERVER_VERSIONS) {
  test(`time-series, view, capped, clustered and validated collections migrate and are verified (mongod ${version})`, async (t) => {
    const [source, target] = await Promise.all([startServer({ version }), startServer({ version })])
    t.after(() => Promise.all([source.stop(), target.stop()]))
    await createUser(target, 'appdb', 'app', APP, ['readWrite'])
    await withClient(source.rootUri, seedSpecial)
    // What an interrupted mongorestore leaves: reported, counted, never read.
    await withClient(target.rootUri, (c) =>
      c
        .db('admin')
        .collection<{ _id: string; credentials: string }>('tempusers')
        .insertOne({ _id: 'appdb.ghost', credentials: 'hash' })
    )
    const run = await runAction(
      {
        'source-uri': source.rootUri,
        'target-uri': target.rootUri,
        'app-uri': target.uri('app', APP, 'appdb'),
        'app-privileges': 'appdb: readWrite',
        'tools-path': binaries().toolsDir
      },
      { node }
    )
    assertVerified(run)
    assert.equal(await describe(target), await describe(source))
    // The passing summary: the verdict, the database with its counts and checks, the users.
    assert.match(run.summary, /The app will log in after its next restart, and the copy is whole/)
    assert.match(
      run.summary,
      /<td><code>appdb<\/code><\/td><td>6<\/td><td>[\d,]+<\/td><td>[\d,]+<\/td><td>0<\/td><td>counts ✓, indexes ✓, options ✓, sample ✓/
    )
    assert.match(
      run.summary,
      /The target's \d+ users were checked before and after the restore: unchanged/
    )
    assert.deepEqual(run.report?.['leftovers'], { checked: true, tempusers: 1, temproles: 0 })
    assert.match(run.stdout, /admin\.tempusers \(1 documents\)/)
    // The time-series count is its buckets on both sides (dumped and found).
    const mismatches = run.report?.['mismatches'] as unknown[]
    assert.deepEqual(mismatches, [])
  })
}

test('the same collections restored from a dump on disk are verified against its metadata', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  const dir = mkdtempSync(join(tmpdir(), 'copy-check-'))
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true })
    await Promise.all([source.stop(), target.stop()])
  })
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  await withClient(source.rootUri, seedSpecial)
  const tools = binaries().toolsDir
  const dumped = await runAction(
    { mode: 'dump', 'source-uri': source.rootUri, archive: join(dir, 'dump'), 'tools-path': tools },
    { node }
  )
  assert.equal(dumped.exitCode, 0, explain(dumped))
  const restored = await runAction(
    {
      mode: 'restore',
      archive: join(dir, 'dump'),
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'tools-path': tools
    },
    { node }
  )
  assertVerified(restored)
  assert.equal(await describe(target), await describe(source))
})

test('a view whose $sort mongorestore reorders (tools 100.7.0, TOOLS-3411) fails the step; one it keeps passes', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  const sort = { who: 1, i: -1, at: 1 }
  await withClient(source.rootUri, async (c) => {
    await c.db('appdb').collection('orders').insertOne({ who: 'a', i: 1 })
    await c
      .db('appdb')
      .createCollection('ranked', { viewOn: 'orders', pipeline: [{ $sort: sort }] })
  })
  const inputs = {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    'tools-path': binaries().toolsDir,
    drop: 'true'
  }
  const outcomes: number[] = []
  // Go map order: a run changes the order about 1 time in 5; run until both outcomes were seen.
  for (let i = 0; i < 30 && new Set(outcomes).size < 2; i++) {
    const run = await runAction(inputs, { node })
    const restored = await withClient(target.rootUri, async (c) => {
      const [view] = await c
        .db('appdb')
        .listCollections({ name: 'ranked' }, { nameOnly: false })
        .toArray()
      return JSON.stringify(view?.options?.['pipeline'])
    })
    const kept = restored === JSON.stringify([{ $sort: sort }])
    if (kept) assert.equal(run.exitCode, 0, explain(run))
    else {
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failure(run)?.kind, 'DataMismatch')
      assert.match(
        failure(run)?.message ?? '',
        /appdb\.ranked pipeline: source \[\{"\$sort":\{"who":1,"i":-1,"at":1\}\}\], target /
      )
    }
    outcomes.push(run.exitCode ?? -1)
  }
  assert.ok(outcomes.includes(1), `the $sort order was kept in all ${outcomes.length} runs`)
})

// The server answers these: run on every version of the test bed.
for (const version of SERVER_VERSIONS) {
  test(`a target collection created beforehand with other options fails the step, naming the option and both values (mongod ${version})`, async (t) => {
    const variants = [
      {
        name: 'collation',
        create: { collation: { locale: 'de' } },
        option: 'collation',
        value: /"locale":"de"/
      },
      {
        name: 'validator',
        create: {
          validator: { $jsonSchema: { required: ['name'] } },
          validationAction: 'warn' as const
        },
        option: 'validationAction',
        value: /"warn"/
      }
    ]
    for (const variant of variants) {
      const [source, target] = await Promise.all([
        startServer({ version }),
        startServer({ version })
      ])
      t.after(() => Promise.all([source.stop(), target.stop()]))
      await createUser(target, 'appdb', 'app', APP, ['readWrite'])
      await withClient(source.rootUri, async (c) => {
        await c.db('appdb').createCollection('orders', {
          validator: { $jsonSchema: { required: ['name'] } },
          validationAction: 'error'
        })
        await c
          .db('appdb')
          .collection('orders')
          .insertMany([{ name: 'a' }, { name: 'b' }])
      })
      // Empty, so the guard lets the restore in; mongorestore then keeps these options.
      await withClient(target.rootUri, (c) =>
        c.db('appdb').createCollection('orders', variant.create)
      )
      const run = await runAction(
        {
          'source-uri': source.rootUri,
          'target-uri': target.rootUri,
          'app-uri': target.uri('app', APP, 'appdb'),
          'tools-path': binaries().toolsDir
        },
        { node }
      )
      assert.equal(run.exitCode, 1, `${variant.name}: ${explain(run)}`)
      assert.equal(failure(run)?.kind, 'DataMismatch')
      const row = copyOf(run).options.differences.find((d) => d.option === variant.option)
      assert.ok(row, `${variant.name}: ${JSON.stringify(copyOf(run).options.differences)}`)
      assert.equal(row.namespace, 'appdb.orders')
      assert.match(row.target, variant.value)
      assert.notEqual(row.source, row.target)
      assert.match(
        failure(run)?.message ?? '',
        new RegExp(`appdb\\.orders ${variant.option}: source .*, target `)
      )
      assert.match(
        run.summary,
        new RegExp(`<td><code>appdb\\.orders</code></td><td><code>${variant.option}</code></td>`)
      )
    }
  })
}

// The server answers these: run on every version of the test bed.
for (const version of SERVER_VERSIONS) {
  test(`a merge that keeps the target own version of a document is caught by the sample, by _id only (mongod ${version})`, async (t) => {
    const [source, target] = await Promise.all([startServer({ version }), startServer({ version })])
    t.after(() => Promise.all([source.stop(), target.stop()]))
    await createUser(target, 'appdb', 'app', APP, ['readWrite'])
    const start = Date.UTC(2031, 4, 17)
    await withClient(source.rootUri, (c) =>
      c
        .db('appdb')
        .collection<{ _id: number; when: Date }>('items')
        .insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, when: new Date(start + i) })))
    )
    const kept = 'KEPT-VALUE-Zq81'
    await withClient(target.rootUri, (c) =>
      c
        .db('appdb')
        .collection<{ _id: number; when: string }>('items')
        .insertOne({ _id: 7, when: kept })
    )
    const run = await runAction(
      {
        'source-uri': source.rootUri,
        'target-uri': target.rootUri,
        'app-uri': target.uri('app', APP, 'appdb'),
        'allow-merge': 'true',
        'allow-failed-documents': 'true',
        'tools-path': binaries().toolsDir
      },
      { node }
    )
    assert.equal(run.exitCode, 1, explain(run))
    assert.equal(run.outputs['failed-documents'], '1')
    assert.equal(failure(run)?.kind, 'DataMismatch')
    assert.match(
      failure(run)?.message ?? '',
      /appdb\.items: of 20 sampled documents, 1 differ byte for byte \(_id 7\)/
    )
    const sample = copyOf(run).samples.find((s) => s.namespace === 'appdb.items')
    assert.equal(sample?.differing, 1)
    // Neither side's value is printed anywhere.
    const sourceValue = new Date(start + 7).toISOString().slice(0, 19)
    const everything = [
      run.stdout,
      run.stderr,
      run.summary,
      JSON.stringify(run.report),
      JSON.stringify(run.outputs)
    ]
    for (const value of [kept, sourceValue, String(start + 7)]) {
      assert.equal(
        everything.filter((text) => text.includes(value)).length,
        0,
        `${value} was printed`
      )
    }
  })
}

test('verify-sample: 0 turns the sample off, all compares every document', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await createUser(target, 'appdb', 'app', APP, ['readWrite'])
  await withClient(source.rootUri, (c) =>
    c
      .db('appdb')
      .collection('items')
      .insertMany(Array.from({ length: 2500 }, (_, i) => ({ i })))
  )
  const base = {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    'tools-path': binaries().toolsDir,
    drop: 'true'
  }
  const all = await runAction({ ...base, 'verify-sample': 'all' }, { node })
  assert.equal(all.exitCode, 0, explain(all))
  assert.equal(copyOf(all).samples[0]?.compared, 2500)
  const off = await runAction({ ...base, 'verify-sample': '0' }, { node })
  assert.equal(off.exitCode, 0, explain(off))
  assert.deepEqual(copyOf(off).samples, [])
  const bad = await runAction({ ...base, 'verify-sample': 'some' }, { node })
  assert.equal(bad.exitCode, 1)
  assert.match(failure(bad)?.message ?? '', /^verify-sample: "some" is not a number of documents/)
})

test('no run of this file left a credential in any output, file or summary', () => {
  for (const run of allRuns) assert.deepEqual(secretHits(run, credentialsIn(run.inputs)), [])
})
