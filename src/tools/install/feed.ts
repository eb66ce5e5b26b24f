// MongoDB's release feed of the Database Tools (full.json): which versions exist, and for each
// one the archive of every platform with its sha256. Reading it is pure; fetching is download.ts.
import { GuardError, invalidInput } from '../../errors.js'
import { compareVersions } from '../../server/compatibility.js'

/** Where MongoDB publishes the feed; `tools-mirror` replaces it with `<mirror>/full.json`. */
export const OFFICIAL_FEED = 'https://downloads.mongodb.org/tools/db/full.json'

/** One archive of one release: `name` is the platform (ubuntu2404, macos…), `arch` its CPU. */
export interface FeedBuild {
  name: string
  arch: string
  url: string
  sha256: string
}

export interface FeedRelease {
  version: string
  builds: FeedBuild[]
}

const EXACT = /^100\.\d+\.\d+$/

/** The feed's releases, keeping only the entries this action can use (an archive with a sha256). */
export function parseFeed(text: string, feedUrl: string): FeedRelease[] {
  let feed: unknown
  try {
    feed = JSON.parse(text)
  } catch {
    throw unreadable(feedUrl, 'it is not JSON')
  }
  const versions = (feed as { versions?: unknown })?.versions
  if (!Array.isArray(versions)) throw unreadable(feedUrl, 'it has no "versions" list')
  return versions.flatMap((entry): FeedRelease[] => {
    const version = (entry as { version?: unknown })?.version
    const downloads = (entry as { downloads?: unknown })?.downloads
    if (typeof version !== 'string' || !Array.isArray(downloads)) return []
    const builds = downloads.flatMap((d): FeedBuild[] => {
      const archive = (d as { archive?: { url?: unknown; sha256?: unknown } })?.archive
      const { name, arch } = d as { name?: unknown; arch?: unknown }
      if (typeof name !== 'string' || typeof arch !== 'string') return []
      if (typeof archive?.url !== 'string' || typeof archive.sha256 !== 'string') return []
      return [{ name, arch, url: archive.url, sha256: archive.sha256.toLowerCase() }]
    })
    return [{ version, builds }]
  })
}

/** The release asked for: an exact `100.x.y`, or the highest version for `latest`. */
export function resolveRelease(releases: FeedRelease[], wanted: string): FeedRelease {
  const stable = releases.filter((r) => EXACT.test(r.version))
  if (wanted === 'latest') {
    const newest = stable.sort((a, b) => compareVersions(b.version, a.version))[0]
    if (!newest)
      throw new GuardError(
        'ToolUnavailable',
        'No tools release',
        'tools-version: latest: the feed lists no release. Check tools-mirror, or pin tools-version to an exact version.'
      )
    return newest
  }
  const release = stable.find((r) => r.version === wanted)
  if (release) return release
  const known = stable
    .map((r) => r.version)
    .sort((a, b) => compareVersions(b, a))
    .slice(0, 5)
  throw invalidInput(
    'tools-version',
    `${wanted} is not a release of the MongoDB Database Tools (the feed's newest: ${known.join(', ') || 'none'})`,
    'Set tools-version to one of the released versions, or to latest'
  )
}

/** The file name a download is served under: the last segment of the feed's url. */
export function fileName(url: string): string {
  return url.split(/[?#]/)[0]?.split('/').pop() ?? ''
}

/** Where to download a build from: the feed's own url, or the same file name under a mirror. */
export function downloadUrl(build: FeedBuild, mirror: string | undefined): string {
  if (mirror) return `${mirror.replace(/\/+$/, '')}/${fileName(build.url)}`
  // The feed says fastdl.mongodb.org; anything but https would let the network swap the file and its hash together.
  const url = /^https:\/\//.test(build.url)
    ? build.url
    : `https://${build.url.replace(/^\w+:\/\//, '')}`
  return url
}

export function feedUrl(mirror: string | undefined): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/full.json` : OFFICIAL_FEED
}

function unreadable(url: string, why: string): GuardError {
  return new GuardError(
    'ToolUnavailable',
    'The tools feed is unreadable',
    `The MongoDB Database Tools feed ${url} cannot be used: ${why}. Nothing was dumped or written. If tools-mirror is set, it must serve MongoDB's full.json unchanged; otherwise set tools-path to a directory holding mongodump and mongorestore.`
  )
}
