// What a verify step costs: the reads it makes per collection (estimatedDocumentCount and
// listIndexes, or an exact countDocuments), timed on source and target with an open client, on
// the dataset restored by the raw pipeline and, at the first size, on the wide database.
// It also times the action's own copy check (options and indexes; a 100-document sample).
// May import: bed.ts, dataset.ts, measure.ts, and the action's copy check.
import { performance } from 'node:perf_hooks'
import { checkCopy, type CopyCheck } from '../../src/report/verify-copy.ts'
import { readCollections } from '../../src/server/collection-options.ts'
import type { SampleSize } from '../../src/server/sample.ts'
import type { RestoredNamespace } from '../../src/tools/output.ts'
import { MongoUri } from '../../src/secrets.ts'
import { emptyTarget, pipeDumpIntoRestore, type Bed } from './bed.ts'
import { DB, WIDE_COLLECTIONS, WIDE_DB, generateWide } from './dataset.ts'
import { fmtInt, median } from './measure.ts'

export interface VerifyCost {
  label: string
  collections: number
  documents: number
  /** ms for estimatedDocumentCount + listIndexes of every collection, on both servers. */
  metadataMs: number
  /** ms for countDocuments({}) of every collection, on both servers. */
  exactCountMs: number
  /** ms of the action's options and indexes check (checkCopy, no sample), every collection. */
  optionsMs: number
  /** ms of the action's byte-for-byte sample of 100 documents, every collection. */
  sampleMs: number
}

/** Medians of `passes` passes over every collection of `db`, on both servers. */
async function verifyCost(
  bed: Bed,
  db: string,
  label: string,
  passes: number
): Promise<VerifyCost> {
  const names = (
    await bed.sourceClient.db(db).listCollections({}, { nameOnly: true }).toArray()
  ).map((c) => c.name)
  const clients = [bed.sourceClient, bed.targetClient]
  const documents = (await bed.sourceClient.db(db).stats()).objects as number
  const metadata: number[] = []
  const exact: number[] = []
  for (let rep = 0; rep < passes; rep++) {
    let t = performance.now()
    for (const client of clients) {
      for (const name of names) {
        const coll = client.db(db).collection(name)
        await coll.estimatedDocumentCount()
        await coll.listIndexes().toArray()
      }
    }
    metadata.push(performance.now() - t)
    t = performance.now()
    for (const client of clients) {
      for (const name of names) await client.db(db).collection(name).countDocuments({})
    }
    exact.push(performance.now() - t)
  }
  // The action's own copy check, as its Verify step runs it (options and indexes, then a sample).
  const restored = names.map((name) => ({
    source: `${db}.${name}`,
    target: `${db}.${name}`,
    documents: 0,
    failures: 0
  }))
  const source = new MongoUri(bed.source.rootUri, 'source')
  const target = new MongoUri(bed.target.rootUri, 'target')
  const options: number[] = []
  const sample: number[] = []
  for (let rep = 0; rep < passes; rep++) {
    const optionsOnly = (await copyCheck(source, target, restored, 0)).ms
    options.push(optionsOnly)
    const sampled = await copyCheck(source, target, restored, 100)
    // What the sample adds, in wall time (the collections are sampled a few at once).
    sample.push(sampled.ms - optionsOnly)
  }
  return {
    label,
    collections: names.length,
    documents,
    metadataMs: median(metadata),
    exactCountMs: median(exact),
    optionsMs: median(options),
    sampleMs: median(sample)
  }
}

/** The dataset restored onto the target, plus (with `wide`) many small collections on both. */
export async function measureVerify(
  bed: Bed,
  size: number,
  { wide, passes }: { wide: boolean; passes: number }
): Promise<VerifyCost[]> {
  await emptyTarget(bed)
  await pipeDumpIntoRestore(bed, 'restore for verify', [`--db=${DB}`])
  const costs = [await verifyCost(bed, DB, `${fmtInt(size)} documents`, passes)]
  if (wide) {
    for (const client of [bed.sourceClient, bed.targetClient]) await generateWide(client)
    const label = `${WIDE_COLLECTIONS} collections × 100 documents`
    costs.push(await verifyCost(bed, WIDE_DB, label, passes))
    await bed.sourceClient.db(WIDE_DB).dropDatabase()
  }
  await emptyTarget(bed)
  return costs
}

/**
 * The copy check as the Verify step runs it: each side's collections read once (in parallel),
 * then the options and indexes compared and the sample taken. `ms` is the whole of it.
 */
export async function copyCheck(
  source: MongoUri,
  target: MongoUri,
  restored: RestoredNamespace[],
  size: SampleSize
): Promise<{ copy: CopyCheck; ms: number }> {
  const started = performance.now()
  const [collections, actual] = await Promise.all([
    readCollections(
      source,
      restored.map((r) => r.source),
      10_000
    ),
    readCollections(
      target,
      restored.map((r) => r.target),
      10_000
    )
  ])
  const reference = { kind: 'server' as const, uri: source, collections }
  const copy = await checkCopy(reference, target, actual, restored, size, 10_000)
  return { copy, ms: performance.now() - started }
}
