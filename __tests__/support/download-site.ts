// Plays MongoDB's download site on loopback: a release feed (full.json) and the archives it
// names, built here from the provisioned tools in the official layout. Counts every request.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Every platform of the feed: the names and archs of MONGODB-FACTS.md ("Getting the Database
 * Tools onto a runner"), plus the older and the ppc64le/s390x builds that mongo-tools'
 * release/platform/platform.go lists.
 */
export const FEED_PLATFORMS: { name: string; arch: string }[] = [
  ...['ubuntu1804', 'ubuntu2004', 'ubuntu2204', 'ubuntu2404'].flatMap((name) => [
    { name, arch: 'x86_64' },
    { name, arch: 'arm64' }
  ]),
  ...['debian92', 'debian10', 'debian11', 'debian12', 'debian13'].map((name) => ({
    name,
    arch: 'x86_64'
  })),
  ...['debian12', 'debian13'].map((name) => ({ name, arch: 'arm64' })),
  ...['rhel70', 'rhel80', 'rhel88', 'rhel93', 'rhel10'].map((name) => ({ name, arch: 'x86_64' })),
  ...['rhel88', 'rhel93', 'rhel10'].map((name) => ({ name, arch: 'aarch64' })),
  ...['rhel81', 'rhel9', 'rhel10'].map((name) => ({ name, arch: 'ppc64le' })),
  ...['rhel83', 'rhel9', 'rhel10'].map((name) => ({ name, arch: 's390x' })),
  ...['amazon', 'amazon2', 'amazon2023'].map((name) => ({ name, arch: 'x86_64' })),
  ...['amazon2', 'amazon2023'].map((name) => ({ name, arch: 'aarch64' })),
  ...['suse12', 'suse15'].map((name) => ({ name, arch: 'x86_64' })),
  { name: 'macos', arch: 'x86_64' },
  { name: 'macos', arch: 'arm64' },
  { name: 'windows', arch: 'x86_64' }
]

export function archiveName(name: string, arch: string, version: string): string {
  const ext = name === 'macos' || name === 'windows' ? 'zip' : 'tgz'
  return `mongodb-database-tools-${name}-${arch}-${version}.${ext}`
}

/** A feed in full.json's shape; `sha256` gives each file's hash (default: a hash of its name). */
export function feedOf(
  releases: { version: string; platforms: { name: string; arch: string }[] }[],
  sha256: (file: string) => string = (file) => createHash('sha256').update(file).digest('hex')
): string {
  return JSON.stringify({
    versions: releases.map(({ version, platforms }) => ({
      version,
      downloads: platforms.map(({ name, arch }) => {
        const file = archiveName(name, arch, version)
        const url = `https://fastdl.mongodb.org/tools/db/${file}`
        const hash = sha256(file)
        return {
          name,
          arch,
          archive: { url, md5: 'x', sha1: 'x', sha256: hash },
          ...(file.endsWith('.tgz') && {
            package: { url: url.replace('.tgz', '.deb'), sha256: hash }
          })
        }
      })
    }))
  })
}

/** A .tgz of `mongodb-database-tools-<name>-<arch>-<version>/bin/{mongodump,mongorestore}`. */
export function buildArchive(
  dir: string,
  folder: string,
  bins: { mongodump: string; mongorestore: string } | { script: string }
): Buffer {
  const work = mkdtempSync(join(dir, 'archive-'))
  try {
    mkdirSync(join(work, folder, 'bin'), { recursive: true })
    for (const tool of ['mongodump', 'mongorestore'] as const) {
      const dest = join(work, folder, 'bin', tool)
      if ('script' in bins) writeFileSync(dest, bins.script)
      else copyFileSync(bins[tool], dest)
      chmodSync(dest, 0o755)
    }
    const file = join(work, 'out.tgz')
    execFileSync('tar', ['czf', file, '-C', work, folder])
    return readFileSync(file)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

export interface DownloadSite {
  url: string
  /** Every path requested, in order. */
  requests: string[]
  /** What the site serves under /tools/db/: file name (e.g. "full.json") → body, or 'cut-short'. */
  files: Map<string, Buffer | 'cut-short'>
  close(): Promise<void>
}

export async function startDownloadSite(): Promise<DownloadSite> {
  const requests: string[] = []
  const files = new Map<string, Buffer | 'cut-short'>()
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] as string
    requests.push(path)
    const body = path.startsWith('/tools/db/')
      ? files.get(path.slice('/tools/db/'.length))
      : undefined
    if (body === undefined) {
      res.writeHead(404).end('not found')
    } else if (body === 'cut-short') {
      // Promises a megabyte, sends a kilobyte, hangs up: a download cut short.
      res.writeHead(200, { 'content-length': String(1 << 20) })
      res.write(Buffer.alloc(1024))
      setTimeout(() => res.socket?.destroy(), 50)
    } else {
      res.writeHead(200, { 'content-length': String(body.length) }).end(body)
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/tools/db`,
    requests,
    files,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
