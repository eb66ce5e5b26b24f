// Version compatibility on real mongod 6.0.5 servers: reading version and FCV (and not being
// allowed to read the FCV), and through the bundle a target whose feature compatibility version
// is older than the source's (the pure rules are in unit/versions.test.ts).
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Versions } from '../../src/server/compatibility.ts'
import { readServer } from '../../src/server/versions.ts'
import { MongoUri } from '../../src/secrets.ts'
import {
  binaries,
  createUser,
  pairFor,
  serverFor,
  stopAllServers,
  withClient
} from '../support/testbed.ts'
import { runAction } from '../support/run-action.ts'

after(stopAllServers)

describe(`real servers (mongod ${binaries().mongodVersion})`, () => {
  test('version and FCV with root; FCV unknown to a user who may not read it; unreachable is unknown', async (t) => {
    const mongod = await serverFor(t)
    await createUser(mongod, 'appdb', 'app', 'App-pw-9', ['readWrite'])
    const started = performance.now()
    const root = await readServer(new MongoUri(mongod.rootUri, 'source-uri'), 5000, true)
    const ms = performance.now() - started
    const app = await readServer(
      new MongoUri(mongod.uri('app', 'App-pw-9', 'appdb'), 'target-uri'),
      5000,
      false
    )
    const gone = await readServer(
      new MongoUri('mongodb://u:p@127.0.0.1:1/?directConnection=true', 'target-uri'),
      500,
      false
    )
    const series = binaries().mongodVersion.split('.').slice(0, 2).join('.')
    assert.deepEqual(root, { version: binaries().mongodVersion, fcv: series })
    assert.deepEqual(app, { version: binaries().mongodVersion, fcv: undefined })
    assert.deepEqual(gone, { version: undefined, fcv: undefined })
    console.log(
      `# reading one server's version and FCV: ${ms.toFixed(0)} ms (new connection, login, buildInfo, getParameter)`
    )
  })

  test('through the bundle: a target at an older FCV is refused before anything is written; allow-older-target lets it run', async (t) => {
    const [source, target] = await pairFor(t)
    await createUser(target, 'appdb', 'app', 'App-pw-8', ['readWrite'])
    await withClient(source.rootUri, (c) =>
      c
        .db('appdb')
        .collection('orders')
        .insertMany([{ n: 1 }, { n: 2 }])
    )
    await withClient(target.rootUri, (c) =>
      c.db('admin').command({ setFeatureCompatibilityVersion: '5.0' })
    )
    const inputs = {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', 'App-pw-8', 'appdb'),
      'tools-path': binaries().toolsDir
    }
    const refused = await runAction(inputs)
    assert.equal(refused.exitCode, 1)
    const report = refused.report as {
      failure: { kind: string; message: string }
      versions: Versions
      phases: unknown[]
    }
    assert.equal(report.failure.kind, 'IncompatibleVersions')
    assert.match(
      report.failure.message,
      /runs feature compatibility version 5\.0, older than the source's feature compatibility version 6\.0/
    )
    assert.deepEqual(report.versions.target, { version: binaries().mongodVersion, fcv: '5.0' })
    assert.deepEqual(report.phases, [], 'a phase ran')
    const written = await withClient(target.rootUri, (c) =>
      c.db('appdb').collection('orders').countDocuments()
    )
    assert.equal(written, 0)
    const v = binaries().mongodVersion
    assert.ok(
      refused.summary.includes(
        `Versions: tools ${binaries().toolsVersion} (path), source MongoDB ${v} (FCV 6.0), target MongoDB ${v} (FCV 5.0).`
      ),
      refused.summary
    )

    const allowed = await runAction({ ...inputs, 'allow-older-target': 'true' })
    assert.equal(allowed.exitCode, 0, `${allowed.stdout}\n${allowed.stderr}`)
    assert.match(
      allowed.stdout,
      /::warning title=Cross-version restore::.*Going on because allow-older-target is true/
    )
    assert.equal(allowed.outputs['restored-documents'], '2')
  })
})
