// The modes end to end (the bundle under Node 24, real mongods, real tools), and issue 7:
// dumps written to disk never carry users, roles or credential hashes.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import {
  type MongoServer,
  binaries,
  createUser,
  serverFor,
  stopAllServers,
  tempDirFor,
  withClient
} from '../support/testbed.ts'
import { explain, node24, runAction, secretHits } from '../support/run-action.ts'
import { appTarget, tools } from '../support/inputs.ts'
import { state } from '../support/observe.ts'

after(stopAllServers)
const node = node24()
const APP = 'app-pw:1@x'
const USERS = ['app', 'billing_user', 'ops_admin']

/** A source with users in appdb, billing and admin, and data with indexes in two databases. */
async function seededServer(t: TestContext): Promise<MongoServer> {
  const server = await serverFor(t)
  await createUser(server, 'appdb', 'app', APP, ['readWrite'])
  await createUser(server, 'billing', 'billing_user', 'billing-pw', ['readWrite'])
  await createUser(server, 'admin', 'ops_admin', 'ops-pw', ['readAnyDatabase'])
  await withClient(server.rootUri, async (c) => {
    await c
      .db('appdb')
      .collection('orders')
      .insertMany(Array.from({ length: 1000 }, (_, i) => ({ n: i, who: `c${i % 7}` })))
    await c.db('appdb').collection('orders').createIndex({ who: 1, n: -1 }, { name: 'who_n' })
    await c
      .db('billing')
      .collection('invoices')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ no: i })))
    await c.db('billing').collection('invoices').createIndex({ no: 1 }, { unique: true })
  })
  return server
}

const emptyTarget = (t: TestContext) => appTarget(t, APP)

/** Every byte of every file under `path` (gzip members decompressed). */
function dumpBytes(path: string): string {
  if (statSync(path).isDirectory())
    return readdirSync(path)
      .map((f) => dumpBytes(join(path, f)))
      .join('\n')
  const raw = readFileSync(path)
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('latin1')
}

function assertNoCredentials(path: string): void {
  const bytes = dumpBytes(path)
  for (const marker of [
    'SCRAM-SHA-256',
    'SCRAM-SHA-1',
    'storedKey',
    'serverKey',
    'system.users',
    'system.roles'
  ]) {
    assert.ok(!bytes.includes(marker), `the dump holds "${marker}"`)
  }
  // Whole words: the manifest names databases such as appdb, which is not the user app.
  for (const user of USERS)
    assert.ok(!new RegExp(`\\b${user}\\b`).test(bytes), `the dump names the user ${user}`)
}

for (const gzip of ['false', 'true']) {
  test(`dump (gzip ${gzip}): no users, roles or hashes on disk; restore brings back every database`, async (t) => {
    const source = await seededServer(t)
    const dir = join(tempDirFor(t, 'guard-modes-'), 'dump')
    const dumped = await runAction(
      { mode: 'dump', 'source-uri': source.rootUri, archive: dir, gzip, ...tools() },
      { node }
    )
    assert.equal(dumped.exitCode, 0, explain(dumped))
    assert.equal(dumped.outputs['archive-path'], dir)
    assert.ok(Number(dumped.outputs['archive-bytes']) > 0)
    assert.deepEqual((dumped.report?.['dumpFiles'] as { namespaces: string[] }).namespaces, [
      'appdb.orders',
      'billing.invoices'
    ])
    assert.match(dumped.summary, /appdb\.orders, billing\.invoices; users or roles: none/)
    assertNoCredentials(dir)

    const target = await emptyTarget(t)
    const restored = await runAction(
      {
        mode: 'restore',
        'target-uri': target.rootUri,
        'app-uri': target.uri('app', APP, 'appdb'),
        archive: dir,
        ...tools()
      },
      { node }
    )
    assert.equal(restored.exitCode, 0, explain(restored))
    assert.deepEqual(restored.report?.['mismatches'], [])
    assert.equal(restored.outputs['restored-documents'], '1300')
    await withClient(target.rootUri, async (c) => {
      assert.equal(await c.db('billing').collection('invoices').countDocuments(), 300)
      const names = (await c.db('appdb').collection('orders').indexes()).map((i) => i.name).sort()
      assert.deepEqual(names, ['_id_', 'who_n'])
    })
    assert.deepEqual(secretHits(restored, [APP, target.rootPassword, source.rootPassword]), [])
  })
}

