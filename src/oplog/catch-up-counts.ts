// Proof that nobody else wrote the target after the copy, before the catch-up writes anything:
// each planned collection's count on the target must equal the source's count at T. The
// source's count at T is read exactly as its count at a later X (a snapshot read at X, the
// newest oplog entry, always inside the snapshot window) less the inserts and plus the deletes
// the oplog holds in (T, X], those inside transactions (applyOps) included. Added for issue 21
// beside the oplog module of issue 20.
import { Timestamp, type Db } from 'mongodb'
import { collectionOf, dbOf } from '../input/namespace.js'
import type { PlannedNamespace } from '../input/ns-plan.js'
import type { OplogTime } from '../input/settings.js'
import type { MongoUri } from '../secrets.js'

/** A collection whose target count differs from the source's at T. */
export interface CountAtT {
  source: string
  target: string
  /** The source's count at T. */
  expected: number
  /** The target's count now. */
  actual: number
}

/** The planned collections whose target count is not the source's count at T. */
export async function countsDifferingAtT(
  source: MongoUri,
  target: MongoUri,
  planned: readonly PlannedNamespace[],
  from: OplogTime,
  timeoutMs: number
): Promise<CountAtT[]> {
  const atT = await sourceCountsAt(source, planned, from, timeoutMs)
  const now = await target.use('catch-up-check', timeoutMs, async (c) => {
    const counts = new Map<string, number>()
    for (const p of planned) counts.set(p.target, await countOf(c.db(dbOf(p.target)), p.target))
    return counts
  })
  return planned
    .map((p) => ({ ...p, expected: atT.get(p.source) ?? 0, actual: now.get(p.target) ?? 0 }))
    .filter((c) => c.expected !== c.actual)
}

async function sourceCountsAt(
  source: MongoUri,
  planned: readonly PlannedNamespace[],
  from: OplogTime,
  timeoutMs: number
): Promise<Map<string, number>> {
  return source.use('catch-up-check', timeoutMs, async (c) => {
    const oplog = c.db('local').collection('oplog.rs')
    const [newest] = await oplog
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: -1 })
      .limit(1)
      .toArray()
    const x = newest?.['ts'] as Timestamp
    const counts = new Map<string, number>()
    for (const p of planned) {
      counts.set(p.source, await countOf(c.db(dbOf(p.source)), p.source, x))
    }
    const net = await oplog
      .aggregate([
        { $match: { ts: { $gt: toTimestamp(from), $lte: x } } },
        // A transaction's writes sit inside one applyOps command entry.
        {
          $project: {
            ops: {
              $cond: [{ $isArray: '$o.applyOps' }, '$o.applyOps', [{ op: '$op', ns: '$ns' }]]
            }
          }
        },
        { $unwind: '$ops' },
        { $match: { 'ops.op': { $in: ['i', 'd'] } } },
        {
          $group: {
            _id: '$ops.ns',
            net: { $sum: { $cond: [{ $eq: ['$ops.op', 'i'] }, 1, -1] } }
          }
        }
      ])
      .toArray()
    for (const row of net) {
      const ns = row['_id'] as string
      if (counts.has(ns)) counts.set(ns, (counts.get(ns) ?? 0) - (row['net'] as number))
    }
    return counts
  })
}

/** The driver drops atClusterTime from a readConcern option (7.9.0, measured): the command carries it. */
async function countOf(db: Db, namespace: string, atClusterTime?: Timestamp): Promise<number> {
  const rows = await db
    .runCursorCommand({
      aggregate: collectionOf(namespace),
      pipeline: [{ $count: 'n' }],
      cursor: {},
      ...(atClusterTime && { readConcern: { level: 'snapshot', atClusterTime } })
    })
    .toArray()
  return (rows[0]?.['n'] as number | undefined) ?? 0
}

export function toTimestamp(time: OplogTime): Timestamp {
  return new Timestamp({ t: time.t, i: time.i })
}
