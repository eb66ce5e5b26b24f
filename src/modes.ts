// The five modes, each a short sequence of the same steps: probe before → dump → guarded
// restore → verify → probe after.
import * as core from '@actions/core'
import type { Expected } from './report/data-check.js'
import { collectionStates, dropDatabases, userDatabases } from './server/deployment.js'
import { inspectDump } from './tools/dump-files.js'
import { bucketsOf } from './server/collection-options.js'
import { GuardError, invalidInput } from './errors.js'
import { preflight } from './server/preflight.js'
import { phase } from './report/report.js'
import type { MongoUri } from './secrets.js'
import type { Settings } from './input/settings.js'
import { probeAfter, probeBefore, recordBaseline, verify, type RunContext } from './steps.js'
import {
  dumpToDirectory,
  restoreFromDump,
  streamDumpRestore,
  type RestoreResult
} from './tools/transfer.js'

// MongoDB's limit on database names.
const MAX_DATABASE_NAME = 63

export async function migrate(ctx: RunContext): Promise<void> {
  const { settings } = ctx
  const [source, target] = [need(settings.source), need(settings.target)]
  await probeBefore(ctx)
  await preflight(ctx.report, settings, ctx.signal)
  const baseline = await recordBaseline(ctx)
  const result = await transfer(ctx, settings, source, target)
  await probeAfter(ctx, baseline)
  await verify(
    ctx,
    settings,
    target,
    result,
    await expectedFromSource(ctx, source, result),
    baseline,
    { kind: 'server', uri: source }
  )
}

/**
 * Restores a fresh dump into scratch databases (renamed `rehearsal_<run>_<db>` on the source's
 * own deployment, the real names on another one), which must not exist yet; verifies and
 * probes; then drops exactly those databases unless `keep`.
 */
export async function rehearse(ctx: RunContext): Promise<void> {
  const { settings } = ctx
  const [source, target] = [need(settings.source), need(settings.target)]
  if (settings.renames.length > 0) {
    throw invalidInput(
      'ns-from',
      'is not used with mode: rehearse',
      'Remove ns-from and ns-to; the rehearsal chooses its own scratch names'
    )
  }
  const databases = await userDatabases(source, settings.databases, settings.probeTimeoutMs)
  const renamed = source.sharesHostWith(target)
  const scratch = databases.map((db) => (renamed ? `rehearsal_${settings.runId}_${db}` : db))
  const tooLong = scratch.filter((name) => name.length > MAX_DATABASE_NAME)
  if (tooLong.length > 0) {
    throw invalidInput(
      'databases',
      `the scratch names ${tooLong.join(', ')} exceed ${MAX_DATABASE_NAME} characters`,
      'Rehearse databases with shorter names, or use a separate target'
    )
  }
  const existing = new Set(await userDatabases(target, [], settings.probeTimeoutMs))
  const taken = scratch.filter((name) => existing.has(name))
  if (taken.length > 0) {
    throw new GuardError(
      'RehearsalConflict',
      'The rehearsal target is not empty',
      `The rehearsal would restore into ${taken.join(', ')}, which already exist on the target; a rehearsal never touches a database it did not create. Use a target without them. Nothing was written.`
    )
  }
  const plan: Settings = {
    ...settings,
    databases,
    renames: renamed
      ? databases.map((db, i) => ({ from: `${db}.$coll$`, to: `${scratch[i]}.$coll$` }))
      : []
  }
  ctx.report.rehearsal = { databases: scratch, dropped: false }
  try {
    await probeBefore(ctx)
    await preflight(ctx.report, plan, ctx.signal)
    const baseline = await recordBaseline(ctx)
    const result = await transfer(ctx, plan, source, target)
    await probeAfter(ctx, baseline)
    await verify(
      ctx,
      plan,
      target,
      result,
      await expectedFromSource(ctx, source, result),
      baseline,
      {
        kind: 'server',
        uri: source
      }
    )
  } finally {
    if (!settings.keep && ctx.report.targetWritten) {
      await phase(ctx.report, 'Drop the scratch databases', () =>
        dropDatabases(target, scratch, settings.probeTimeoutMs)
      )
      ctx.report.rehearsal.dropped = true
    }
  }
}

