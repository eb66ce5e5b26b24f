// A migration split across a GitHub Actions matrix: mode: plan (balance the source's namespaces
// into parts, pre-flight the whole run, record the target's users), the parts' own `_id`-range
// check, and mode: verify (every namespace of the plan, the users, every app cold). A pipeline
// file beside modes.ts: it writes the report; the steps it calls return what they found.
import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BSON, type Document } from 'mongodb'
import { GuardError, invalidInput } from './errors.js'
import { collectionOf, dbOf } from './input/ns-plan.js'
import { balance, buildsIndexes, formatLine, idRanges, piecesFor } from './input/parts.js'
import type { MigrateSettings, PlanSettings, Settings, VerifySettings } from './input/settings.js'
import { PLAN_FORMAT, planOutputs, type PlannedPiece, type SplitPlan } from './input/split-plan.js'
import { checkSides, probeAfter, type Run } from './modes.js'
import type { Mismatch } from './report/data-check.js'
import { phase } from './report/phase.js'
import { userDigests } from './server/drift.js'
import { openSides, type Sides } from './server/preflight.js'
import { checkSharding } from './server/sharding.js'
import {
  collectionSizes,
  indexesOf,
  rangeCounts,
  splitPoints,
  type CollectionSize
} from './server/survey.js'
import { tryReadUsers } from './steps.js'

/** Lines of one part: more than this many namespaces plan whole databases per line instead. */
const MAX_LINES = 2000

export async function planSplit(run: Run<PlanSettings>): Promise<void> {
  const { settings, report } = run
  if (settings.transfer.renames.length > 0) {
    throw invalidInput(
      'ns-from',
      'is not used with mode: plan',
      'Split a migration without renames'
    )
  }
  // The same pre-flight as a migration, over every namespace the whole run will write.
  await checkSides(run, settings.transfer)
  const namespaces = (report.plan?.namespaces ?? []).map((p) => p.source)
  const users = await phase(report.phases, "Record the target's users", () =>
    tryReadUsers(settings)
  )
  const plan = await phase(report.phases, 'Plan the parts', () => planParts(settings, namespaces))
  if (users && 'snapshot' in users) plan.users = userDigests(users.snapshot)
  else plan.usersSkipped = users?.skipped ?? 'no user may read them'
  plan.versions = { mongodump: report.tools.mongodump, mongorestore: report.tools.mongorestore }
  const path = join(settings.tempDir, 'mongo-restore-guard-plan.json')
  const json = JSON.stringify(plan, null, 2)
  await writeFile(path, json + '\n')
  const outputs = planOutputs(plan)
  const fits = outputs.plan !== undefined
  report.split = {
    parts: plan.parts,
    namespaces: plan.namespaces.length,
    wholeDatabases: plan.wholeDatabases,
    planPath: path,
    ...outputs
  }
  core.info(
    `${plan.namespaces.length} namespace piece(s) in ${plan.parts} part(s)${plan.wholeDatabases ? ', whole databases per line (too many namespaces for one matrix)' : ''}; the plan is in ${path}${fits ? ' and the plan output' : ` only: it is too large for a job output (${json.length} bytes); upload it with actions/upload-artifact and pass its path to mode: verify`}.`
  )
}

/** What the balance places: a whole database, a collection, or one `_id` range of one. */
interface Item {
  key: string
  bytes: number
  pieces: Omit<PlannedPiece, 'part'>[]
}

async function planParts(settings: PlanSettings, namespaces: string[]): Promise<SplitPlan> {
  const sizes = await collectionSizes(settings.source, namespaces, settings.probeTimeoutMs)
  const wholeDatabases = namespaces.length > MAX_LINES
  const items = wholeDatabases ? databaseItems(sizes) : await collectionItems(settings, sizes)
  const parts = balance(items, settings.parts)
  return {
    format: PLAN_FORMAT,
    createdAt: new Date().toISOString(),
    source: settings.source.redacted,
    target: settings.target.redacted,
    parts: parts.length,
    wholeDatabases,
    namespaces: parts.flatMap((part, i) =>
      part.flatMap((item) => item.pieces.map((p) => ({ ...p, part: `${i + 1}/${parts.length}` })))
    ),
    versions: {}
  }
}

