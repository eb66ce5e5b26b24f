// Version compatibility before anything is written: the pure rules, then real mongod 6.0.5
// servers: reading version and FCV (and not being allowed to read the FCV), and through the
// bundle a target whose feature compatibility version is older than the source's.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkCompatibility, type Versions } from '../../src/server/compatibility.ts'
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

const server = (version: string, fcv?: string, rawData?: boolean) => ({ version, fcv, rawData })

function verdict(v: Versions, allowOlderTarget = false) {
  const { refusal, warnings } = checkCompatibility(v, allowOlderTarget)
  return { kind: refusal?.kind, message: refusal?.message ?? '', warnings }
}

describe('the compatibility rules', () => {
  test('same versions pass', () => {
    const v = verdict({
      tools: '100.7.0',
      source: server('6.0.5', '6.0'),
      target: server('6.0.5', '6.0')
    })
    assert.deepEqual(v, { kind: undefined, message: '', warnings: [] })
  })

  test('tools older than 100.12 against 8.1 or newer, on either side', () => {
    for (const [source, target] of [
      ['8.1.0', '8.1.0'],
      ['7.0.15', '8.2.1'],
      ['8.1.0-rc0', '8.1.0']
    ] as const) {
      const v = verdict({ tools: '100.11.0', source: server(source), target: server(target) })
      assert.equal(v.kind, 'IncompatibleVersions', `${source} → ${target}`)
      assert.match(
        v.message,
        /predate 100\.12\.0: they read the auth schema document from admin\.system\.version, which MongoDB 8\.1 removed.*Set tools-version to 100\.12\.0 or newer.*Nothing was dumped or written\.$/
      )
    }
    assert.equal(
      verdict({ tools: '100.12.0', source: server('8.1.0'), target: server('8.1.0') }).kind,
      undefined
    )
    assert.equal(
      verdict({ tools: '100.11.0', source: server('8.0.4'), target: server('8.0.4') }).kind,
      undefined
    )
  })

  test('a source of 8.3+ and a dump user without performRawDataOperations', () => {
    const lacking = verdict({
      tools: '100.19.1',
      source: server('8.3.0', '8.3', false),
      target: undefined
    })
    assert.equal(lacking.kind, 'IncompatibleVersions')
    assert.match(
      lacking.message,
      /^source-uri: the source runs MongoDB 8\.3\.0, where mongodump needs the performRawDataOperations privilege.*backup role/
    )
    assert.equal(
      verdict({ tools: '100.19.1', source: server('8.3.0', '8.3', true), target: undefined }).kind,
      undefined
    )
    // Not known (no credentials, or not asked): not refused.
    assert.equal(
      verdict({ tools: '100.19.1', source: server('8.3.0', '8.3'), target: undefined }).kind,
      undefined
    )
  })

  test('a target of an older release, or an older FCV, is refused unless allowed', () => {
    const older = {
      tools: '100.19.1',
      source: server('8.0.4', '8.0'),
      target: server('7.0.15', '7.0')
    }
    const refused = verdict(older)
    assert.equal(refused.kind, 'IncompatibleVersions')
    assert.match(
      refused.message,
      /runs MongoDB 7\.0\.15, older than the source's MongoDB 8\.0\.4\. .*"cross-version dump & restore is unsupported".*set allow-older-target: true/
    )
    const allowed = verdict(older, true)
    assert.equal(allowed.kind, undefined)
    assert.match(
      allowed.warnings[0] ?? '',
      /older than the source's MongoDB 8\.0\.4.*allow-older-target is true/
    )
    const fcv = verdict({
      tools: '100.19.1',
      source: server('7.0.15', '7.0'),
      target: server('8.0.4', '6.0')
    })
    assert.match(
      fcv.message,
      /runs feature compatibility version 6\.0, older than the source's feature compatibility version 7\.0/
    )
    // A patch release of the same series, or a newer target, is fine.
    assert.equal(
      verdict({ tools: '100.19.1', source: server('7.0.15'), target: server('7.0.12') }).kind,
      undefined
    )
    assert.equal(
      verdict({ tools: '100.19.1', source: server('6.0.5'), target: server('8.0.4') }).kind,
      undefined
    )
    // Unknown versions refuse nothing (the pre-flight check reports unreachable servers).
    assert.equal(
      verdict({
        tools: undefined,
        source: server('8.2.0'),
        target: { version: undefined, fcv: undefined }
      }).kind,
      undefined
    )
  })
})

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
