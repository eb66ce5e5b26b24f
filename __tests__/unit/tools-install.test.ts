// Choosing the build (every distribution and architecture of the feed), reading the feed, and
// the download failures that the end-to-end test cannot reach quickly (tool-cache waits 10-20 s
// between retries; here the waits are set to 0): a download cut short, a feed unreachable.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { GuardError } from '../../src/errors.ts'
import {
  downloadUrl,
  parseFeed,
  resolveRelease,
  type FeedBuild
} from '../../src/tools/install/feed.ts'
import { compareVersions } from '../../src/server/compatibility.ts'
import { obtainTools } from '../../src/tools/install/index.ts'
import { shownUrl as shown } from '../../src/secrets.ts'
import {
  chooseBuild,
  parseOsRelease,
  versionOf,
  type Runner
} from '../../src/tools/install/platform.ts'
import {
  archiveName,
  FEED_PLATFORMS,
  feedOf,
  startDownloadSite,
  tempDir
} from '../support/download-site.ts'

const builds: FeedBuild[] = parseFeed(
  feedOf([{ version: '100.19.1', platforms: FEED_PLATFORMS }]),
  'fixture'
)[0]!.builds

function linux(id: string, versionId: string, nodeArch = 'x64', extra = {}): Runner {
  return {
    platform: 'linux',
    arch: nodeArch,
    osRelease: { ID: id, VERSION_ID: versionId, ...extra }
  }
}

const NODE_ARCH: Record<string, string> = {
  x86_64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  ppc64le: 'ppc64',
  s390x: 's390x'
}

/** The runner each feed platform is built for, as its /etc/os-release describes it. */
function runnerFor(name: string, arch: string): Runner {
  const nodeArch = NODE_ARCH[arch] as string
  if (name === 'macos') return { platform: 'darwin', arch: nodeArch, osRelease: {} }
  if (name === 'windows') return { platform: 'win32', arch: nodeArch, osRelease: {} }
  const digits = name.replace(/^\D+/, '')
  if (name.startsWith('ubuntu'))
    return linux('ubuntu', `${digits.slice(0, 2)}.${digits.slice(2)}`, nodeArch)
  if (name.startsWith('debian'))
    return linux('debian', digits.slice(0, digits[0] === '1' ? 2 : 1), nodeArch)
  if (name.startsWith('rhel')) {
    const major = digits.slice(0, digits[0] === '1' ? 2 : 1)
    return linux('rhel', `${major}.${digits.slice(major.length) || '0'}`, nodeArch)
  }
  if (name.startsWith('amazon')) return linux('amzn', digits || '2018.03', nodeArch)
  if (name.startsWith('suse')) return linux('sles', `${digits}.5`, nodeArch)
  throw new Error(`no runner for ${name}`)
}

