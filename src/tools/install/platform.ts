// Which build of the feed runs on this machine: the OS family from /etc/os-release (Linux) or
// the Node platform, the CPU from os.arch(), and among the family's platform versions the newest
// one not above the runner's own (ubuntu2204 on Ubuntu 22.04, rhel88 on RHEL 8.10).
import { GuardError } from '../../errors.js'
import type { FeedBuild } from './feed.js'

/** What the choice depends on; read by index.ts, passed in so the choice is a pure function. */
export interface Runner {
  /** process.platform: linux, darwin, win32… */
  platform: string
  /** os.arch(): x64, arm64, ppc64, s390x… */
  arch: string
  /** /etc/os-release as key → value; empty off Linux. */
  osRelease: Record<string, string>
}

/** os-release IDs whose builds the feed names with another family (ID_LIKE helps for the rest). */
const FAMILY_OF_ID: Record<string, string> = {
  ubuntu: 'ubuntu',
  debian: 'debian',
  rhel: 'rhel',
  centos: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  ol: 'rhel',
  amzn: 'amazon',
  sles: 'suse',
  'opensuse-leap': 'suse'
}

/** The feed's arch names for a Node arch: RHEL and Amazon say aarch64 where Ubuntu says arm64. */
const ARCHES: Record<string, string[]> = {
  x64: ['x86_64'],
  arm64: ['arm64', 'aarch64'],
  ppc64: ['ppc64le'],
  s390x: ['s390x']
}

/** `KEY=value` lines, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (match) fields[match[1] as string] = (match[2] as string).replace(/^(["'])(.*)\1$/, '$2')
  }
  return fields
}

/** The build for this runner, or an error that lists the platforms the release has. */
export function chooseBuild(builds: FeedBuild[], runner: Runner, version: string): FeedBuild {
  const arches = ARCHES[runner.arch] ?? [runner.arch]
  const system = systemOf(runner)
  const candidates = builds.filter(
    (b) => arches.includes(b.arch) && familyOf(b.name) === system.family
  )
  const fitting = candidates
    .filter((b) => compare(versionOf(b.name), system.version) <= 0)
    .sort((a, b) => compare(versionOf(b.name), versionOf(a.name)))
  const chosen = fitting[0]
  if (chosen) return chosen
  const platforms = [...new Set(builds.map((b) => `${b.name}/${b.arch}`))].sort()
  throw new GuardError(
    'ToolUnavailable',
    'No Database Tools build for this runner',
    `tools-version: the MongoDB Database Tools ${version} have no build for this runner (${system.label}, ${runner.arch}). The release has builds for: ${platforms.join(', ')}. Nothing was dumped or written. Run on one of those platforms, or install the tools yourself and set tools-path to their directory.`
  )
}

interface System {
  family: string
  version: number[]
  label: string
}

function systemOf(runner: Runner): System {
  if (runner.platform === 'darwin') return { family: 'macos', version: [], label: 'macOS' }
  if (runner.platform === 'win32') return { family: 'windows', version: [], label: 'Windows' }
  const id = runner.osRelease['ID'] ?? ''
  const versionId = runner.osRelease['VERSION_ID'] ?? ''
  const label = `${runner.osRelease['PRETTY_NAME'] ?? (id || runner.platform)}`
  const likes = (runner.osRelease['ID_LIKE'] ?? '').split(/\s+/)
  const family =
    FAMILY_OF_ID[id] ??
    (likes.includes('rhel') && id !== 'fedora' ? 'rhel' : `${id || runner.platform}?`)
  let version = numbers(versionId)
  // Amazon Linux 1 says 2018.03; the feed calls it plain "amazon".
  if (family === 'amazon' && (version[0] ?? 0) > 2000 && (version[0] ?? 0) < 2023) version = [1]
  return { family, version, label }
}

/** The family of a feed name: "ubuntu2204" → ubuntu, "amazon2023" → amazon, "macos" → macos. */
export function familyOf(name: string): string {
  return name.replace(/\d+$/, '')
}

/**
 * The OS version a feed name stands for: ubuntu2204 → 22.04, debian12 → 12, debian92 → 9,
 * rhel88 → 8.8, rhel9 → 9, rhel10 → 10, amazon2023 → 2023, plain "amazon" → 1.
 */
export function versionOf(name: string): number[] {
  const family = familyOf(name)
  const digits = name.slice(family.length)
  if (digits === '') return family === 'amazon' ? [1] : []
  if (family === 'ubuntu') return [Number(digits.slice(0, 2)), Number(digits.slice(2))]
  // One-digit majors carry a minor (rhel88, debian92); from 10 on the major has two digits.
  const majorDigits = digits.startsWith('1') && digits.length >= 2 ? 2 : 1
  const major = Number(digits.slice(0, majorDigits))
  const minor = digits.slice(majorDigits)
  // Debian's VERSION_ID is the major alone ("9"); debian92 is stretch.
  if (family === 'debian') return [major]
  if (family === 'rhel') return minor === '' ? [major] : [major, Number(minor)]
  return [Number(digits)]
}

function numbers(text: string): number[] {
  return text
    .split('.')
    .filter((p) => p !== '')
    .map((p) => Number.parseInt(p, 10))
    .filter((n) => Number.isFinite(n))
}

/** Missing parts count as 0: rhel9 (9) equals 9.0 and is below 9.3. */
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}