/** Past MAX_LINES namespaces: one item per database (a `db.*` line), never cut. */
function databaseItems(sizes: readonly CollectionSize[]): Item[] {
  const byDatabase = new Map<string, CollectionSize[]>()
  for (const s of sizes) {
    const db = dbOf(s.namespace)
    byDatabase.set(db, [...(byDatabase.get(db) ?? []), s])
  }
  return [...byDatabase].map(([db, inDb]) => ({
    key: `${db}.*`,
    bytes: inDb.reduce((n, s) => n + s.bytes, 0),
    pieces: inDb.map(wholeCollection)
  }))
}

/** One item per collection; a collection larger than a fair part, one per `_id` range. */
async function collectionItems(
  settings: PlanSettings,
  sizes: readonly CollectionSize[]
): Promise<Item[]> {
  const { source, probeTimeoutMs: timeout } = settings
  const total = sizes.reduce((n, s) => n + s.bytes, 0)
  const items: Item[] = []
  for (const s of sizes) {
    const pieces = piecesFor(s.bytes, total, settings.parts)
    const ranges = idRanges(await splitPoints(source, s.namespace, pieces, timeout))
    if (ranges.length === 0) {
      items.push({ key: s.namespace, bytes: s.bytes, pieces: [wholeCollection(s)] })
      continue
    }
    const inRange = ranges.map((range) => ({ namespace: s.namespace, range }))
    const documents = await rangeCounts(source, inRange, timeout)
    ranges.forEach((range, i) => {
      const line = { database: dbOf(s.namespace), collection: collectionOf(s.namespace), range }
      const count = documents[i] as number
      // The range's share of the bytes, by its share of the documents.
      const bytes = Math.round(
        s.documents > 0 ? (s.bytes * count) / s.documents : s.bytes / ranges.length
      )
      const piece = {
        namespace: s.namespace,
        range: BSON.EJSON.stringify(range, { relaxed: false }),
        documents: count,
        bytes,
        ...(buildsIndexes(line) ? { indexes: s.indexes } : {})
      }
      items.push({ key: formatLine(line), bytes, pieces: [piece] })
    })
  }
  return items
}

function wholeCollection(s: CollectionSize): Omit<PlannedPiece, 'part'> {
  return { namespace: s.namespace, documents: s.documents, bytes: s.bytes, indexes: s.indexes }
}

/** Each `_id` range of a part: the target must hold exactly the source's documents in it. */
export async function rangeMismatches(settings: MigrateSettings): Promise<Mismatch[]> {
  const pieces = settings.transfer.namespaces
    .filter((l) => l.range !== undefined)
    .map((l) => ({ namespace: `${l.database}.${l.collection}`, range: l.range, line: l }))
  const timeout = settings.probeTimeoutMs
  const [want, have] = await Promise.all([
    rangeCounts(settings.source, pieces, timeout),
    rangeCounts(settings.target, pieces, timeout)
  ])
  return pieces.flatMap((p, i) =>
    want[i] === have[i]
      ? []
      : [
          {
            namespace: formatLine(p.line),
            check: 'count' as const,
            problem: `${have[i]} documents in the range, expected ${want[i]}`
          }
        ]
  )
}

/** Refuses a sharded side a mode cannot run on; the warnings for the ones it can. */
export function shardingWarnings(mode: Settings['mode'], sides: Sides): string[] {
  return [
    sides.source && checkSharding(mode, 'source', sides.source.hello, sides.source.uri.input),
    sides.target && checkSharding(mode, 'target', sides.target.hello, sides.target.uri.input)
  ].filter((w): w is string => typeof w === 'string')
}

/**
 * After every part: each piece of the plan on the target (documents, indexes), the target's
 * users against the plan's digests, and every app with a new connection. Names the parts that
 * failed or never ran.
 */
