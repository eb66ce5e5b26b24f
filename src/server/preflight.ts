// Before anything is dumped or written: log in to the source and the target with new
// connections (wrong credentials or an unreachable host fail here, fast, and name the input),
// refuse a target that is the source, and refuse to restore into collections that already
// hold documents unless drop or allow-merge says so.
import { MongoServerError, type Document, type MongoClient } from 'mongodb'
import { forEachBounded, SERVER_CONCURRENCY } from '../concurrency.js'
import { cancelled, GuardError } from '../errors.js'
import { sameDeployment } from '../input/guard.js'
import { collectionOf, dbOf, namespaceOf, SYSTEM_DATABASES } from '../input/namespace.js'
import { planNamespaces, type PlannedNamespace } from '../input/ns-plan.js'
import type { TransferPlan } from '../input/settings.js'
import { debug } from '../interface.js'
import { tryClose, type MongoUri } from '../secrets.js'
import { classify, type ProbeStatus } from './probe.js'
import { noAnswer, tlsRequired, unanswered } from './causes.js'

const APP_NAME = 'mongo-restore-guard-preflight'

interface Connection {
  uri: MongoUri
  client: MongoClient
  hello: Document
}

/** New logged-in connections to the source and the target; `close()` ends them. */
export interface Sides {
  source: Connection | undefined
  target: Connection | undefined
  close(): Promise<void>
}

/** Logs in to each side given, at once; the first refusal is thrown once both have answered. */
export async function openSides(
  source: MongoUri | undefined,
  target: MongoUri | undefined,
  timeoutMs: number
): Promise<Sides> {
  const opened = await Promise.allSettled([
    source ? connect(source, 'source', timeoutMs) : undefined,
    target ? connect(target, 'target', timeoutMs) : undefined
  ])
  const close = async () => {
    for (const o of opened) {
      if (o.status === 'fulfilled' && o.value) await tryClose(o.value.client, APP_NAME)
    }
  }
  const failed = opened.find((o) => o.status === 'rejected')
  if (failed) {
    await close()
    throw failed.reason
  }
  const [s, t] = opened.map((o) => (o.status === 'fulfilled' ? o.value : undefined))
  return { source: s, target: t, close }
}

/**
 * The namespaces the restore will write: the source's collections, or in restore mode, where
 * there is no source, the dump's (`fromDump`), filtered and renamed as mongorestore will.
 */
export async function plannedNamespaces(
  sides: Sides,
  plan: TransferPlan,
  fromDump: readonly string[]
): Promise<PlannedNamespace[]> {
  const names = sides.source ? await sourceNamespaces(sides.source, plan) : fromDump
  return planNamespaces(names, plan)
}

/**
 * Refuses a target that is the source's own deployment (unless every namespace is renamed
 * elsewhere), and, without drop or allow-merge, a target whose planned namespaces hold documents.
 */
export async function checkTarget(
  sides: Sides,
  plan: TransferPlan,
  namespaces: readonly PlannedNamespace[],
  signal: AbortSignal
): Promise<void> {
  const { source, target } = sides
  if (!target) return
  if (source && isSameDeployment(source.hello, target.hello)) {
    const ontoItself = namespaces.filter((p) => p.source === p.target)
    if (plan.renames.length === 0 || ontoItself.length > 0) {
      throw sameDeployment(
        `${target.uri.hosts.join(',')} is the server of source-uri${ontoItself.length > 0 ? `, and ${ontoItself.map((p) => p.target).join(', ')} would be restored onto itself` : ''}`
      )
    }
  }
  if (signal.aborted) throw cancelled()
  if (!plan.drop && !plan.allowMerge) await refuseNonEmpty(target, namespaces, plan)
}

