// Before anything is dumped or written: log in to the source and the target with new
// connections (wrong credentials or an unreachable host fail here, fast, and name the input),
// refuse a target that is the source, and refuse to restore into collections that already
// hold documents unless drop or allow-merge says so.
import * as core from '@actions/core'
import type { Document, MongoClient } from 'mongodb'
import { GuardError } from '../errors.js'
import { sameDeployment, SYSTEM_DATABASES } from '../input/guard.js'
import { collectionOf, dbOf, planNamespaces, type PlannedNamespace } from '../input/ns-plan.js'
import { classify, type ProbeStatus } from './probe.js'
import { phase, type Report } from '../report/report.js'
import type { MongoUri } from '../secrets.js'
import type { Settings } from '../input/settings.js'

const APP_NAME = 'mongo-restore-guard-preflight'

interface Connection {
  uri: MongoUri
  client: MongoClient
  hello: Document
}

/**
 * `fromDump`: in restore mode there is no source; the namespaces to be written come from the
 * dump on disk instead.
 */
export async function preflight(
  report: Report,
  settings: Settings,
  signal: AbortSignal,
  fromDump: readonly string[] = []
) {
  await phase(report, 'Check source and target', async () => {
    const sides = [
      [settings.source, 'source'],
      [settings.target, 'target']
    ] as const
    const opened = await Promise.allSettled(
      sides.map(([uri, side]) => (uri ? connect(uri, side, settings.probeTimeoutMs) : undefined))
    )
    try {
      const [source, target] = opened.map((o) => {
        if (o.status === 'rejected') throw o.reason
        return o.value
      }) as [Connection | undefined, Connection | undefined]
      throwIfCancelled(signal)
      if (!target) return
      const names = source ? await sourceNamespaces(source, settings) : fromDump
      const namespaces = planNamespaces(names, settings)
      report.plan = { namespaces, drop: settings.drop }
      core.info(
        `The restore will write ${namespaces.length} namespace(s): ${namespaces.map((p) => (p.source === p.target ? p.target : `${p.source} → ${p.target}`)).join(', ') || 'none'}`
      )
      if (source && isSameDeployment(source.hello, target.hello)) {
        const ontoItself = namespaces.filter((p) => p.source === p.target)
        if (settings.renames.length === 0 || ontoItself.length > 0) {
          throw sameDeployment(
            `${target.uri.hosts.join(',')} is the server of source-uri${ontoItself.length > 0 ? `, and ${ontoItself.map((p) => p.target).join(', ')} would be restored onto itself` : ''}`
          )
        }
      }
      throwIfCancelled(signal)
      if (!settings.drop && !settings.allowMerge) await refuseNonEmpty(target, namespaces)
    } finally {
      for (const o of opened) {
        if (o.status === 'fulfilled' && o.value) await o.value.client.close().catch(() => undefined)
      }
    }
  })
}

/** A new client that logs in (any command authenticates the connection) and says hello. */
async function connect(uri: MongoUri, side: Side, timeoutMs: number): Promise<Connection> {
  const client = uri.client({
    appName: APP_NAME,
    maxPoolSize: 1,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs
  })
  let failure: GuardError | undefined
  try {
    const status = await client.db(uri.authSource).command({ connectionStatus: 1 })
    const users = (status['authInfo']?.['authenticatedUsers'] ?? []) as unknown[]
    if (uri.username === undefined || users.length > 0) {
      return { uri, client, hello: await client.db('admin').command({ hello: 1 }) }
    }
    failure = refused(
      uri,
      side,
      'authentication-failed',
      'the server reports no session',
      timeoutMs
    )
  } catch (error) {
    const detail = uri.scrub(error instanceof Error ? error.message : String(error))
    failure = refused(uri, side, classify(error), detail.replace(/\.$/, ''), timeoutMs)
  }
  await client.close().catch(() => undefined)
  throw failure
}

type Side = 'source' | 'target'

