// `node --import tsx scripts/measure-tools.ts`: what obtaining the tools and checking versions
// cost. A loopback "download site" serves a feed and an archive built from the provisioned
// tools; obtainTools runs against it into an empty tool cache (feed + download + sha256 +
// extract + cache + --version checks), then again from the cache; the version check reads two
// real mongods. Medians of MEASURE_REPEAT runs (default 5).
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { obtainTools } from '../src/tools/install/index.ts'
import { sha256 } from '../src/tools/install/download.ts'
import { parseFeed } from '../src/tools/install/feed.ts'
import { chooseBuild, parseOsRelease } from '../src/tools/install/platform.ts'
import { readServer } from '../src/server/versions.ts'
import { MongoUri } from '../src/secrets.ts'
import {
  archiveName,
  buildArchive,
  FEED_PLATFORMS,
  feedOf,
  startDownloadSite,
  tempDir
} from '../__tests__/support/download-site.ts'
import { binaries, startServer, stopAllServers } from '../__tests__/support/testbed.ts'

const REPEAT = Math.max(1, Number(process.env['MEASURE_REPEAT'] ?? 5) || 5)
const version = binaries().toolsVersion
const work = tempDir('guard-measure-')
const site = await startDownloadSite()
// Tool-cache output (tar's command line) is not what is measured here.
const write = process.stdout.write.bind(process.stdout)
const quiet = async <T>(fn: () => Promise<T>): Promise<T> => {
  process.stdout.write = () => true
  try {
    return await fn()
  } finally {
    process.stdout.write = write
  }
}

try {
  const runner = {
    platform: process.platform,
    arch: arch(),
    osRelease: parseOsRelease(readFileSync('/etc/os-release', 'utf8'))
  }
  const probe = parseFeed(feedOf([{ version, platforms: FEED_PLATFORMS }]), 'x')[0]!
  const mine = chooseBuild(probe.builds, runner, version)
  const file = archiveName(mine.name, mine.arch, version)
  const archive = buildArchive(work.dir, file.replace(/\.tgz$/, ''), binaries())
  const hash = createHash('sha256').update(archive).digest('hex')
  site.files.set(file, archive)
  site.files.set(
    'full.json',
    Buffer.from(
      feedOf([{ version, platforms: FEED_PLATFORMS }], (f) =>
        f === file ? hash : createHash('sha256').update(f).digest('hex')
      )
    )
  )
  const archivePath = join(work.dir, file)
  writeFileSync(archivePath, archive)

  const download: number[] = []
  const cacheHit: number[] = []
  const hashing: number[] = []
  for (let i = 0; i < REPEAT; i++) {
    const cacheDir = mkdtempSync(join(work.dir, 'cache-'))
    process.env['RUNNER_TOOL_CACHE'] = cacheDir
    const request = {
      version,
      mirror: site.url,
      path: undefined,
      tempDir: mkdtempSync(join(work.dir, 'temp-')),
      cacheDir
    }
    download.push(await timed(() => quiet(() => obtainTools(request, runner))))
    cacheHit.push(await timed(() => quiet(() => obtainTools(request, runner))))
    hashing.push(await timed(() => sha256(archivePath)))
  }

  const [a, b] = await Promise.all([startServer(), startServer()])
  const versionCheck: number[] = []
  for (let i = 0; i < REPEAT; i++) {
    const [source, target] = [
      new MongoUri(a.rootUri, 'source-uri'),
      new MongoUri(b.rootUri, 'target-uri')
    ]
    versionCheck.push(
      await timed(() =>
        Promise.all([readServer(source, 5000, true), readServer(target, 5000, false)])
      )
    )
  }

  const mb = (archive.length / 1e6).toFixed(1)
  console.log(
    `Tools ${version}, archive ${file} (${mb} MB), loopback mirror, ${REPEAT} runs, median:`
  )
  console.log(`  download + sha256 + extract + cache + --version checks: ${median(download)} ms`)
  console.log(`    of which the sha256 of the archive:                  ${median(hashing)} ms`)
  console.log(`  cache hit (find + --version checks, no request):        ${median(cacheHit)} ms`)
  console.log(
    `  version check, source and target in parallel (mongod ${binaries().mongodVersion}): ${median(versionCheck)} ms`
  )
} finally {
  await site.close()
  await stopAllServers()
  work.remove()
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

function median(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y)
  return (sorted[Math.floor(sorted.length / 2)] as number).toFixed(0)
}
