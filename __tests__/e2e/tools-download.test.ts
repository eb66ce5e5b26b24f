// The action obtains its own Database Tools: the bundle, run as a runner runs it with NO tools
// on PATH, reads a feed from a loopback "download site", downloads an archive built here from
// the provisioned tools, checks its sha256, unpacks, caches, and migrates with it; then the
// refusals: a tampered file, an unknown version, an unknown platform, and tools-path winning.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import { chooseBuild, parseOsRelease } from '../../src/tools/install/platform.ts'
import { parseFeed } from '../../src/tools/install/feed.ts'
import {
  archiveName,
  buildArchive,
  FEED_PLATFORMS,
  feedOf,
  startDownloadSite,
  tempDir,
  type DownloadSite
} from '../support/download-site.ts'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  withClient,
  type MongoServer
} from '../support/testbed.ts'
import { nodeRuntimes, runAction, type ActionRun } from '../support/run-action.ts'

after(stopAllServers)

const VERSION = binaries().toolsVersion
// A PATH that holds tar and node's neighbours but no mongodump.
const NO_TOOLS = '/usr/bin:/bin'
const [node20, node24] = nodeRuntimes() as unknown as [{ bin: string }, { bin: string }]

let site: DownloadSite
let work: { dir: string; remove: () => void }
/** The file this machine's build is served as, e.g. mongodb-database-tools-debian12-x86_64-100.7.0.tgz. */
let file: string
let good: Buffer

before(async () => {
  assert.ok(!/mongodump/.test(NO_TOOLS) && !existsSync('/usr/bin/mongodump'), 'tools on PATH')
  work = tempDir('guard-tools-')
  site = await startDownloadSite()
  // The feed names every platform; this machine's build is what the action must choose.
  const probeFeed = parseFeed(feedOf([{ version: VERSION, platforms: FEED_PLATFORMS }]), 'x')
  const osRelease = parseOsRelease(readFileSync('/etc/os-release', 'utf8'))
  const mine = chooseBuild(
    probeFeed[0]!.builds,
    { platform: process.platform, arch: arch(), osRelease },
    VERSION
  )
  file = archiveName(mine.name, mine.arch, VERSION)
  good = buildArchive(work.dir, file.replace(/\.tgz$/, ''), binaries())
  site.files.set(file, good)
  site.files.set('full.json', Buffer.from(feed()))
})

after(async () => {
  await site?.close()
  work?.remove()
})

/** The feed with every platform; this machine's file carries the real archive's sha256. */
function feed(versions = [VERSION]): string {
  const real = createHash('sha256').update(good).digest('hex')
  return feedOf(
    versions.map((version) => ({ version, platforms: FEED_PLATFORMS })),
    (name) => (name === file ? real : createHash('sha256').update(name).digest('hex'))
  )
}

function failure(run: ActionRun): { kind: string; message: string } {
  assert.equal(run.exitCode, 1, `${run.stdout}\n${run.stderr}`)
  return (run.report as { failure: { kind: string; message: string } }).failure
}

async function userDatabases(server: MongoServer): Promise<string[]> {
  return withClient(server.rootUri, async (c) =>
    (
      (await c.db('admin').command({ listDatabases: 1, nameOnly: true }))['databases'] as {
        name: string
      }[]
    )
      .map((d) => d.name)
      .filter((n) => !['admin', 'config', 'local'].includes(n))
  )
}