function refused(
  uri: MongoUri,
  side: Side,
  status: ProbeStatus,
  detail: string,
  timeoutMs: number
): GuardError {
  const who = `${uri.username ?? '(no user)'}@${uri.authSource}`
  const needs =
    side === 'source'
      ? 'it needs to run mongodump there (the backup role, or read on the databases to move)'
      : 'it needs to run mongorestore there (the restore role)'
  switch (status) {
    case 'authentication-failed':
    case 'user-not-found':
    case 'mechanism-unavailable':
      return new GuardError(
        'AuthenticationFailed',
        `${uri.input}: the ${side} rejected the credentials`,
        `${uri.input}: the ${side} (${uri.redacted}) rejected the login of ${who}: ${detail}. Nothing was dumped or written. Check the user name, password and authSource in ${uri.input} (the secret it comes from); ${needs}.`
      )
    case 'unreachable':
      return new GuardError(
        'Unreachable',
        `${uri.input}: the ${side} cannot be reached`,
        `${uri.input}: no answer from the ${side} (${uri.hosts.join(',')}) within probe-timeout-seconds (${timeoutMs / 1000} s): ${detail}. Nothing was dumped or written. Check the host names and ports, the TLS options, and that the runner can reach the ${side} (firewall, IP access list); raise probe-timeout-seconds for a slow network.`
      )
    default:
      return new GuardError(
        status === 'unauthorized' ? 'Unauthorized' : 'ToolFailed',
        `${uri.input}: the ${side} refused the pre-flight check`,
        `${uri.input}: the pre-flight login of ${who} to the ${side} failed: ${detail}. Nothing was dumped or written. ${needs[0]?.toUpperCase()}${needs.slice(1)}.`
      )
  }
}

/** Same server process, or members of the same replica set. */
function isSameDeployment(a: Document, b: Document): boolean {
  const processOf = (h: Document) => String(h['topologyVersion']?.['processId'] ?? '')
  if (processOf(a) !== '' && processOf(a) === processOf(b)) return true
  const hosts = (h: Document) => (h['hosts'] ?? []) as string[]
  return (
    a['setName'] !== undefined &&
    a['setName'] === b['setName'] &&
    hosts(a).some((h) => hosts(b).includes(h))
  )
}

/** The source's collections in the databases to move (names as mongodump will see them). */
async function sourceNamespaces(source: Connection, settings: Settings): Promise<string[]> {
  try {
    const databases =
      settings.databases.length > 0
        ? settings.databases
        : (
            (
              await source.client
                .db('admin')
                .command({ listDatabases: 1, nameOnly: true, authorizedDatabases: true })
            )['databases'] as { name: string }[]
          )
            .map((d) => d.name)
            .filter((name) => !SYSTEM_DATABASES.includes(name))
    const namespaces: string[] = []
    for (const db of databases) {
      const collections = await source.client
        .db(db)
        .listCollections({}, { nameOnly: true, authorizedCollections: true })
        .toArray()
      for (const c of collections) {
        if (c.type !== 'view' && !c.name.startsWith('system.')) namespaces.push(`${db}.${c.name}`)
      }
    }
    return namespaces
  } catch (error) {
    throw notAllowed(
      source.uri,
      error,
      'not allowed to list the source',
      'list the databases and collections to move',
      'Grant it the backup role on the source (mongodump needs the same)'
    )
  }
}

/** Without drop, restoring into a collection that has documents mixes the two data sets. */
async function refuseNonEmpty(target: Connection, namespaces: readonly PlannedNamespace[]) {
  const occupied: string[] = []
  for (const { target: ns } of namespaces) {
    const collection = target.client.db(dbOf(ns)).collection(collectionOf(ns))
    try {
      if ((await collection.findOne({}, { projection: { _id: 1 } })) === null) continue
      occupied.push(`${ns} (${await collection.estimatedDocumentCount()} documents)`)
    } catch (error) {
      throw notAllowed(
        target.uri,
        error,
        'not allowed to check the target',
        `read ${ns} to check that it is empty before the restore`,
        'Grant it read on the databases to restore, or set drop: true or allow-merge: true if writing into existing collections is intended'
      )
    }
  }
  if (occupied.length === 0) return
  throw new GuardError(
    'TargetNotEmpty',
    'The target already holds this data',
    `The target already holds documents in ${occupied.length} namespace(s) this run would restore into: ${occupied.join(', ')}. Without drop, the restore would merge into them: documents with the same _id would fail and the rest would mix with the target's own. Nothing was dumped or written. To replace those collections set drop: true; to merge on purpose set allow-merge: true; or restore into other namespaces with ns-from/ns-to.`
  )
}

function notAllowed(
  uri: MongoUri,
  error: unknown,
  title: string,
  what: string,
  fix: string
): GuardError {
  const detail = uri
    .scrub(error instanceof Error ? error.message : String(error))
    .replace(/\.$/, '')
  const kind = classify(error) === 'unauthorized' ? 'Unauthorized' : 'ToolFailed'
  return new GuardError(
    kind,
    `${uri.input}: ${title}`,
    `${uri.input}: the user could not ${what}: ${detail}. Nothing was dumped or written. ${fix}.`
  )
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new GuardError('Cancelled', 'Cancelled', 'The run was cancelled.')
}
