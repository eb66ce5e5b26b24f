// The data the bench copies: database `bench`, six collections of realistic orders-like
// documents (~510 B each, two compound indexes per collection), generated deterministically from
// a seed, and the "wide" database of many small collections used to show how verification
// scales with the number of collections.
// May import: nothing of the bench (only the test support's server type).
import { MongoClient, ObjectId, type Db } from 'mongodb'
import type { MongoServer } from '../../__tests__/support/testbed.ts'

export const DB = 'bench'
/** Collections of the dataset and their share of the documents. */
export const COLLECTIONS: [string, number][] = [
  ['orders', 0.3],
  ['events', 0.25],
  ['customers', 0.15],
  ['invoices', 0.15],
  ['sessions', 0.1],
  ['products', 0.05]
]
/** The database of many small collections, on source and target alike. */
export const WIDE_DB = 'wide'
export const WIDE_COLLECTIONS = 60

export interface DatasetStats {
  documents: number
  collections: number
  indexes: number
  dataMb: number
  avgObjSize: number
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut ' +
  'labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris ' +
  'nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse ' +
  'cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui'
).split(' ')
const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'returned', 'cancelled']
const CITIES = ['Lyon', 'Porto', 'Gdansk', 'Leeds', 'Graz', 'Turku', 'Bari', 'Ghent', 'Cork']
const EPOCH = Date.UTC(2023, 0, 1)

function makeDoc(rand: () => number, c: number, i: number) {
  const int = (n: number) => Math.floor(rand() * n)
  const words = (n: number) => Array.from({ length: n }, () => WORDS[int(WORDS.length)]).join(' ')
  const id = Buffer.alloc(12)
  id.writeUInt32BE(0x65000000 + c, 0)
  id.writeUInt32BE(Math.floor(i / 0x100000000), 4)
  id.writeUInt32BE(i >>> 0, 8)
  const customer = int(100_000)
  return {
    _id: new ObjectId(id),
    n: i,
    customer: `cust-${customer}`,
    email: `user${customer}@example.org`,
    status: STATUSES[int(STATUSES.length)],
    amount: int(10_000_000) / 100,
    quantity: 1 + int(20),
    createdAt: new Date(EPOCH + int(365 * 86_400_000)),
    tags: [WORDS[int(WORDS.length)], WORDS[int(WORDS.length)], WORDS[int(WORDS.length)]],
    address: {
      street: `${1 + int(300)} ${words(2)} street`,
      city: CITIES[int(CITIES.length)],
      zip: String(10_000 + int(89_999))
    },
    note: words(36)
  }
}

function collectionSizes(total: number): number[] {
  const sizes = COLLECTIONS.map(([, share]) => Math.floor(total * share))
  sizes[0]! += total - sizes.reduce((a, b) => a + b, 0)
  return sizes
}

/** Replaces the source's `bench` database with `total` documents generated from `seed`. */
export async function generate(
  server: MongoServer,
  total: number,
  seed: number
): Promise<DatasetStats> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 4 })
  try {
    const db = client.db(DB)
    await db.dropDatabase()
    const sizes = collectionSizes(total)
    for (const [c, [name]] of COLLECTIONS.entries()) {
      const rand = mulberry32(seed * 1000 + c)
      const coll = db.collection(name)
      const count = sizes[c] as number
      const batch = 5000
      let inFlight: Promise<unknown>[] = []
      for (let start = 0; start < count; start += batch) {
        const docs = []
        for (let i = start; i < Math.min(count, start + batch); i++) docs.push(makeDoc(rand, c, i))
        inFlight.push(coll.insertMany(docs, { ordered: false }))
        if (inFlight.length >= 2) {
          await Promise.all(inFlight)
          inFlight = []
        }
      }
      await Promise.all(inFlight)
      await coll.createIndexes([
        { key: { customer: 1, createdAt: -1 } },
        { key: { status: 1, amount: -1 } }
      ])
    }
    return await datasetStats(db)
  } finally {
    await client.close()
  }
}

async function datasetStats(db: Db): Promise<DatasetStats> {
  const stats = await db.stats()
  let indexes = 0
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    indexes += (await db.collection(name).listIndexes().toArray()).length
  }
  return {
    documents: stats.objects,
    collections: stats.collections,
    indexes,
    dataMb: stats.dataSize / 1024 / 1024,
    avgObjSize: stats.avgObjSize
  }
}

/** (Re)creates the wide database: WIDE_COLLECTIONS collections of 100 documents, 2 indexes each. */
export async function generateWide(client: MongoClient): Promise<void> {
  const db = client.db(WIDE_DB)
  await db.dropDatabase()
  for (let c = 0; c < WIDE_COLLECTIONS; c++) {
    const coll = db.collection(`c${c}`)
    await coll.insertMany(Array.from({ length: 100 }, (_, i) => ({ n: i, s: `s${i % 7}` })))
    await coll.createIndexes([{ key: { n: 1 } }, { key: { s: 1 } }])
  }
}