export async function verifySplit(run: Run<VerifySettings>): Promise<void> {
  const { settings, report } = run
  const { plan, target } = settings
  await phase(report.phases, 'Check the target', async () => {
    const sides = await openSides(undefined, target, settings.probeTimeoutMs)
    try {
      for (const w of shardingWarnings(settings.mode, sides))
        core.warning(w, { title: 'Sharded cluster' })
    } finally {
      await sides.close()
    }
  })
  const problems: string[] = []
  await phase(report.phases, 'Verify every part', async () => {
    const incomplete = await incompleteParts(settings)
    report.incompleteParts = incomplete.parts
    report.mismatches = incomplete.mismatches
    core.info(
      `${plan.namespaces.length} planned pieces checked: ${incomplete.mismatches.length} mismatches.`
    )
    if (incomplete.parts.length > 0) {
      problems.push(
        `part(s) that failed or never ran: ${incomplete.parts.map((p) => `${p.part} (${p.namespaces.join('; ')})`).join(', ')}; ${incomplete.mismatches.map((m) => `${m.namespace}: ${m.problem}`).join('; ')}. Re-run those part jobs (see the README on re-runs), then this job`
      )
    }
  })
  await phase(report.phases, "Compare the target's users with the plan", async () => {
    if (!plan.users) {
      core.warning(
        `The plan recorded no users (${plan.usersSkipped ?? 'unknown reason'}); the users check is skipped.`
      )
      return
    }
    const read = await tryReadUsers(settings)
    if (!read || 'skipped' in read) return
    const now = userDigests(read.snapshot)
    const changed = [...new Set([...Object.keys(plan.users), ...Object.keys(now)])]
      .sort()
      .filter((u) => plan.users?.[u] !== now[u])
      .map(
        (u) =>
          `${u} (${now[u] === undefined ? 'disappeared' : plan.users?.[u] === undefined ? 'appeared' : 'changed'})`
      )
    report.usersAgainstPlan = changed
    if (changed.length > 0) {
      problems.push(
        `the target's users differ from the plan's: ${changed.join(', ')}. Applications that log in as them may fail at their next restart; re-register them on the target`
      )
    }
  })
  try {
    await probeAfter(run, undefined, 'Probe every app')
  } catch (error) {
    if (problems.length === 0) throw error
    problems.push(error instanceof Error ? error.message : String(error))
  }
  if (problems.length > 0) {
    throw new GuardError(
      'PartsIncomplete',
      'The split migration is not complete',
      `The target does not hold the whole plan: ${problems.join('. ')}.`
    )
  }
}

/** Each planned piece's count on the target, and the indexes of each collection, grouped by part. */
async function incompleteParts(settings: VerifySettings) {
  const { plan, target, probeTimeoutMs: timeout } = settings
  const parsed = plan.namespaces.map((p) => ({
    ...p,
    rangeDoc:
      p.range === undefined
        ? undefined
        : (BSON.EJSON.parse(p.range, { relaxed: false }) as Document)
  }))
  const have = await rangeCounts(
    target,
    parsed.map((p) => ({ namespace: p.namespace, range: p.rangeDoc })),
    timeout
  )
  const withIndexes = parsed.filter((p) => p.indexes !== undefined)
  const states = await indexesOf(
    target,
    withIndexes.map((p) => p.namespace),
    timeout
  )
  const mismatches: (Mismatch & { part: string })[] = []
  parsed.forEach((p, i) => {
    const where = p.range ? `${p.namespace} ${p.range}` : p.namespace
    if (have[i] !== p.documents) {
      mismatches.push({
        part: p.part,
        namespace: where,
        check: 'count',
        problem: `${have[i]} documents, expected ${p.documents}`
      })
    }
  })
  withIndexes.forEach((p, i) => {
    const present = new Set((states[i] ?? []).map((x) => `${x.name} ${x.definition}`))
    const missing = (p.indexes ?? []).filter((x) => !present.has(`${x.name} ${x.definition}`))
    if (missing.length > 0) {
      mismatches.push({
        part: p.part,
        namespace: p.namespace,
        check: 'indexes',
        problem: `missing or different indexes: ${missing.map((x) => x.name).join(', ')}`
      })
    }
  })
  const byPart = new Map<string, string[]>()
  for (const m of mismatches) {
    const list = byPart.get(m.part) ?? []
    if (!list.includes(m.namespace)) list.push(m.namespace)
    byPart.set(m.part, list)
  }
  const parts = [...byPart]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([part, namespaces]) => ({ part, namespaces }))
  return {
    parts,
    mismatches: mismatches.map(({ namespace, check, problem }) => ({ namespace, check, problem }))
  }
}