test('migrate and rehearse through disk write no credentials either', async (t) => {
  const source = await seededServer(t)
  const target = await emptyTarget(t)
  const dir = join(tempDirFor(t, 'guard-modes-'), 'migrate')
  const run = await runAction(
    {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      archive: dir,
      ...tools()
    },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  assertNoCredentials(dir)
  const rehearsal = join(tempDirFor(t, 'guard-modes-'), 'rehearsal')
  const rehearsed = await runAction(
    {
      mode: 'rehearse',
      'source-uri': source.rootUri,
      'target-uri': source.rootUri,
      'app-uri': source.uri('app', APP, 'appdb'),
      archive: rehearsal,
      ...tools()
    },
    { node }
  )
  assert.equal(rehearsed.exitCode, 0, explain(rehearsed))
  assertNoCredentials(rehearsal)
})

test('restore refuses a dump that carries users unless told to skip them, and restores without them', async (t) => {
  const source = await seededServer(t)
  const target = await emptyTarget(t)
  const archive = join(tempDirFor(t, 'guard-modes-'), 'whole.archive')
  const config = join(tempDirFor(t, 'guard-modes-'), 's.yaml')
  writeFileSync(config, JSON.stringify({ uri: source.rootUri }), { mode: 0o600 })
  const raw = spawnSync(
    binaries().mongodump,
    [`--config=${config}`, `--archive=${archive}`, '--gzip'],
    { encoding: 'utf8' }
  )
  assert.equal(raw.status, 0, raw.stderr)
  // The control: the scan used on the action's dumps does find a whole dump's hashes.
  assert.throws(() => assertNoCredentials(archive), /SCRAM-SHA-256|system\.users|storedKey/)
  const before = await state(target)
  const inputs = {
    mode: 'restore',
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    archive,
    ...tools()
  }

  const refused = await runAction(inputs, { node })
  assert.equal(refused.exitCode, 1, explain(refused))
  assert.equal((refused.report?.['failure'] as { kind: string }).kind, 'DumpCarriesUsers')
  assert.ok(
    (
      refused.report?.['dumpFiles'] as { credentialNamespaces: string[] }
    ).credentialNamespaces.includes('admin.system.users')
  )
  assert.ok(!refused.stdout.includes('storedKey'))
  assert.equal(await state(target), before, 'a refused restore wrote something')

  const skipped = await runAction({ ...inputs, 'skip-archived-users': 'true' }, { node })
  assert.equal(skipped.exitCode, 0, explain(skipped))
  assert.deepEqual(skipped.report?.['mismatches'], [])
  const after = await state(target)
  assert.equal(after.split('\n').at(-1), before.split('\n').at(-1), "the target's users changed")
  assert.match(after, /appdb\.orders:1000/)
})

test('restore of a truncated or corrupted archive fails before writing', async (t) => {
  const source = await seededServer(t)
  const target = await emptyTarget(t)
  const dir = tempDirFor(t, 'guard-modes-')
  const config = join(dir, 's.yaml')
  writeFileSync(config, JSON.stringify({ uri: source.rootUri }), { mode: 0o600 })
  const archive = join(dir, 'a.archive')
  spawnSync(binaries().mongodump, [`--config=${config}`, `--archive=${archive}`, '--db=appdb'])
  const garbage = join(dir, 'garbage.archive')
  writeFileSync(garbage, 'this is not an archive at all')
  truncateSync(archive, 40)
  const before = await state(target)
  for (const path of [archive, garbage]) {
    const run = await runAction(
      {
        mode: 'restore',
        'target-uri': target.rootUri,
        'app-uri': target.uri('app', APP, 'appdb'),
        archive: path,
        ...tools()
      },
      { node }
    )
    assert.equal(run.exitCode, 1, explain(run))
    assert.equal((run.report?.['failure'] as { kind: string }).kind, 'UnreadableDump', path)
    assert.equal(run.report?.['targetWritten'], false)
  }
  assert.equal(await state(target), before)
})

test('rehearse on the source itself leaves it exactly as it found it', async (t) => {
  const source = await seededServer(t)
  const before = await state(source)
  const run = await runAction(
    {
      mode: 'rehearse',
      'source-uri': source.rootUri,
      'target-uri': source.rootUri,
      'app-uri': source.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      ...tools()
    },
    { node }
  )
  assert.equal(run.exitCode, 0, explain(run))
  const rehearsal = run.report?.['rehearsal'] as { databases: string[]; dropped: boolean }
  assert.equal(rehearsal.dropped, true)
  assert.ok(
    rehearsal.databases.every((d) => d.startsWith('rehearsal_')),
    rehearsal.databases.join()
  )
  assert.equal(run.outputs['restored-documents'], '1300')
  assert.deepEqual(run.report?.['mismatches'], [])
  assert.equal(await state(source), before)

  const kept = await runAction(
    {
      mode: 'rehearse',
      'source-uri': source.rootUri,
      'target-uri': source.rootUri,
      'app-uri': source.uri('app', APP, 'appdb'),
      keep: 'true',
      ...tools()
    },
    { node }
  )
  assert.equal(kept.exitCode, 0, explain(kept))
  const names = await withClient(source.rootUri, (c) =>
    c.db('admin').admin().listDatabases({ nameOnly: true })
  )
  assert.equal(names.databases.filter((d) => d.name.startsWith('rehearsal_')).length, 2)
})

test('rehearse refuses a target that already holds the databases', async (t) => {
  const source = await seededServer(t)
  const target = await emptyTarget(t)
  await withClient(target.rootUri, (c) =>
    c.db('billing').collection('mine').insertOne({ keep: 'me' })
  )
  const before = await state(target)
  const run = await runAction(
    {
      mode: 'rehearse',
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      ...tools()
    },
    { node }
  )
  assert.equal(run.exitCode, 1, explain(run))
  assert.equal((run.report?.['failure'] as { kind: string }).kind, 'RehearsalConflict')
  assert.equal(await state(target), before)
})

test('verification catches an index that did not arrive', async (t) => {
  const source = await seededServer(t)
  const target = await emptyTarget(t)
  const run = await runAction(
    {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'mongorestore-options': '--noIndexRestore',
      ...tools()
    },
    { node }
  )
  assert.equal(run.exitCode, 1, explain(run))
  assert.equal((run.report?.['failure'] as { kind: string }).kind, 'DataMismatch')
  const problems = JSON.stringify(run.report?.['mismatches'])
  assert.match(problems, /appdb\.orders/)
  assert.match(problems, /who_n/)
})

test('probe mode: the probe alone, passing and failing', async (t) => {
  const server = await emptyTarget(t)
  const ok = await runAction(
    {
      mode: 'probe',
      'app-uri': server.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite'
    },
    { node }
  )
  assert.equal(ok.exitCode, 0, explain(ok))
  assert.equal(ok.outputs['probe-result'], 'ok')
  const bad = await runAction(
    { mode: 'probe', 'app-uri': server.uri('app', 'wrong', 'appdb') },
    { node }
  )
  assert.equal(bad.exitCode, 1, explain(bad))
  assert.equal(bad.outputs['probe-result'], 'authentication-failed')
  assert.match(bad.stdout, /next restart will fail/)
})

test('an unknown mode names the input and the fix', async () => {
  const run = await runAction({ mode: 'copy' }, { node })
  assert.equal(run.exitCode, 1)
  assert.match(
    run.stdout,
    /mode: "copy" is not a mode\. Use one of migrate, rehearse, dump, restore, probe/
  )
})