describe('choosing the build', () => {
  for (const { name, arch } of FEED_PLATFORMS) {
    test(`${name}/${arch}: the runner it was built for gets exactly it`, () => {
      const chosen = chooseBuild(builds, runnerFor(name, arch), '100.19.1')
      assert.deepEqual([chosen.name, chosen.arch], [name, arch])
      assert.equal(
        chosen.url,
        `https://fastdl.mongodb.org/tools/db/${archiveName(name, arch, '100.19.1')}`
      )
    })
  }

  const cases: [string, Runner, string][] = [
    ['Ubuntu 24.10 takes the newest not above it', linux('ubuntu', '24.10'), 'ubuntu2404/x86_64'],
    ['Ubuntu 22.04 on arm64 says arm64', linux('ubuntu', '22.04', 'arm64'), 'ubuntu2204/arm64'],
    ['Rocky 9.4 is RHEL 9.3+', linux('rocky', '9.4'), 'rhel93/x86_64'],
    ['AlmaLinux 8.10 on arm64 says aarch64', linux('almalinux', '8.10', 'arm64'), 'rhel88/aarch64'],
    ['RHEL 9.1 predates rhel93: the newest not above', linux('rhel', '9.1'), 'rhel88/x86_64'],
    ['CentOS Stream 9 ("9") is below 9.3', linux('centos', '9'), 'rhel88/x86_64'],
    ['RHEL 10.0', linux('rhel', '10.0'), 'rhel10/x86_64'],
    ['Oracle Linux 8.9 by its ID', linux('ol', '8.9'), 'rhel88/x86_64'],
    [
      'an unknown RHEL rebuild by ID_LIKE',
      linux('eurolinux', '9.5', 'x64', { ID_LIKE: 'rhel fedora centos' }),
      'rhel93/x86_64'
    ],
    ['Debian 12 on arm64', linux('debian', '12', 'arm64'), 'debian12/arm64'],
    ['Debian 9 is debian92', linux('debian', '9'), 'debian92/x86_64'],
    ['Amazon Linux 2023 on arm64', linux('amzn', '2023', 'arm64'), 'amazon2023/aarch64'],
    ['Amazon Linux 2', linux('amzn', '2'), 'amazon2/x86_64'],
    ['openSUSE Leap 15.6', linux('opensuse-leap', '15.6'), 'suse15/x86_64'],
    ['SLES 16.0 before a suse16 build', linux('sles', '16.0'), 'suse15/x86_64'],
    ['macOS on Apple silicon', { platform: 'darwin', arch: 'arm64', osRelease: {} }, 'macos/arm64'],
    ['Windows x64', { platform: 'win32', arch: 'x64', osRelease: {} }, 'windows/x86_64']
  ]
  for (const [name, runner, expected] of cases) {
    test(name, () => {
      const chosen = chooseBuild(builds, runner, '100.19.1')
      assert.equal(`${chosen.name}/${chosen.arch}`, expected)
    })
  }

  const refused: [string, Runner][] = [
    ['Arch Linux (no VERSION_ID, no family)', linux('arch', '')],
    ['Fedora is not RHEL', linux('fedora', '40', 'x64', { ID_LIKE: 'rhel' })],
    ['Ubuntu 16.04, older than every Ubuntu build', linux('ubuntu', '16.04')],
    ['Debian testing without VERSION_ID', linux('debian', '')],
    ['Windows on arm64', { platform: 'win32', arch: 'arm64', osRelease: {} }],
    ['Debian 12 on s390x', linux('debian', '12', 's390x')],
    ['FreeBSD', { platform: 'freebsd', arch: 'x64', osRelease: {} }]
  ]
  for (const [name, runner] of refused) {
    test(`${name}: refused, listing every platform of the release`, () => {
      assert.throws(
        () => chooseBuild(builds, runner, '100.19.1'),
        (error: GuardError) => {
          assert.equal(error.kind, 'ToolUnavailable')
          assert.match(
            error.message,
            /^tools-version: the MongoDB Database Tools 100\.19\.1 have no build for this runner/
          )
          for (const { name: n, arch } of FEED_PLATFORMS)
            assert.ok(error.message.includes(`${n}/${arch}`), `${n}/${arch} not listed`)
          assert.match(error.message, /set tools-path/)
          return true
        }
      )
    })
  }

  test('feed names stand for OS versions', () => {
    assert.deepEqual(
      [
        'ubuntu2204',
        'debian92',
        'debian13',
        'rhel88',
        'rhel9',
        'rhel10',
        'amazon',
        'amazon2023',
        'suse15',
        'macos'
      ].map(versionOf),
      [[22, 4], [9], [13], [8, 8], [9], [10], [1], [2023], [15], []]
    )
  })

  test('/etc/os-release: quoted and bare values', () => {
    assert.deepEqual(
      parseOsRelease('NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n# c\nID_LIKE=debian\n'),
      {
        NAME: 'Ubuntu',
        VERSION_ID: '24.04',
        ID: 'ubuntu',
        ID_LIKE: 'debian'
      }
    )
  })
})

