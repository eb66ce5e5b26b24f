// Fetching and unpacking with @actions/tool-cache (which retries a failed download but checks
// no checksum): every archive is hashed BEFORE it is extracted, and a file whose sha256 differs
// from the feed's is deleted unopened. Cached under RUNNER_TOOL_CACHE, one folder per version.
import * as tc from '@actions/tool-cache'
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GuardError } from '../../errors.js'
import { fileName, type FeedBuild } from './feed.js'
import { shownUrl as shown } from '../../secrets.js'

/** The tool-cache name; one folder per version and arch, holding bin/ and build.json. */
export const TOOL_NAME = 'mongodb-database-tools'

/** Written beside bin/ in the cache: which file of the feed the cached tools came from. */
export interface CachedBuild {
  file: string
  sha256: string
}

/** The feed's text, or an error saying the feed cannot be reached. */
export async function fetchText(url: string, tempDir: string, mirrored: boolean): Promise<string> {
  const file = join(tempDir, `feed-${randomUUID()}.json`)
  try {
    await tc.downloadTool(url, file)
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new GuardError(
      'ToolUnavailable',
      'The tools feed cannot be reached',
      `The MongoDB Database Tools feed ${shown(url)} could not be read: ${reason(error)}. Nothing was dumped or written. ${
        mirrored
          ? 'Check that tools-mirror serves full.json and that the runner can reach it'
          : 'Check that the runner can reach downloads.mongodb.org (a proxy or firewall may block it); on an isolated network set tools-mirror to a server holding full.json and the archives'
      }, or set tools-path to a directory holding mongodump and mongorestore.`
    )
  } finally {
    await rm(file, { force: true })
  }
}

/** The folder of the tools in the cache after downloading, checking and unpacking `build`. */
export async function install(
  build: FeedBuild,
  url: string,
  version: string,
  tempDir: string
): Promise<string> {
  const name = fileName(build.url)
  const archive = join(tempDir, `${randomUUID()}-${name}`)
  const unpacked = join(tempDir, randomUUID())
  try {
    try {
      await tc.downloadTool(url, archive)
    } catch (error) {
      throw new GuardError(
        'ToolUnavailable',
        'The tools download failed',
        `tools-version: downloading ${shown(url)} failed: ${reason(error)} (a download cut short is retried twice). Nothing was dumped or written. Run the job again; if it keeps failing, check the network or tools-mirror, or set tools-path.`
      )
    }
    const actual = await sha256(archive)
    if (actual !== build.sha256) {
      throw new GuardError(
        'ToolChecksumMismatch',
        'The downloaded tools failed their checksum',
        `${shown(url)} has sha256 ${actual}, but the feed says ${build.sha256}: the file was changed or cut short on its way. It was deleted without being opened or run; nothing was dumped or written. Run the job again; if it persists, the mirror (tools-mirror) or a proxy serves a different file: fix it, or set tools-path.`
      )
    }
    if (name.endsWith('.zip')) await tc.extractZip(archive, unpacked)
    else await tc.extractTar(archive, unpacked)
    const root = await toolsRoot(unpacked, name)
    await writeFile(
      join(root, 'build.json'),
      JSON.stringify({ file: name, sha256: build.sha256 } satisfies CachedBuild)
    )
    return await tc.cacheDir(root, TOOL_NAME, version)
  } finally {
    await rm(archive, { force: true })
    await rm(unpacked, { recursive: true, force: true })
  }
}

/** The cached folder of `version`, or undefined. */
export function findCached(version: string): string | undefined {
  return tc.find(TOOL_NAME, version) || undefined
}

/** What build.json in a cached folder says, if anything. */
export async function cachedBuild(folder: string): Promise<CachedBuild | undefined> {
  try {
    return JSON.parse(await readFile(join(folder, 'build.json'), 'utf8')) as CachedBuild
  } catch {
    return undefined
  }
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** The archive's one top folder (mongodb-database-tools-<name>-<arch>-<version>), with bin/ inside. */
async function toolsRoot(unpacked: string, name: string): Promise<string> {
  const entries = await readdir(unpacked)
  const root = entries.length === 1 ? join(unpacked, entries[0] as string) : unpacked
  if (!existsSync(join(root, 'bin'))) {
    throw new GuardError(
      'ToolUnavailable',
      'Unexpected tools archive',
      `${name} does not hold the Database Tools' usual layout (one folder with bin/ inside). Nothing was dumped or written. If tools-mirror is set, serve MongoDB's archives unchanged; or set tools-path.`
    )
  }
  return root
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '')
}