describe('the action downloads, verifies and caches its own tools', () => {
  let source: MongoServer
  let target: MongoServer
  let inputs: Record<string, string>
  const cache = () => join(work.dir, 'tool-cache')

  before(async () => {
    ;[source, target] = await Promise.all([startServer(), startServer()])
    await createUser(target, 'appdb', 'app', 'App-pw-1', ['readWrite'])
    await withClient(source.rootUri, (c) =>
      c
        .db('appdb')
        .collection('orders')
        .insertMany(Array.from({ length: 500 }, (_, i) => ({ n: i })))
    )
    inputs = {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', 'App-pw-1', 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-version': VERSION,
      'tools-mirror': site.url
    }
  })
  after(() => Promise.all([source?.stop(), target?.stop()]))

  test('first run (Node 24): feed, download, sha256, unpack, cache, and a migration that passes', async () => {
    site.requests.length = 0
    const run = await runAction(inputs, {
      node: node24.bin,
      path: NO_TOOLS,
      env: { RUNNER_TOOL_CACHE: cache() }
    })
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`)
    assert.equal(run.outputs['status'], 'passed')
    assert.equal(run.outputs['tools-source'], 'download')
    assert.equal(run.outputs['tools-version'], VERSION)
    assert.deepEqual(site.requests, ['/tools/db/full.json', `/tools/db/${file}`])
    assert.equal(run.outputs['restored-documents'], '500')
    const tools = (run.report as { tools: Record<string, string> }).tools
    assert.deepEqual(tools, {
      mongodump: VERSION,
      mongorestore: VERSION,
      source: 'download',
      build: file,
      credentials: 'pipe'
    })
    // Source and target of the same version: checked, recorded, and the run goes on.
    const mongod = binaries().mongodVersion
    const server = { version: mongod, fcv: mongod.split('.').slice(0, 2).join('.') }
    assert.deepEqual((run.report as { versions: unknown }).versions, {
      tools: VERSION,
      source: server,
      target: server
    })
    const cached = join(cache(), 'mongodb-database-tools', VERSION, arch())
    assert.ok(existsSync(join(cached, 'bin', 'mongodump')), 'not cached')
    assert.ok(existsSync(`${cached}.complete`), 'cache entry not marked complete')
    // The archive and the unpacked copy are gone; only the report stays in RUNNER_TEMP.
    assert.deepEqual(
      [...run.leftovers.keys()].filter((f) => !f.endsWith('mongo-restore-guard-report.json')),
      []
    )
    assert.match(run.stdout, /Checked the sha256, unpacked and cached/)
  })

  test('second run (Node 20): served from the tool cache, the site sees no request', async () => {
    site.requests.length = 0
    const run = await runAction(
      { ...inputs, drop: 'true' },
      { node: node20.bin, path: NO_TOOLS, env: { RUNNER_TOOL_CACHE: cache() } }
    )
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`)
    assert.equal(run.outputs['tools-source'], 'cache')
    assert.equal(run.outputs['tools-version'], VERSION)
    assert.deepEqual(site.requests, [])
  })

  test('latest: the feed is read to resolve it, then the cache serves it', async () => {
    site.requests.length = 0
    const run = await runAction(
      { ...inputs, drop: 'true', 'tools-version': 'latest' },
      { node: node24.bin, path: NO_TOOLS, env: { RUNNER_TOOL_CACHE: cache() } }
    )
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`)
    assert.equal(run.outputs['tools-source'], 'cache')
    assert.equal(run.outputs['tools-version'], VERSION)
    assert.deepEqual(site.requests, ['/tools/db/full.json'])
  })

  describe('refusals: nothing is written to any database', () => {
    let empty: MongoServer
    let refusal: Record<string, string>
    before(async () => {
      empty = await startServer()
      await createUser(empty, 'appdb', 'app', 'App-pw-2', ['readWrite'])
      refusal = {
        ...inputs,
        'target-uri': empty.rootUri,
        'app-uri': empty.uri('app', 'App-pw-2', 'appdb')
      }
    })
    after(() => empty?.stop())
    const fresh = () => ({
      path: NO_TOOLS,
      env: { RUNNER_TOOL_CACHE: mkdtempSync(join(work.dir, 'cache-')) }
    })

    test('a tampered archive is refused, deleted and never run', async () => {
      const marker = join(work.dir, 'tampered-tool-ran')
      // Same name, other bytes: tools that would leave a mark if anything ran them.
      const evil = buildArchive(work.dir, file.replace(/\.tgz$/, ''), {
        script: `#!/bin/sh\ntouch '${marker}'\necho "mongodump version: ${VERSION}"\n`
      })
      site.files.set(file, evil)
      const options = fresh()
      try {
        const run = await runAction(refusal, options)
        const { kind, message } = failure(run)
        assert.equal(kind, 'ToolChecksumMismatch')
        assert.match(
          message,
          /has sha256 [0-9a-f]{64}, but the feed says [0-9a-f]{64}.*deleted without being opened or run/
        )
        assert.ok(!existsSync(marker), 'the tampered tool ran')
        assert.deepEqual(readdirSync(options.env.RUNNER_TOOL_CACHE), [], 'something was cached')
        assert.deepEqual(
          [...run.leftovers.keys()].filter((f) => !f.endsWith('mongo-restore-guard-report.json')),
          [],
          'the tampered file was left behind'
        )
        assert.deepEqual(await userDatabases(empty), [])
      } finally {
        site.files.set(file, good)
      }
    })

    test('an unknown version is refused, naming tools-version and the releases', async () => {
      const run = await runAction({ ...refusal, 'tools-version': '100.99.0' }, fresh())
      const { kind, message } = failure(run)
      assert.equal(kind, 'InvalidInput')
      assert.match(
        message,
        new RegExp(
          `^tools-version: 100\\.99\\.0 is not a release .*newest: ${VERSION.replace(/\./g, '\\.')}`
        )
      )
      assert.deepEqual(await userDatabases(empty), [])
    })

    test('a runner the release has no build for is refused, listing the platforms', async () => {
      const foreign = FEED_PLATFORMS.filter((p) => p.name === 'macos' || p.name === 'windows')
      site.files.set('full.json', Buffer.from(feedOf([{ version: VERSION, platforms: foreign }])))
      try {
        const run = await runAction(refusal, fresh())
        const { kind, message } = failure(run)
        assert.equal(kind, 'ToolUnavailable')
        assert.match(
          message,
          /have no build for this runner \(.*\)\. The release has builds for: macos\/arm64, macos\/x86_64, windows\/x86_64\./
        )
        assert.match(message, /set tools-path/)
        assert.deepEqual(await userDatabases(empty), [])
      } finally {
        site.files.set('full.json', Buffer.from(feed()))
      }
    })

    test('tools-path wins: those binaries run and nothing is downloaded', async () => {
      site.requests.length = 0
      const run = await runAction(
        {
          ...refusal,
          'tools-path': binaries().toolsDir,
          mode: 'dump',
          archive: join(mkdtempSync(join(work.dir, 'dump-')), 'd')
        },
        fresh()
      )
      assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`)
      assert.equal(run.outputs['tools-source'], 'path')
      assert.equal(run.outputs['tools-version'], VERSION)
      assert.deepEqual(site.requests, [])
    })
  })
})
