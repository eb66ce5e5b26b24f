// Acceptance of the split migration (issue 12), against real mongods and the bundle run as a
// runner runs it: mode plan with parts 3, the three part jobs at once as separate processes,
// mode verify; the target equals a single-run migration; a part left out and a user changed
// between plan and verify are named.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ObjectId, type MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  withClient,
  type MongoServer
} from '../support/testbed.ts'
import {
  allRuns,
  credentialsIn,
  runAction,
  secretHits,
  type ActionRun
} from '../support/run-action.ts'

after(stopAllServers)

const APP = 'app-P:ss/w0rd#'
const ORDERS = 30_000

/** Several databases, one large collection with mostly ObjectId `_id`s and a few of other types. */
async function seedSource(source: MongoServer): Promise<void> {
  await withClient(source.rootUri, async (c) => {
    const orders = c.db('shop').collection('orders')
    const pad = 'x'.repeat(150)
    for (let start = 0; start < ORDERS; start += 5000) {
      await orders.insertMany(
        Array.from({ length: 5000 }, (_, i) => ({ _id: new ObjectId(), n: start + i, pad }))
      )
    }
    await orders.insertMany([{ _id: 'legacy-1' }, { _id: 42 }, { _id: new Date(0) }] as never[])
    await orders.createIndex(
      { n: 1 },
      { unique: true, partialFilterExpression: { n: { $exists: true } } }
    )
    await c
      .db('shop')
      .collection<{ _id: number; name: string }>('customers')
      .insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i, name: `c${i}` })))
    await c.db('shop').collection('customers').createIndex({ name: 1 })
    await c
      .db('crm')
      .collection('contacts')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ email: `p${i}@x` })))
    await c
      .db('crm')
      .collection('notes')
      .insertMany(Array.from({ length: 200 }, (_, i) => ({ text: `n${i}` })))
    await c
      .db('logs')
      .collection('events')
      .insertMany(Array.from({ length: 800 }, (_, i) => ({ at: new Date(i) })))
  })
}

async function newTarget(): Promise<MongoServer> {
  const target = await startServer()
  await createUser(target, 'shop', 'app', APP, ['readWrite'])
  await createUser(target, 'admin', 'ops', 'ops-secret-1', ['readAnyDatabase'])
  return target
}

function inputs(source: MongoServer, target: MongoServer): Record<string, string> {
  return {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'shop'),
    'app-privileges': 'shop: readWrite',
    'tools-path': binaries().toolsDir
  }
}

interface Shape {
  namespaces: Record<string, { documents: number; indexes: string[] }>
  users: string
}

/** Every user namespace's count and index definitions, and the users byte for byte. */
async function shapeOf(server: MongoServer): Promise<Shape> {
  return withClient(server.rootUri, async (c: MongoClient) => {
    const namespaces: Shape['namespaces'] = {}
    for (const db of ['shop', 'crm', 'logs']) {
      for (const { name } of await c.db(db).listCollections({}, { nameOnly: true }).toArray()) {
        const coll = c.db(db).collection(name)
        const indexes = (await coll.listIndexes().toArray())
          .map(({ v: _v, ...spec }) => JSON.stringify(spec))
          .sort()
        namespaces[`${db}.${name}`] = { documents: await coll.countDocuments(), indexes }
      }
    }
    const users = await c
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    return { namespaces, users: JSON.stringify(users['users']) }
  })
}

function matrixOf(run: ActionRun): { part: string; namespaces: string }[] {
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  return (
    JSON.parse(run.outputs['matrix'] as string) as {
      include: { part: string; namespaces: string }[]
    }
  ).include
}

async function runParts(
  base: Record<string, string>,
  entries: { namespaces: string }[]
): Promise<ActionRun[]> {
  // As a matrix runs them: separate processes, at the same time.
  return Promise.all(
    entries.map((e) => runAction({ ...base, mode: 'migrate', namespaces: e.namespaces }))
  )
}