describe('reading the feed', () => {
  const text = feedOf(
    ['100.9.4', '100.10.0', '100.19.1', '100.7.0'].map((version) => ({
      version,
      platforms: [{ name: 'ubuntu2204', arch: 'x86_64' }]
    }))
  )

  test('latest is the highest version, compared by number', () => {
    assert.equal(resolveRelease(parseFeed(text, 'f'), 'latest').version, '100.19.1')
    assert.ok(compareVersions('100.10.0', '100.9.4') > 0)
  })

  test('an exact version, or an error naming tools-version and the newest releases', () => {
    assert.equal(resolveRelease(parseFeed(text, 'f'), '100.9.4').version, '100.9.4')
    assert.throws(
      () => resolveRelease(parseFeed(text, 'f'), '100.8.0'),
      /tools-version: 100\.8\.0 is not a release .*newest: 100\.19\.1, 100\.10\.0, 100\.9\.4, 100\.7\.0\)\. Set tools-version/
    )
  })

  test('not a feed: a clear error', () => {
    assert.throws(
      () => parseFeed('<html>', 'https://m/full.json'),
      /feed https:\/\/m\/full\.json cannot be used: it is not JSON/
    )
    assert.throws(() => parseFeed('{"a":1}', 'u'), /it has no "versions" list/)
  })

  test('a credential in a mirror URL never reaches a message', () => {
    assert.equal(shown('https://u:Pw-1@m.example/tools'), 'https://m.example/tools')
    assert.equal(shown('http://m.example/a@b'), 'http://m.example/a@b')
  })

  test('a mirror serves the feed file name; MongoDB is reached over https only', () => {
    const build = parseFeed(text, 'f')[0]!.builds[0]!
    assert.equal(
      downloadUrl(build, 'http://10.0.0.5/mongo/'),
      'http://10.0.0.5/mongo/mongodb-database-tools-ubuntu2204-x86_64-100.9.4.tgz'
    )
    assert.equal(
      downloadUrl({ ...build, url: 'fastdl.mongodb.org/tools/db/x.tgz' }, undefined),
      'https://fastdl.mongodb.org/tools/db/x.tgz'
    )
    assert.equal(
      downloadUrl({ ...build, url: 'http://fastdl.mongodb.org/tools/db/x.tgz' }, undefined),
      'https://fastdl.mongodb.org/tools/db/x.tgz'
    )
  })
})

describe('download failures (tool-cache retries without waiting)', () => {
  const work = tempDir('guard-install-')
  const g = globalThis as Record<string, unknown>
  before(() => {
    g['TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS'] = 0
    g['TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS'] = 0
  })
  after(() => work.remove())

  function request(mirror: string) {
    const runnerTemp = mkdtempSync(join(work.dir, 'temp-'))
    const cacheDir = mkdtempSync(join(work.dir, 'cache-'))
    process.env['RUNNER_TOOL_CACHE'] = cacheDir
    return { version: '100.7.0', mirror, path: undefined, tempDir: runnerTemp, cacheDir }
  }
  const debian12: Runner = linux('debian', '12')

  test('a download cut short: retried, then refused; nothing left behind or cached', async () => {
    const site = await startDownloadSite()
    try {
      const file = archiveName('debian12', 'x86_64', '100.7.0')
      site.files.set(
        'full.json',
        Buffer.from(feedOf([{ version: '100.7.0', platforms: FEED_PLATFORMS }]))
      )
      site.files.set(file, 'cut-short')
      const req = request(site.url)
      await assert.rejects(obtainTools(req, debian12), (error: GuardError) => {
        assert.equal(error.kind, 'ToolUnavailable')
        assert.match(
          error.message,
          new RegExp(`^tools-version: downloading ${site.url}/${file} failed: .*retried twice`)
        )
        return true
      })
      assert.equal(site.requests.filter((p) => p.endsWith(file)).length, 3, 'not retried')
      assert.deepEqual(readdirSync(req.tempDir), [])
      assert.deepEqual(readdirSync(req.cacheDir), [])
    } finally {
      await site.close()
    }
  })

  test('a feed that cannot be reached: refused, naming tools-mirror', async () => {
    const site = await startDownloadSite()
    const url = site.url
    await site.close()
    const req = request(url)
    await assert.rejects(obtainTools(req, debian12), (error: GuardError) => {
      assert.equal(error.kind, 'ToolUnavailable')
      assert.match(
        error.message,
        /^The MongoDB Database Tools feed http:\/\/127\.0\.0\.1:\d+\/tools\/db\/full\.json could not be read: .*Check that tools-mirror serves full\.json/
      )
      return true
    })
    assert.deepEqual(readdirSync(req.tempDir), [])
  })

  test('a feed the mirror does not have (404)', async () => {
    const site = await startDownloadSite()
    try {
      await assert.rejects(
        obtainTools(request(site.url), debian12),
        /could not be read: Unexpected HTTP response: 404/
      )
      assert.deepEqual(site.requests, ['/tools/db/full.json'], 'a 404 is not retried')
    } finally {
      await site.close()
    }
  })
})
