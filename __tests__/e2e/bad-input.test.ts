// Bad input, table-driven, end to end: every case exits 1 with a message that names the input
// and the fix, before anything is written to any database. A last test sweeps every run for
// secrets.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { binaries, createUser, startServer, stopAllServers } from '../support/testbed.ts'
import { seedOrders } from '../support/faults.ts'
import {
  allRuns,
  credentialsIn,
  nodeRuntimes,
  runAction,
  secretHits,
  type ActionRun
} from '../support/run-action.ts'

after(stopAllServers)

const node = nodeRuntimes()[1]!.bin
const APP = 'app-P:w@rd/%7'
const LEAKED = 'Leaked-pw-20'
const MIRROR = 'Mirror-pw-55'

interface Case {
  name: string
  inputs: Record<string, string>
  /** The failure kind expected. */
  kind: 'InvalidInput' | 'ForbiddenOption' | 'ToolNotFound'
  /** The input the message must name, at its start for InvalidInput. */
  input: string
  /** What the message must say: the problem and the fix. */
  says: RegExp
  /** Why the case cannot run on this branch yet. */
}

const uri = (user: string, password: string, rest: string) =>
  `mongodb://${user}:${password}@${rest}`

function cases(dir: string, existing: string): Case[] {
  const bad = (name: string, input: string, inputs: Record<string, string>, says: RegExp) => ({
    name,
    input,
    inputs,
    says,
    kind: 'InvalidInput' as const
  })
  const refused = (name: string, input: string, inputs: Record<string, string>, says: RegExp) => ({
    name,
    input,
    inputs,
    says,
    kind: 'ForbiddenOption' as const
  })
  const POSITIVE = /is not a positive number\. Write a number greater than 0/
  const BOOLEAN = /is not a boolean\. Write true or false/
  const EMPTY = /is empty, and mode: migrate needs it\. Pass a connection string, e.g\. .*secrets\./
  return [
    bad(
      'wrong scheme',
      'source-uri',
      { 'source-uri': 'postgres://u:Bad-pw-01@db.example/' },
      /Invalid scheme.*Use mongodb:\/\/user:password@host/
    ),
    bad(
      'no host',
      'source-uri',
      { 'source-uri': 'mongodb://u:Bad-pw-02@/' },
      /host list are required.*Use mongodb:\/\//
    ),
    bad(
      'port out of range',
      'target-uri',
      { 'target-uri': uri('u', 'Bad-pw-03', 'db.example:99999/') },
      /invalid port\. Use a port from 1 to 65535/
    ),
    bad(
      'non-numeric port',
      'target-uri',
      { 'target-uri': uri('u', 'Bad-pw-04', 'db.example:abc/') },
      /invalid port\. Use a port from 1 to 65535/
    ),
    bad(
      'unbalanced @',
      'source-uri',
      { 'source-uri': 'mongodb://u:Bad@pw-05@db.example/' },
      /must be written %40/
    ),
    bad(
      'bad percent-encoding',
      'app-uri (line 1)',
      { 'app-uri': 'mongodb://app:Bad%zzpw-06@db.example/appdb' },
      /URI malformed.*percent-encoded/
    ),
    bad(
      'mongodb+srv with a port',
      'target-uri',
      { 'target-uri': 'mongodb+srv://u:Bad-pw-07@cluster.example:27017/' },
      /cannot have port number/
    ),
    bad(
      'unknown option value',
      'target-uri',
      { 'target-uri': uri('u', 'Bad-pw-08', 'db.example/?tls=maybe') },
      /tls\/ssl must be either.*Correct or remove that option/
    ),
    bad(
      'app-uri without a user',
      'app-uri (line 1)',
      { 'app-uri': 'mongodb://db.example/appdb' },
      /has no user name\. Give the connection string the application itself uses/
    ),
    bad('unknown mode', 'mode', { mode: 'migrate-everything' }, /^mode:/),
    bad(
      'unknown role',
      'app-privileges',
      { 'app-privileges': 'appdb: readWriteAll' },
      /"readWriteAll" .*neither a built-in database role nor a privilege action\. Use one of the roles/
    ),
    bad(
      'unknown action',
      'app-privileges',
      { 'app-privileges': 'appdb: find, frobnicate' },
      /"frobnicate" .*Use one of the roles/
    ),
    bad(
      'privilege line without a colon',
      'app-privileges',
      { 'app-privileges': 'appdb readWrite' },
      /is not "<database>: <role or actions>"\. Write one line per database/
    ),
    bad(
      '$ in ns-exclude',
      'ns-exclude',
      { 'ns-exclude': 'appdb.$c$' },
      /contains "\$".*Use \* as the wildcard/
    ),
    bad(
      'ns-from and ns-to counts differ',
      'ns-to',
      { 'ns-from': 'appdb.a\nappdb.b', 'ns-to': 'copy.a' },
      /has 1 lines but ns-from has 2\. Give one ns-to line for each ns-from line/
    ),
    bad(
      'unpaired $ in ns-from',
      'ns-from',
      { 'ns-from': 'appdb.$c', 'ns-to': 'copy.c' },
      /unpaired "\$"\. Variables are written \$name\$/
    ),
    bad(
      'ns-to variables differ',
      'ns-to',
      { 'ns-from': 'appdb.$c$', 'ns-to': 'copy.$d$' },
      /same \$variables\$.*Use the same \$name\$ variables/
    ),
    refused(
      '--dumpDbUsersAndRoles',
      'mongodump-options',
      { 'mongodump-options': '--dumpDbUsersAndRoles' },
      /credential hashes.*Remove --dumpDbUsersAndRoles from mongodump-options/
    ),
    refused(
      '--restoreDbUsersAndRoles',
      'mongorestore-options',
      { 'mongorestore-options': '--restoreDbUsersAndRoles' },
      /Remove --restoreDbUsersAndRoles from mongorestore-options/
    ),
    refused(
      'a password in the options',
      'mongodump-options',
      { 'mongodump-options': `--password=${LEAKED}` },
      /no credential reaches argv.*Remove --password from mongodump-options/
    ),
    refused(
      '--nsInclude of admin',
      'mongorestore-options',
      { 'mongorestore-options': '--nsInclude=admin.*' },
      /Remove --nsInclude from mongorestore-options/
    ),
    bad(
      'unknown tool option',
      'mongorestore-options',
      { 'mongorestore-options': '--frobnicate' },
      /"--frobnicate" is not an option.*Remove it; supported:/
    ),
    refused(
      'databases: admin',
      'databases',
      { databases: 'appdb, admin' },
      /Remove admin from databases/
    ),
    bad(
      'a database name with $',
      'databases',
      { databases: 'app$db' },
      /is not a database name\. List database names/
    ),
    refused(
      'a rename into admin',
      'ns-to',
      { 'ns-from': 'appdb.$c$', 'ns-to': 'admin.$c$' },
      /rename only between user databases/
    ),
    bad(
      'negative probe timeout',
      'probe-timeout-seconds',
      { 'probe-timeout-seconds': '-5' },
      POSITIVE
    ),
    bad('non-numeric timeout', 'timeout-minutes', { 'timeout-minutes': 'ten' }, POSITIVE),
    bad('zero timeout', 'timeout-minutes', { 'timeout-minutes': '0' }, POSITIVE),
    bad(
      'archive in a missing directory',
      'archive',
      { archive: join(dir, 'missing', 'a.archive') },
      /does not exist\. Create it first or choose another path/
    ),
    bad(
      'archive that exists',
      'archive',
      { archive: existing },
      /already exists and would be overwritten\. Remove it or choose a new path/
    ),
    bad('drop: yes', 'drop', { drop: 'yes' }, BOOLEAN),
    bad('gzip: on', 'gzip', { gzip: 'on' }, BOOLEAN),
    bad(
      'tools-version: 7.0',
      'tools-version',
      { 'tools-version': '7.0' },
      /"7\.0" is not a Database Tools version\. Write an exact version such as 100\.19\.1, or latest/
    ),
    bad(
      'tools-mirror: not a URL, with a credential in it',
      'tools-mirror',
      { 'tools-mirror': `ftp://mirror:${MIRROR}@example.com/tools` },
      /is not an http\(s\) URL\. Give the base URL that serves full\.json/
    ),
    bad(
      'verify-sample: some',
      'verify-sample',
      { 'verify-sample': 'some' },
      /is not a number of documents\. Write a whole number \(100 by default, 0 turns the sample off\) or all/
    ),
    bad('allow-merge: Y', 'allow-merge', { 'allow-merge': 'Y' }, BOOLEAN),
    bad(
      'allow-failed-documents: 1',
      'allow-failed-documents',
      { 'allow-failed-documents': '1' },
      BOOLEAN
    ),
    bad('empty source-uri', 'source-uri', { 'source-uri': '' }, EMPTY),
    bad('empty target-uri', 'target-uri', { 'target-uri': '' }, EMPTY),
    bad('empty app-uri', 'app-uri', { 'app-uri': '' }, EMPTY),
    {
      name: 'tools-path without the tools',
      input: 'tools-path',
      inputs: { 'tools-path': dir },
      says: /does not exist\. Point tools-path at the directory holding mongodump/,
      kind: 'ToolNotFound'
    }
  ]
}

