// One collection of each kind whose options, indexes or count a careless copy or check gets
// wrong: time-series, capped, clustered, validated, collated with odd indexes, and a view.
import type { MongoClient } from 'mongodb'

/** One collection of each special kind, with data that a wrong restore would change. */
export async function seedSpecial(c: MongoClient): Promise<void> {
  const db = c.db('appdb')
  await db.createCollection('metrics', {
    timeseries: { timeField: 't', metaField: 'sensor', granularity: 'minutes' },
    expireAfterSeconds: 86_400 * 365 * 50
  })
  // Many measurements, few buckets: a count of measurements is not a count of buckets.
  const start = Date.UTC(2026, 0, 1)
  await db.collection('metrics').insertMany(
    Array.from({ length: 300 }, (_, i) => ({
      t: new Date(start + i * 1000),
      sensor: i % 3,
      v: i
    }))
  )
  await db.createCollection('log', { capped: true, size: 100_000, max: 500 })
  await db.collection('log').insertMany(Array.from({ length: 50 }, (_, i) => ({ i })))
  await db.createCollection('sessions', {
    clusteredIndex: { key: { _id: 1 }, unique: true },
    expireAfterSeconds: 86_400 * 365 * 50
  })
  await db
    .collection<{ _id: number; at: Date }>('sessions')
    .insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, at: new Date(start) })))
  await db.createCollection('people', {
    validator: { $jsonSchema: { required: ['name'] } },
    validationLevel: 'moderate',
    validationAction: 'error'
  })
  await db
    .collection('people')
    .insertMany(Array.from({ length: 30 }, (_, i) => ({ name: `p${i}`, n: BigInt(i) })))
  await db.createCollection('orders', { collation: { locale: 'fr', strength: 2 } })
  await db
    .collection('orders')
    .insertMany(Array.from({ length: 250 }, (_, i) => ({ i, who: `w${i % 7}` })))
  await db
    .collection('orders')
    .createIndex(
      { who: -1, i: 1 },
      { unique: true, partialFilterExpression: { i: { $gt: 10 } }, hidden: true }
    )
  await db.collection('orders').createIndex({ when: 1 }, { expireAfterSeconds: 3600, sparse: true })
  await db.createCollection('recent', {
    viewOn: 'orders',
    // One field per stage: tools 100.7.0 may reorder a stage's fields (see the test below).
    pipeline: [{ $match: { i: { $gte: 100 } } }, { $project: { who: 1 } }, { $sort: { i: -1 } }]
  })
}

/** Their namespaces. */
export const SPECIAL = [
  'appdb.log',
  'appdb.metrics',
  'appdb.orders',
  'appdb.people',
  'appdb.recent',
  'appdb.sessions'
]
