// End-to-end cases that close the suite's blind spots: one-line changes of src/ that no test
// caught before (issue 22). Each test names the change it catches:
// - a restore the target ends with FEWER documents of (only the exact count can see it),
// - the as-written (percent-encoded) password of a connection string that fails validation masked,
// - the probe after the restore making a NEW connection (a password changed, user kept),
// - a single missing privilege.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import {
  binaries,
  createUser,
  pairFor,
  stopAllServers,
  withClient,
  type MongoServer
} from '../support/testbed.ts'
import { faultyProxy, seedOrders } from '../support/faults.ts'
import { count, waitForDocuments } from '../support/observe.ts'
import { explain, nodeRuntimes, runAction } from '../support/run-action.ts'

after(stopAllServers)

const node = nodeRuntimes()[1]!.bin
const APP = 'blind-app:p@ss/%3'
const ORDERS = 60_000

interface Fixture {
  source: MongoServer
  target: MongoServer
  inputs: Record<string, string>
}

/** A source whose answers are paced, so that the test acts while the restore surely runs. */
async function fixture(t: TestContext, orders: number, paced: boolean): Promise<Fixture> {
  const [source, target] = await pairFor(t)
  await Promise.all([
    seedOrders(source, orders),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  let sourceUri = source.rootUri
  if (paced) {
    const proxy = await faultyProxy(source.hostPort, { bytesPerSecond: 2_000_000 })
    t.after(() => proxy.close())
    sourceUri = source.rootUri.replace(source.hostPort, proxy.hostPort)
  }
  return {
    source,
    target,
    inputs: {
      'source-uri': sourceUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir
    }
  }
}

const failureOf = (report: Record<string, unknown> | undefined) =>
  report?.['failure'] as { kind: string; message: string } | undefined

// Catches src/report/data-check.ts `have.documents === want.documents` → `<=`.
test('another client deletes from the middle of the _id range during the restore: the count check fails the run', async (t) => {
  const fx = await fixture(t, ORDERS, true)
  let deleted: Promise<number> | undefined
  const run = await runAction(fx.inputs, {
    node,
    onSpawn: () => {
      // Restored documents in the middle of the range: the sample reads only both ends.
      deleted = waitForDocuments(fx.target, 'appdb.orders', 10_000).then(() =>
        withClient(fx.target.rootUri, async (c) => {
          const orders = c.db('appdb').collection<{ _id: number }>('orders')
          return (await orders.deleteMany({ _id: { $gte: 3000, $lt: 3100 } })).deletedCount
        })
      )
    }
  })
  const removed = await deleted!
  assert.ok(removed > 0, 'nothing was deleted during the restore')
  assert.match(run.stdout, new RegExp(`${ORDERS} document\\(s\\) restored successfully`))
  assert.equal(await count(fx.target, 'appdb.orders'), ORDERS - removed)
  assert.equal(run.exitCode, 1, explain(run))
  const failure = failureOf(run.report)
  assert.equal(failure?.kind, 'DataMismatch', explain(run))
  assert.match(
    failure!.message,
    new RegExp(`appdb\\.orders: ${ORDERS - removed} documents, expected ${ORDERS}`)
  )
})

// Catches dropping the as-written form from rawSecrets (src/secrets.ts).
test('a connection string that fails validation: its percent-encoded password is masked as written and decoded', async () => {
  const written = 'Pw%2Fx%40y%3A9'
  const run = await runAction({
    'source-uri': `mongodb://dumper:${written}@db1.example:99999/`,
    'target-uri': `mongodb://restorer:Tgt-pw-1@127.0.0.1:1/`,
    'app-uri': 'mongodb://app:App-pw-1@127.0.0.1:1/appdb'
  })
  assert.equal(failureOf(run.report)?.kind, 'InvalidInput', explain(run))
  assert.match(
    failureOf(run.report)!.message,
    /^source-uri: host "db1\.example:99999" has an invalid port/
  )
  // A workflow command escapes "%" as "%25"; the runner reads the value back unescaped.
  const masked = (form: string) => `::add-mask::${form.replace(/%/g, '%25')}\n`
  for (const form of [written, decodeURIComponent(written)]) {
    assert.ok(run.stdout.includes(masked(form)), `${form} is not masked`)
  }
})

// Catches a probe that reuses a pooled (already authenticated) connection: src/server/probe.ts.
test('the app password changes during the restore, user kept: the probe after fails with a new connection', async (t) => {
  const fx = await fixture(t, ORDERS, true)
  const changed = 'Changed-pw-8'
  let updated: Promise<unknown> | undefined
  const run = await runAction(fx.inputs, {
    node,
    secrets: [changed],
    onSpawn: () => {
      // Same user, same userId: a session authenticated before keeps working; a new one fails.
      updated = waitForDocuments(fx.target, 'appdb.orders', 1000).then(() =>
        withClient(fx.target.rootUri, (c) =>
          c.db('appdb').command({ updateUser: 'app', pwd: changed })
        )
      )
    }
  })
  await updated
  const probes = run.report?.['probes'] as {
    before: { status: string }[]
    after: { status: string }[]
  }
  assert.equal(probes.before[0]?.status, 'ok', explain(run))
  assert.equal(probes.after[0]?.status, 'authentication-failed', explain(run))
  assert.equal(run.outputs['probe-result'], 'authentication-failed')
  assert.equal(run.exitCode, 1, explain(run))
  // The report names how the tools got the connection strings: a FIFO here (Linux).
  assert.equal((run.report?.['tools'] as { credentials?: string }).credentials, 'pipe')
})

// Catches src/input/privileges.ts `m.actions.length > 0` → `> 1` (one missing action ignored).
test('an app user that lacks exactly one action the app needs is rejected, naming that action', async (t) => {
  const fx = await fixture(t, 100, false)
  await createUser(fx.target, 'appdb', 'reader', APP, ['read'])
  const run = await runAction(
    {
      ...fx.inputs,
      'app-uri': fx.target.uri('reader', APP, 'appdb'),
      'app-privileges': 'appdb: find, insert'
    },
    { node }
  )
  assert.equal(run.outputs['probe-result'], 'unauthorized', explain(run))
  const probes = run.report?.['probes'] as { before: { missing: unknown }[] }
  assert.deepEqual(probes.before[0]?.missing, [{ database: 'appdb', actions: ['insert'] }])
  assert.equal(failureOf(run.report)?.kind, 'AlreadyRejected', explain(run))
  assert.match(failureOf(run.report)!.message, /lacks appdb: insert/)
  assert.equal(await count(fx.target, 'appdb.orders'), 0, 'something was restored')
})
