// How the action gets mongodump and mongorestore: from tools-path when given (nothing is
// downloaded), else the version asked for from the runner's tool cache, else from MongoDB's
// feed (or tools-mirror): downloaded, sha256-checked, unpacked and cached. Either way the
// tools must report the version asked for before anything else runs.
import { group, info } from '../../interface.js'
import { readFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import { GuardError } from '../../errors.js'
import { toolPath, toolVersion, type ToolName } from '../runner.js'
import type { ToolBins } from '../transfer.js'
import { cachedBuild, fetchText, findCached, install } from './download.js'
import { downloadUrl, feedUrl, fileName, parseFeed, resolveRelease } from './feed.js'
import { shownUrl as shown } from '../../secrets.js'
import { chooseBuild, parseOsRelease, type Runner } from './platform.js'

export interface ToolsRequest {
  /** An exact `100.x.y` or `latest`; undefined: use tools-path, or PATH. */
  version: string | undefined
  /** Base URL replacing MongoDB's hosts; undefined: MongoDB's own. */
  mirror: string | undefined
  /** A directory holding the tools: it wins, nothing is downloaded. */
  path: string | undefined
  /** Where downloads and unpacking happen (RUNNER_TEMP). */
  tempDir: string
  /** The tool cache's root (RUNNER_TOOL_CACHE). */
  cacheDir: string
}

export interface ObtainedTools {
  bins: ToolBins
  /** What `mongodump --version` reports. */
  version: string
  source: 'cache' | 'download' | 'path'
  /** The feed's file the tools came from (cache and download). */
  build: string | undefined
}

export async function obtainTools(
  request: ToolsRequest,
  runner: Runner = thisRunner()
): Promise<ObtainedTools> {
  if (request.path !== undefined || request.version === undefined) {
    const bins = {
      mongodump: toolPath('mongodump', request.path),
      mongorestore: toolPath('mongorestore', request.path)
    }
    const version = await sameVersion(bins, undefined)
    return { bins, version, source: 'path', build: undefined }
  }
  // tool-cache reads its root from the environment only.
  process.env['RUNNER_TOOL_CACHE'] ||= request.cacheDir
  const wanted = request.version
  return group<ObtainedTools>(`Get the MongoDB Database Tools ${wanted}`, async () => {
    if (wanted !== 'latest') {
      const cached = await fromCache(wanted)
      if (cached) return cached
    }
    const url = feedUrl(request.mirror)
    info(`Reading the release feed ${shown(url)}`)
    const release = resolveRelease(
      parseFeed(await fetchText(url, request.tempDir, request.mirror !== undefined), shown(url)),
      wanted
    )
    if (wanted === 'latest') {
      info(`latest is ${release.version}`)
      const cached = await fromCache(release.version)
      if (cached) return cached
    }
    const build = chooseBuild(release.builds, runner, release.version)
    const from = downloadUrl(build, request.mirror)
    info(`Downloading ${build.name}/${build.arch}: ${shown(from)} (sha256 ${build.sha256})`)
    const folder = await install(build, from, release.version, request.tempDir)
    const bins = binsIn(folder)
    const version = await sameVersion(bins, release.version)
    info(`Checked the sha256, unpacked and cached in ${folder}`)
    return { bins, version, source: 'download', build: fileName(build.url) }
  })
}

async function fromCache(version: string): Promise<ObtainedTools | undefined> {
  const folder = findCached(version)
  if (!folder) return undefined
  let bins: ToolBins
  try {
    bins = binsIn(folder)
  } catch {
    info(`The tool cache's ${folder} lacks the tools; downloading them again.`)
    return undefined
  }
  const checked = await sameVersion(bins, version)
  const build = await cachedBuild(folder)
  info(`Found the tools ${checked} in the tool cache: ${folder}${build ? ` (${build.file})` : ''}`)
  return { bins, version: checked, source: 'cache', build: build?.file }
}

function binsIn(folder: string): ToolBins {
  return {
    mongodump: toolPath('mongodump', join(folder, 'bin')),
    mongorestore: toolPath('mongorestore', join(folder, 'bin'))
  }
}

/** Both tools' version, which must agree with each other and with the version asked for. */
async function sameVersion(bins: ToolBins, wanted: string | undefined): Promise<string> {
  const versions: Record<ToolName, string> = {
    mongodump: await toolVersion('mongodump', bins.mongodump),
    mongorestore: await toolVersion('mongorestore', bins.mongorestore)
  }
  for (const tool of ['mongodump', 'mongorestore'] as const) {
    const expected = wanted ?? versions.mongodump
    if (versions[tool] !== expected) {
      throw new GuardError(
        'ToolVersionMismatch',
        `${tool} is not the version asked for`,
        `${bins[tool]} reports version ${versions[tool]}, but ${wanted ? `tools-version asked for ${wanted}` : `mongodump reports ${versions.mongodump}`}. Nothing was dumped or written. ${wanted ? 'The tool cache or the mirror (tools-mirror) holds other binaries under this version: remove that cache folder, or fix the mirror.' : 'Point tools-path at one installation of the Database Tools.'}`
      )
    }
  }
  return versions.mongodump
}

function thisRunner(): Runner {
  let osRelease: Record<string, string> = {}
  if (process.platform === 'linux') {
    try {
      osRelease = parseOsRelease(readFileSync('/etc/os-release', 'utf8'))
    } catch {
      // No os-release: the choice fails with the list of platforms instead.
    }
  }
  return { platform: process.platform, arch: arch(), osRelease }
}