/** A new client that logs in (any command authenticates the connection) and says hello. */
async function connect(uri: MongoUri, side: Side, timeoutMs: number): Promise<Connection> {
  const client = uri.client({
    appName: APP_NAME,
    // The login is proved on the first connection; the rest serve the questions asked at once.
    maxPoolSize: SERVER_CONCURRENCY,
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
    failure = refused(uri, side, 'authentication-failed', 'the server reports no session', true)
  } catch (error) {
    const cause = noAnswer(error, uri)
    const detail = uri.scrub(error instanceof Error ? error.message : String(error))
    failure = cause
      ? unanswered(
          uri,
          `the ${side}`,
          await tlsRequired(uri, cause, timeoutMs),
          'No server answered, so neither the credentials nor the roles were checked. Nothing was dumped or written.'
        )
      : refused(
          uri,
          side,
          classify(error),
          detail.replace(/\.$/, ''),
          error instanceof MongoServerError
        )
  }
  await tryClose(client, APP_NAME)
  throw failure
}

type Side = 'source' | 'target'

function refused(
  uri: MongoUri,
  side: Side,
  status: ProbeStatus,
  detail: string,
  /** A server answered (its error code is known): only then can roles be the cause. */
  answered: boolean
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
    default:
      return new GuardError(
        status === 'unauthorized' ? 'Unauthorized' : 'ToolFailed',
        `${uri.input}: the ${side} refused the pre-flight check`,
        answered
          ? `${uri.input}: the pre-flight login of ${who} to the ${side} failed: ${detail}. Nothing was dumped or written. ${needs[0]?.toUpperCase()}${needs.slice(1)}.`
          : `${uri.input}: the pre-flight connection to the ${side} failed before any server answered: ${detail}. Nothing was dumped or written. Check ${uri.input} (its options and, for mongodb+srv, its DNS records).`
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
async function sourceNamespaces(source: Connection, plan: TransferPlan): Promise<string[]> {
  try {
    if (plan.namespaces.length > 0) return await partNamespaces(source, plan)
    const databases =
      plan.databases.length > 0
        ? plan.databases
        : (
            (
              await source.client
                .db('admin')
                .command({ listDatabases: 1, nameOnly: true, authorizedDatabases: true })
            )['databases'] as { name: string }[]
          )
            .map((d) => d.name)
            .filter((name) => !SYSTEM_DATABASES.includes(name))
    const perDatabase = await forEachBounded(databases, SERVER_CONCURRENCY, async (db) => {
      const collections = await source.client
        .db(db)
        .listCollections({}, { nameOnly: true, authorizedCollections: true })
        .toArray()
      return collections
        .filter((c) => c.type !== 'view' && !c.name.startsWith('system.'))
        .map((c) => `${db}.${c.name}`)
    })
    return perDatabase.flat()
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

/** A part's namespaces: each named collection, which must exist, and every collection of a `db.*`. */
async function partNamespaces(source: Connection, plan: TransferPlan): Promise<string[]> {
  const perLine = await forEachBounded(plan.namespaces, SERVER_CONCURRENCY, async (line) => {
    const collections = await source.client
      .db(line.database)
      .listCollections(line.collection === undefined ? {} : { name: line.collection }, {
        nameOnly: true,
        authorizedCollections: true
      })
      .toArray()
    const names = collections
      .filter((c) => c.type !== 'view' && !c.name.startsWith('system.'))
      .map((c) => `${line.database}.${c.name}`)
    if (line.collection !== undefined && names.length === 0) {
      throw new GuardError(
        'InvalidInput',
        'Invalid input: namespaces',
        `namespaces: ${line.database}.${line.collection} is not a collection of the source (${source.uri.redacted}). Pass the lines the plan job wrote for this part.`
      )
    }
    return names
  })
  return [...new Set(perLine.flat())]
}

/**
 * Without drop, restoring into a collection that has documents mixes the two data sets. A part
 * of a split migration that moves `_id` ranges checks only its own ranges: its sibling parts
 * fill the rest of the collection at the same time (the plan proved it empty).
 */
async function refuseNonEmpty(
  target: Connection,
  namespaces: readonly PlannedNamespace[],
  plan: TransferPlan
) {
  // A collection that does not exist holds nothing: only the existing ones are asked.
  const existing = await tryExisting(target, namespaces)
  const asked = existing ? namespaces.filter((p) => existing.has(p.target)) : namespaces
  const found = await forEachBounded(asked, SERVER_CONCURRENCY, async ({ target: ns }) => {
    const collection = target.client.db(dbOf(ns)).collection(collectionOf(ns))
    const ranges = plan.namespaces
      .filter((l) => l.range !== undefined && namespaceOf(l) === ns)
      .map((l) => ({ _id: l.range }))
    const filter = ranges.length > 0 ? { $or: ranges } : {}
    try {
      if ((await collection.findOne(filter, { projection: { _id: 1 } })) === null) return undefined
      if (ranges.length > 0) {
        return `${ns} (${await collection.countDocuments(filter)} documents in this part's _id range)`
      }
      return `${ns} (${await collection.estimatedDocumentCount()} documents)`
    } catch (error) {
      throw notAllowed(
        target.uri,
        error,
        'not allowed to check the target',
        `read ${ns} to check that it is empty before the restore`,
        'Grant it read on the databases to restore, or set drop: true or allow-merge: true if writing into existing collections is intended'
      )
    }
  })
  const occupied = found.filter((f): f is string => f !== undefined)
  if (occupied.length === 0) return
  throw new GuardError(
    'TargetNotEmpty',
    'The target already holds this data',
    `The target already holds documents in ${occupied.length} namespace(s) this run would restore into: ${occupied.join(', ')}. Without drop, the restore would merge into them: documents with the same _id would fail and the rest would mix with the target's own. Nothing was dumped or written. ${plan.namespaces.some((l) => l.range) ? "A re-run of a part of a split migration finds what its failed run wrote: delete exactly this part's _id range from the target (deleteMany with the range from its namespaces line) and run it again, or set allow-merge: true and allow-failed-documents: true to keep what is there (documents already restored fail as duplicates; the part's range count still has to match the source)." : 'To replace those collections set drop: true; to merge on purpose set allow-merge: true; or restore into other namespaces with ns-from/ns-to.'}`
  )
}

/**
 * Which planned namespaces exist on the target: one listDatabases, then one listCollections per
 * planned database that exists (a target that holds none of them costs one round trip).
 * Undefined when the user may not list every database and collection: then each namespace is
 * asked on its own.
 */
async function tryExisting(
  target: Connection,
  namespaces: readonly PlannedNamespace[]
): Promise<Set<string> | undefined> {
  try {
    const listed = await target.client
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true, authorizedDatabases: false })
    const present = new Set((listed['databases'] as { name: string }[]).map((d) => d.name))
    const databases = [...new Set(namespaces.map((p) => dbOf(p.target)))].filter((db) =>
      present.has(db)
    )
    const perDatabase = await forEachBounded(databases, SERVER_CONCURRENCY, async (db) => {
      const collections = await target.client
        .db(db)
        .listCollections({}, { nameOnly: true, authorizedCollections: false })
        .toArray()
      return collections.map((c) => `${db}.${c.name}`)
    })
    return new Set(perDatabase.flat())
  } catch (error) {
    // Only the server's refusal is answered another way; a lost connection is the run's failure.
    if (!(error instanceof MongoServerError)) throw error
    debug(
      `The target's databases could not all be listed (${target.uri.scrub(String(error))}): each planned namespace is checked on its own.`
    )
    return undefined
  }
}

function notAllowed(
  uri: MongoUri,
  error: unknown,
  title: string,
  what: string,
  fix: string
): GuardError {
  // The connection was lost meanwhile: its cause, not a missing role.
  const cause = noAnswer(error, uri)
  if (cause) return unanswered(uri, 'the server', cause, 'Nothing was dumped or written.')
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
