// Reads what the compatibility check needs, with one new connection per server: the version
// (buildInfo), the feature compatibility version where the user may read it, and on a source
// of 8.3+ whether the user holds performRawDataOperations. A server that cannot be reached or
// logged in to reads as unknown: the pre-flight check reports that with its own message.
import { info, warning } from '../interface.js'
import type { MongoClient } from 'mongodb'
import { sourceOf, targetOf, type Settings } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'
import {
  checkCompatibility,
  compareVersions,
  describeVersions,
  RAW_DATA_SINCE,
  type ServerVersion,
  type Versions
} from './compatibility.js'
import { classify } from './probe.js'

/** The versions of the tools and of the servers this mode dumps from or restores into. */
export async function readVersions(
  settings: Settings,
  tools: string | undefined
): Promise<Versions> {
  // The plan job reads the source as its parts will dump it.
  const dumps = ['migrate', 'rehearse', 'dump', 'plan'].includes(settings.mode)
  const source = sourceOf(settings)
  const target = targetOf(settings)
  const restores = settings.mode !== 'dump' && settings.mode !== 'probe'
  const [sourceVersion, targetVersion] = await Promise.all([
    dumps && source ? readServer(source, settings.probeTimeoutMs, true) : undefined,
    restores && target ? readServer(target, settings.probeTimeoutMs, false) : undefined
  ])
  const versions = { tools, source: sourceVersion, target: targetVersion }
  info(`Versions: ${describeVersions(versions)}`)
  return versions
}

/** Throws the refusal, if any; warns about the risks the user accepted. */
export function refuseIncompatible(versions: Versions, allowOlderTarget: boolean): void {
  const { refusal, warnings } = checkCompatibility(versions, allowOlderTarget)
  for (const text of warnings) warning(text, { title: 'Cross-version restore' })
  if (refusal) throw refusal
}

export async function readServer(
  uri: MongoUri,
  timeoutMs: number,
  isSource: boolean
): Promise<ServerVersion> {
  try {
    return await uri.use('versions', timeoutMs, async (client) => {
      const build = await client.db('admin').command({ buildInfo: 1 })
      const version = typeof build['version'] === 'string' ? build['version'] : undefined
      const fcv = await featureCompatibility(client)
      const rawData =
        isSource && version && compareVersions(version, RAW_DATA_SINCE) >= 0
          ? await holdsRawData(client, uri)
          : undefined
      return { version, fcv, ...(rawData !== undefined && { rawData }) }
    })
  } catch {
    return { version: undefined, fcv: undefined }
  }
}

/** getParameter needs a privilege many restore users lack: then the FCV is just unknown. */
async function featureCompatibility(client: MongoClient): Promise<string | undefined> {
  try {
    const answer = await client
      .db('admin')
      .command({ getParameter: 1, featureCompatibilityVersion: 1 })
    const version = answer['featureCompatibilityVersion']?.['version']
    return typeof version === 'string' ? version : undefined
  } catch (error) {
    if (classify(error) === 'unauthorized') return undefined
    throw error
  }
}

/** performRawDataOperations on the cluster (or any resource), among the user's privileges. */
async function holdsRawData(client: MongoClient, uri: MongoUri): Promise<boolean | undefined> {
  if (uri.username === undefined) return undefined
  const status = await client
    .db(uri.authSource)
    .command({ connectionStatus: 1, showPrivileges: true })
  const privileges = (status['authInfo']?.['authenticatedUserPrivileges'] ?? []) as {
    resource?: { cluster?: boolean; anyResource?: boolean }
    actions?: string[]
  }[]
  return privileges.some(
    (p) =>
      (p.resource?.cluster === true || p.resource?.anyResource === true) &&
      (p.actions ?? []).includes('performRawDataOperations')
  )
}
