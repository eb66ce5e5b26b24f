// An application that keeps writing while a test copies its database: in the test's own process,
// on its own client. Each round is one transaction across two collections (an event inserted and
// the counter that counts it, so a copy that is not one point in time shows a counter that
// disagrees with the events), plus an update and a delete of the `items` the seed wrote.
// Transactions need a replica set; `transactions: false` writes the same rounds without one.
import { MongoClient, type ClientSession, type Timestamp } from 'mongodb'

export interface WriterOptions {
  /** The application's database. */
  database: string
  /** Pause between rounds, so the writer does not starve the machine (default 5 ms). */
  pauseMs?: number
  /** One transaction per round (default true; a standalone needs false). */
  transactions?: boolean
}

export interface LiveWriter {
  /** Rounds committed so far. */
  rounds(): number
  /** Waits until at least `count` rounds are committed (or the writer failed). */
  waitForRounds(count: number, timeoutMs?: number): Promise<void>
  /** Stops after the current round; rejects if a round failed. Resolves with the rounds done. */
  stop(): Promise<number>
}

/** Where the `_id`s of the items the writer inserts start: past any seed. */
const NEW_ITEMS = 1_000_000_000

/** The database's collections as the writer leaves them: events, the counter, items. */
export const WRITER_COLLECTIONS = ['events', 'counters', 'items']

/** Seeds `items` (updated and deleted by the writer) and the counter at zero. */
export async function seedWriter(uri: string, database: string, items = 500): Promise<void> {
  const client = new MongoClient(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 })
  try {
    const db = client.db(database)
    await db.collection('counters').insertOne({ _id: 'events' as never, inserted: 0, deleted: 0 })
    const docs = Array.from({ length: items }, (_, i) => ({
      _id: i,
      version: 0,
      pad: 'x'.repeat(64)
    }))
    if (docs.length > 0) await db.collection('items').insertMany(docs as never[])
    await db.collection('events').createIndex({ n: 1 })
  } finally {
    await client.close()
  }
}

/** Starts writing rounds into `database` until stopped. */
export function startWriter(uri: string, options: WriterOptions): LiveWriter {
  const client = new MongoClient(uri, { maxPoolSize: 2, serverSelectionTimeoutMS: 10_000 })
  const db = client.db(options.database)
  const pauseMs = options.pauseMs ?? 5
  let done = 0
  let stopping = false
  let failure: unknown
  const loop = (async () => {
    try {
      // A writer started again on the same database carries on where the last one stopped.
      const counter = await db.collection('counters').findOne({ _id: 'events' as never })
      const first = ((counter?.['last'] as number | undefined) ?? 0) + 1
      for (let n = first; !stopping; n++) {
        await round(n)
        done = n - first + 1
        await new Promise((resolve) => setTimeout(resolve, pauseMs))
      }
    } catch (error) {
      failure = error
    } finally {
      await client.close()
    }
  })()

  async function round(n: number): Promise<void> {
    const events = db.collection('events')
    const counters = db.collection('counters')
    // Every third round deletes the event of two rounds before, in the same transaction.
    const remove = n % 3 === 0
    const write = async (session?: ClientSession) => {
      await events.insertOne({ _id: n as never, n, at: new Date() }, { session })
      if (remove) await events.deleteOne({ _id: (n - 2) as never }, { session })
      await counters.updateOne(
        { _id: 'events' as never },
        { $inc: { inserted: 1, deleted: remove ? 1 : 0 }, $set: { last: n } },
        { session }
      )
    }
    if (options.transactions === false) await write()
    else {
      const session = client.startSession()
      try {
        await session.withTransaction(() => write(session))
      } finally {
        await session.endSession()
      }
    }
    const items = db.collection('items')
    await items.updateOne({ _id: (n % 97) as never }, { $inc: { version: 1 }, $set: { by: n } })
    // Every fifth round inserts an item past the seeded ones and deletes the one of five rounds before.
    if (n % 5 === 0) await items.deleteOne({ _id: (NEW_ITEMS + n - 5) as never })
    if (n % 5 === 0) await items.insertOne({ _id: (NEW_ITEMS + n) as never, version: 0, by: n })
  }

  return {
    rounds: () => done,
    async waitForRounds(count, timeoutMs = 60_000) {
      for (const deadline = Date.now() + timeoutMs; done < count;) {
        if (failure) throw failure
        if (Date.now() > deadline) throw new Error(`writer: only ${done} of ${count} rounds`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async stop() {
      stopping = true
      await loop
      if (failure) throw failure
      return done
    }
  }
}

/** What the writer's collections hold; `atClusterTime` reads them as of that moment. */
export interface WriterState {
  events: number
  counter: { inserted: number; deleted: number; last?: number }
  itemsHash: string
}

/**
 * Reads the events, the counter and the items in one snapshot: at `atClusterTime` when given
 * (a snapshot session whose time is set before its first read), else as they are now.
 */
export async function readWriterState(
  client: MongoClient,
  database: string,
  atClusterTime?: Timestamp
): Promise<WriterState> {
  // A standalone has no snapshot reads: without a time, ordinary reads (of a quiet server).
  const session = client.startSession(atClusterTime ? { snapshot: true } : {})
  if (atClusterTime) {
    // Connected first: the driver refuses a snapshot session before it knows the server's version.
    await client.connect()
    // The driver keeps the snapshot's time here and sends it as readConcern.atClusterTime.
    ;(session as unknown as { snapshotTime?: Timestamp }).snapshotTime = atClusterTime
  }
  try {
    const db = client.db(database)
    const [row] = await db
      .collection('events')
      .aggregate([{ $count: 'n' }], { session })
      .toArray()
    const [c = {} as Record<string, unknown>] = await db
      .collection('counters')
      .find({ _id: 'events' as never }, { session })
      .toArray()
    const items = await db.collection('items').find({}, { session }).sort({ _id: 1 }).toArray()
    return {
      events: (row?.n as number | undefined) ?? 0,
      counter: {
        inserted: (c.inserted as number | undefined) ?? 0,
        deleted: (c.deleted as number | undefined) ?? 0,
        last: c.last as number | undefined
      },
      itemsHash: JSON.stringify(items)
    }
  } finally {
    await session.endSession()
  }
}
