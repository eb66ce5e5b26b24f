// Which tool and server versions must not be combined, decided before anything is written.
// Pure: the versions come from versions.ts. Known breakages (MONGODB-FACTS.md): tools before
// 100.12 against MongoDB 8.1+ (the auth schema document left admin.system.version); a dump from
// 8.3+ by a user without performRawDataOperations; a restore into an older release.
import { GuardError } from '../errors.js'

export interface ServerVersion {
  /** buildInfo's version, e.g. "8.0.4"; undefined when the server could not be asked. */
  version: string | undefined
  /** featureCompatibilityVersion, e.g. "8.0"; undefined when the user may not read it. */
  fcv: string | undefined
  /** Source only, asked on 8.3+: does the user hold performRawDataOperations on the cluster? */
  rawData?: boolean | undefined
}

export interface Versions {
  /** The Database Tools' version, as mongodump reports it. */
  tools: string | undefined
  source: ServerVersion | undefined
  target: ServerVersion | undefined
}

export interface Compatibility {
  /** Why the run must not start; undefined when it may. */
  refusal: GuardError | undefined
  /** Risks the user accepted (allow-older-target), to be shown as warnings. */
  warnings: string[]
}

/** The first release whose dumps need performRawDataOperations on the source. */
export const RAW_DATA_SINCE = '8.3'
const AUTH_SCHEMA_GONE_SINCE = '8.1'
const TOOLS_FOR_8_1 = '100.12.0'
const CROSS_VERSION =
  'MongoDB does not support restoring a dump into an older release (mongorestore 100.14+ itself warns "cross-version dump & restore is unsupported"): collections, indexes or options of the newer release may fail to restore or be restored differently'

export function checkCompatibility(v: Versions, allowOlderTarget: boolean): Compatibility {
  const warnings: string[] = []
  const refuse = (title: string, message: string): Compatibility => ({
    refusal: new GuardError(
      'IncompatibleVersions',
      title,
      `${message} Nothing was dumped or written.`
    ),
    warnings
  })
  for (const [side, server] of [
    ['source', v.source],
    ['target', v.target]
  ] as const) {
    if (
      v.tools &&
      server?.version &&
      compareVersions(server.version, AUTH_SCHEMA_GONE_SINCE) >= 0 &&
      compareVersions(v.tools, TOOLS_FOR_8_1) < 0
    ) {
      return refuse(
        `Tools ${v.tools} cannot work with MongoDB ${server.version}`,
        `The ${side} (${side}-uri) runs MongoDB ${server.version}, and the Database Tools ${v.tools} predate ${TOOLS_FOR_8_1}: they read the auth schema document from admin.system.version, which MongoDB ${AUTH_SCHEMA_GONE_SINCE} removed, so they fail against it. Set tools-version to ${TOOLS_FOR_8_1} or newer (the action's default is), or point tools-path at such tools.`
      )
    }
  }
  const source = v.source
  if (
    source?.version &&
    compareVersions(source.version, RAW_DATA_SINCE) >= 0 &&
    source.rawData === false
  ) {
    return refuse(
      'The source user may not dump MongoDB 8.3',
      `source-uri: the source runs MongoDB ${source.version}, where mongodump needs the performRawDataOperations privilege on the cluster, and this user lacks it: the dump would fail or miss data. Grant the user the built-in backup role (which includes it), or a role with performRawDataOperations on { cluster: true }.`
    )
  }
  const target = v.target
  const older = olderTarget(source, target)
  if (older) {
    const message = `The target (target-uri) runs ${older.target}, older than the source's ${older.source}. ${CROSS_VERSION}.`
    if (!allowOlderTarget) {
      return refuse(
        'The target is older than the source',
        `${message} Restore into a server of the source's release or newer, or set allow-older-target: true to accept the risk.`
      )
    }
    warnings.push(`${message} Going on because allow-older-target is true.`)
  }
  return { refusal: undefined, warnings }
}

/** One line for logs and the job summary. */
export function describeVersions(v: Versions, toolsSource?: string): string {
  const server = (s: ServerVersion | undefined) =>
    s === undefined ? undefined : `${s.version ?? 'unknown'}${s.fcv ? ` (FCV ${s.fcv})` : ''}`
  return [
    `tools ${v.tools ?? 'unknown'}${toolsSource ? ` (${toolsSource})` : ''}`,
    v.source && `source MongoDB ${server(v.source)}`,
    v.target && `target MongoDB ${server(v.target)}`
  ]
    .filter(Boolean)
    .join(', ')
}

/** The older release, or feature compatibility version, of the target, if it is older. */
function olderTarget(
  source: ServerVersion | undefined,
  target: ServerVersion | undefined
): { source: string; target: string } | undefined {
  if (
    source?.version &&
    target?.version &&
    compareVersions(series(target.version), series(source.version)) < 0
  ) {
    return { source: `MongoDB ${source.version}`, target: `MongoDB ${target.version}` }
  }
  if (source?.fcv && target?.fcv && compareVersions(target.fcv, source.fcv) < 0) {
    return {
      source: `feature compatibility version ${source.fcv}`,
      target: `feature compatibility version ${target.fcv}`
    }
  }
  return undefined
}

/** "8.0.4" → "8.0": a release series; patch releases of one series share data formats. */
function series(version: string): string {
  return version.split('.').slice(0, 2).join('.')
}

/**
 * Numeric comparison of dotted versions, for sorting and for `< 0` (a is older) tests:
 * "100.10.0" is newer than "100.9.4", and "8.1.0-rc0" counts as 8.1.0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0)
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}