describe('a migration split across a matrix', { timeout: 600_000 }, () => {
  test('plan → 3 concurrent parts → verify equals one migrate; a missing part and a changed user are named', async (t) => {
    const [source, split, single, partial] = await Promise.all([
      startServer(),
      newTarget(),
      newTarget(),
      newTarget()
    ])
    t.after(() => Promise.all([source, split, single, partial].map((s) => s.stop())))
    await seedSource(source)
    const usersBefore = (await shapeOf(split)).users

    const plan = await runAction({ ...inputs(source, split), mode: 'plan', parts: '3' })
    const matrix = matrixOf(plan)
    assert.equal(matrix.length, 3)
    assert.deepEqual(
      matrix.map((m) => m.part),
      ['1/3', '2/3', '3/3']
    )
    const planDoc = JSON.parse(plan.outputs['plan'] as string)
    assert.ok(plan.outputs['plan-path'], 'plan-path output')
    const orders = planDoc.namespaces.filter(
      (p: { namespace: string }) => p.namespace === 'shop.orders'
    )
    assert.ok(orders.length >= 2, `shop.orders is cut into _id ranges: ${JSON.stringify(orders)}`)
    assert.equal(
      new Set(orders.map((p: { part: string }) => p.part)).size,
      orders.length,
      'each range in its own part'
    )
    assert.equal(
      orders.reduce((n: number, p: { documents: number }) => n + p.documents, 0),
      ORDERS + 3
    )
    assert.ok(Object.keys(planDoc.users).includes('shop.app'))
    assert.doesNotMatch(plan.outputs['plan'] as string, /storedKey|serverKey|salt/)

    const parts = await runParts(inputs(source, split), matrix)
    for (const part of parts) assert.equal(part.exitCode, 0, part.stdout + part.stderr)
    assert.ok(
      parts.some((p) => p.stdout.includes('--noIndexRestore')),
      'sibling ranges leave the indexes to one part'
    )

    const verify = await runAction({
      ...inputs(source, split),
      mode: 'verify',
      plan: plan.outputs['plan'] as string
    })
    assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr)
    assert.equal(verify.outputs['status'], 'passed')

    const single1 = await runAction({ ...inputs(source, single), mode: 'migrate' })
    assert.equal(single1.exitCode, 0, single1.stdout + single1.stderr)
    const [splitShape, singleShape] = await Promise.all([shapeOf(split), shapeOf(single)])
    assert.deepEqual(splitShape.namespaces, singleShape.namespaces)
    assert.equal(splitShape.users, usersBefore, "the target's users byte-identical")

    // A user changed on the target between plan and verify: verify names it.
    await withClient(split.rootUri, (c) =>
      c.db('admin').command({ updateUser: 'ops', pwd: 'ops-secret-2' })
    )
    const drifted = await runAction({
      ...inputs(source, split),
      mode: 'verify',
      plan: plan.outputs['plan'] as string
    })
    assert.equal(drifted.exitCode, 1)
    assert.match(
      drifted.report?.['failure'] ? JSON.stringify(drifted.report['failure']) : '',
      /admin\.ops \(changed\)/
    )

    // One part left out: verify (from the plan file) fails naming that part's namespaces.
    const plan2 = await runAction({ ...inputs(source, partial), mode: 'plan', parts: '3' })
    const matrix2 = matrixOf(plan2)
    // The verify job reads the plan file, as after actions/download-artifact.
    const written = [...plan2.leftovers].find(([path]) => path === plan2.outputs['plan-path'])
    assert.ok(written, 'the plan file is written at plan-path')
    const planFile = join(mkdtempSync(join(tmpdir(), 'plan-artifact-')), 'plan.json')
    writeFileSync(planFile, written[1])
    t.after(() => rmSync(dirname(planFile), { recursive: true, force: true }))
    const left = matrix2.at(-1) as { part: string; namespaces: string }
    for (const part of await runParts(inputs(source, partial), matrix2.slice(0, -1))) {
      assert.equal(part.exitCode, 0, part.stdout + part.stderr)
    }
    const incomplete = await runAction({
      ...inputs(source, partial),
      mode: 'verify',
      plan: planFile
    })
    assert.equal(incomplete.exitCode, 1)
    assert.match(
      JSON.stringify(incomplete.report?.['failure']),
      /PartsIncomplete/,
      incomplete.stdout
    )
    const named = incomplete.report?.['incompleteParts'] as { part: string; namespaces: string[] }[]
    assert.deepEqual(
      named.map((p) => p.part),
      [left.part]
    )
    for (const line of left.namespaces.split('\n')) {
      assert.ok(
        named[0]?.namespaces.some((ns) => line.startsWith(ns.split(' {')[0] as string)),
        `${line} named`
      )
    }

    // A re-run of a finished ranged part refuses: its range is no longer empty.
    const ranged = matrix.find((m) => m.namespaces.includes(' {')) as { namespaces: string }
    const rerun = await runAction({
      ...inputs(source, split),
      mode: 'migrate',
      namespaces: ranged.namespaces
    })
    assert.equal(rerun.exitCode, 1)
    assert.match(JSON.stringify(rerun.report?.['failure']), /TargetNotEmpty.*_id range/)

    for (const run of allRuns) assert.deepEqual(secretHits(run, credentialsIn(run.inputs)), [])
  })
})

describe('a part of whole databases', { timeout: 300_000 }, () => {
  test('namespaces "crm.*" and one collection: exactly those are moved and verified', async (t) => {
    const [source, target] = await Promise.all([startServer(), newTarget()])
    t.after(() => Promise.all([source.stop(), target.stop()]))
    await seedSource(source)
    const run = await runAction({
      ...inputs(source, target),
      mode: 'migrate',
      namespaces: 'crm.*\nlogs.events'
    })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /--db=crm --collection|--db=crm(?! --collection)/)
    const shape = await shapeOf(target)
    assert.deepEqual(Object.keys(shape.namespaces).sort(), [
      'crm.contacts',
      'crm.notes',
      'logs.events'
    ])
    assert.equal(shape.namespaces['crm.contacts']?.documents, 300)
    assert.equal(shape.namespaces['logs.events']?.documents, 800)
    const missing = await runAction({
      ...inputs(source, target),
      mode: 'migrate',
      namespaces: 'crm.nothing'
    })
    assert.equal(missing.exitCode, 1)
    assert.match(
      JSON.stringify(missing.report?.['failure']),
      /crm\.nothing is not a collection of the source/
    )
  })
})
