// mode plan, the first job of a migration split across a GitHub Actions matrix: the same
// pre-flight as a migration over everything the whole run writes, the target's users recorded,
// and the source's namespaces balanced into parts by bytes (a large collection cut into `_id`
// ranges), written as a plan file and the matrix's outputs.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BSON } from 'mongodb'
import { info } from '../interface.js'
import { collectionOf, dbOf } from '../input/namespace.js'
import { balance, buildsIndexes, formatLine, idRanges, piecesFor } from '../input/parts.js'
import type { PlanSettings } from '../input/settings.js'
import { PLAN_FORMAT, type PlannedPiece, type SplitPlan } from '../input/plan-file.js'
import { planOutputs } from '../input/split-plan.js'
import { phase } from '../report/phase.js'
import { userDigests } from '../server/drift.js'
import { collectionSizes, rangeCounts, splitPoints, type CollectionSize } from '../server/survey.js'
import type { Run } from './context.js'
import { checkSides } from './phases.js'
import { tryReadUsers } from './steps.js'

/** Lines of one part: more than this many namespaces plan whole databases per line instead. */
const MAX_LINES = 2000

export async function plan(run: Run<PlanSettings>): Promise<void> {
  const { settings, report } = run
  // The same pre-flight as a migration, over every namespace the whole run will write.
  const planned = await checkSides(run, settings.transfer)
  const namespaces = planned.map((p) => p.source)
  const users = await phase(report.phases, "Record the target's users", () =>
    tryReadUsers(settings)
  )
  const split = await phase(report.phases, 'Plan the parts', () => planParts(settings, namespaces))
  if (users && 'snapshot' in users) split.users = userDigests(users.snapshot)
  else split.usersSkipped = users?.skipped ?? 'no user may read them'
  const tools = run.versions?.tools
  split.versions = { mongodump: tools, mongorestore: tools }
  const path = join(settings.tempDir, 'mongo-restore-guard-plan.json')
  const json = JSON.stringify(split, null, 2)
  await writeFile(path, json + '\n')
  const outputs = planOutputs(split)
  const fits = outputs.plan !== undefined
  report.split = {
    parts: split.parts,
    namespaces: split.namespaces.length,
    wholeDatabases: split.wholeDatabases,
    planPath: path,
    ...outputs
  }
  info(
    `${split.namespaces.length} namespace piece(s) in ${split.parts} part(s)${split.wholeDatabases ? ', whole databases per line (too many namespaces for one matrix)' : ''}; the plan is in ${path}${fits ? ' and the plan output' : ` only: it is too large for a job output (${json.length} bytes); upload it with actions/upload-artifact and pass its path to mode: verify`}.`
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