/** Dumps every user database (never admin, local, config) into a new directory. */
export async function dump(ctx: RunContext): Promise<void> {
  const { settings } = ctx
  const source = need(settings.source)
  const directory = need(settings.archive)
  await preflight(ctx.report, settings, ctx.signal)
  const databases = await userDatabases(source, settings.databases, settings.probeTimeoutMs)
  await dumpToDirectory(ctx, settings, source, databases, directory)
  const contents = await inspectDump(directory)
  ctx.report.dumpFiles = { path: directory, ...pick(contents) }
}

/** Restores a dump from disk after checking what it carries. */
export async function restore(ctx: RunContext): Promise<void> {
  const { settings } = ctx
  const target = need(settings.target)
  const path = need(settings.archive)
  const contents = await phase(ctx.report, 'Inspect the dump', () => inspectDump(path))
  ctx.report.dumpFiles = { path, ...pick(contents) }
  core.info(
    `The dump holds ${contents.namespaces.length} namespaces, ${contents.credentialNamespaces.length} of them users or roles.`
  )
  if (contents.credentialNamespaces.length > 0 && !settings.skipArchivedUsers) {
    throw new GuardError(
      'DumpCarriesUsers',
      'The dump carries users or roles',
      `archive: the dump holds ${contents.credentialNamespaces.length} namespace(s) of users or roles (credential hashes that whoever reads the file can crack offline). They are never restored; set skip-archived-users: true to restore the rest, and dump with this action (mode: dump) to write dumps without them. Nothing was restored.`
    )
  }
  const plan = { ...settings, gzip: contents.gzipped }
  await probeBefore(ctx)
  await preflight(ctx.report, plan, ctx.signal, contents.namespaces)
  const baseline = await recordBaseline(ctx)
  const result = await restoreFromDump(ctx, plan, target, { kind: contents.kind, path })
  await probeAfter(ctx, baseline)
  const expected = new Map<string, Expected>(
    result.restored.map((r) => [
      r.source,
      { documents: r.documents, indexes: contents.indexes.get(r.source) }
    ])
  )
  await verify(ctx, plan, target, result, expected, baseline, {
    kind: 'dump',
    path,
    format: contents.kind,
    collections: contents.collections
  })
}

/** The cold-connection probe alone. */
export async function probeOnly(ctx: RunContext): Promise<void> {
  await probeAfter(ctx, undefined, 'Probe')
}

/** Streamed when no archive is named; else a dump to disk, one database at a time, then a restore of it. */
async function transfer(
  ctx: RunContext,
  plan: Settings,
  source: MongoUri,
  target: MongoUri
): Promise<RestoreResult> {
  const directory = plan.archive
  if (directory === undefined) return streamDumpRestore(ctx, plan, source, target)
  const databases = await userDatabases(source, plan.databases, plan.probeTimeoutMs)
  await dumpToDirectory(ctx, plan, source, databases, directory)
  return restoreFromDump(ctx, plan, target, { kind: 'directory', path: directory })
}

/** What each restored collection should hold: the dumped count less failures, the source's indexes. */
async function expectedFromSource(
  ctx: RunContext,
  source: MongoUri,
  result: RestoreResult
): Promise<Map<string, Expected>> {
  const dumped = new Map(ctx.report.dumped.map((d) => [d.namespace, d.documents]))
  const states = await collectionStates(
    source,
    result.restored.map((r) => r.source),
    ctx.settings.probeTimeoutMs
  )
  const indexes = new Map(states.map((s) => [s.namespace, s.indexes]))
  return new Map(
    result.restored.map((r) => {
      // A time-series collection is dumped as its buckets collection, restored under its own name.
      const count = dumped.get(r.source) ?? dumped.get(bucketsOf(r.source))
      return [
        r.source,
        {
          documents: count === undefined ? undefined : count - r.failures,
          indexes: indexes.get(r.source)
        }
      ]
    })
  )
}

function pick(c: { bytes: number; namespaces: string[]; credentialNamespaces: string[] }) {
  return { bytes: c.bytes, namespaces: c.namespaces, credentialNamespaces: c.credentialNamespaces }
}

/** Inputs checks that a mode's connection strings and paths are present; this restates it for the type system. */
function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal: a required input is missing after validation')
  return value
}