test('bad input: each case exits 1 naming the input and the fix; nothing is written', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await Promise.all([
    seedOrders(source, 100),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  const dir = mkdtempSync(join(tmpdir(), 'guard-bad-input-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const existing = join(dir, 'existing.archive')
  writeFileSync(existing, 'a backup that must not be overwritten')
  const base = {
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP, 'appdb'),
    'app-privileges': 'appdb: readWrite',
    'tools-path': binaries().toolsDir
  }
  const all = [
    ...cases(dir, existing),
    {
      name: 'a target that is the source',
      input: 'target-uri',
      inputs: { 'target-uri': source.rootUri },
      says: /same deployment.*Point target-uri at another deployment/,
      kind: 'ForbiddenOption' as const
    }
  ]
  assert.ok(all.length >= 25)
  for (const c of all) {
    await t.test(c.name, async () => {
      const run = await runAction({ ...base, ...c.inputs }, { node })
      const failure = run.report?.['failure'] as { kind: string; message: string } | undefined
      assert.equal(run.exitCode, 1, explain(run))
      assert.equal(failure?.kind, c.kind, explain(run))
      const names =
        c.kind === 'InvalidInput'
          ? failure.message.startsWith(`${c.input}:`)
          : failure.message.includes(c.input)
      assert.ok(names, `the message does not name ${c.input}: ${failure.message}`)
      assert.match(failure.message, c.says)
      assert.equal(run.report?.['targetWritten'], false)
      assert.match(run.report?.['aftermath'] as string, /Nothing was written to the target/)
      const files = [...run.leftovers.keys()].filter((f) => !f.endsWith('-report.json'))
      assert.deepEqual(files, [], 'files were left in RUNNER_TEMP')
    })
  }
  assert.equal(readFileSync(existing, 'utf8'), 'a backup that must not be overwritten')
  // Nothing reached either database: the target has no user database, the source is unchanged.
  const client = new MongoClient(target.rootUri, { maxPoolSize: 1 })
  const dbs = await client.db('admin').admin().listDatabases({ nameOnly: true })
  await client.close()
  assert.deepEqual(dbs.databases.map((d) => d.name).sort(), ['admin', 'config', 'local'])
})

test('an app-uri that names other hosts than target-uri: a warning that says what to give instead', async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  t.after(() => Promise.all([source.stop(), target.stop()]))
  await Promise.all([
    seedOrders(source, 100),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  // The probe then tests the source, where this app user does not exist: refused, nothing written.
  const run = await runAction(
    {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': source.uri('app', APP, 'appdb'),
      'tools-path': binaries().toolsDir
    },
    { node }
  )
  assert.match(
    run.stdout,
    /::warning title=app-uri points elsewhere::app-uri \(line 1\) names other hosts .*than target-uri.*Give app-uri the connection string the application uses for the target/
  )
  assert.equal(run.exitCode, 1)
  assert.equal(run.report?.['targetWritten'], false)
})

test('secret sweep: no password or connection string in anything any run left', () => {
  const secrets = [
    ...new Set([APP, LEAKED, MIRROR, ...allRuns.flatMap((run) => credentialsIn(run.inputs))])
  ]
  assert.ok(allRuns.length >= 25, `only ${allRuns.length} runs were recorded`)
  for (const run of allRuns) assert.deepEqual(secretHits(run, secrets), [], explain(run))
})

function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout.replace(/^::add-mask::.*\n/gm, '')}\n${run.stderr}`
}
