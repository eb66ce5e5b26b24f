// Oplog entries as a 6.0 replica set writes them (ts, t, v, op, ns, o, o2), crafted for the
// filter's table and for replays: one of each kind the guard must keep or drop.
import { Long, Timestamp, UUID, type Document } from 'mongodb'
import type { OplogScope } from '../../src/oplog/filter.ts'
import { DEFAULT_PLAN } from './plans.ts'

/** The plan the filter's table and its replay both use: appdb, less appdb.skip*. */
export const SCOPE: OplogScope = {
  ...DEFAULT_PLAN,
  databases: ['appdb'],
  nsExclude: ['appdb.skip*']
}

let increment = 0
/** A fresh, increasing timestamp: mongorestore replays in file order and reads ts. */
function ts(): Timestamp {
  return new Timestamp({ t: 1_800_000_000, i: ++increment })
}

export function insert(ns: string, doc: Document): Document {
  return { ts: ts(), t: Long.fromNumber(1), v: Long.fromNumber(2), op: 'i', ns, o: doc }
}

export function update(ns: string, id: unknown, set: Document): Document {
  return {
    ...{ ts: ts(), t: Long.fromNumber(1), v: Long.fromNumber(2), op: 'u', ns },
    ...{ o: { $v: 2, diff: { u: set } }, o2: { _id: id } }
  }
}

export function command(db: string, o: Document): Document {
  return { ts: ts(), t: Long.fromNumber(1), v: Long.fromNumber(2), op: 'c', ns: `${db}.$cmd`, o }
}

export function noop(): Document {
  return {
    ts: ts(),
    t: Long.fromNumber(1),
    v: Long.fromNumber(2),
    op: 'n',
    ns: '',
    o: { msg: 'x' }
  }
}

/** A non-transaction applyOps of `ops` (their own ts removed, as nested entries carry none). */
export function applyOps(ops: Document[]): Document {
  return command('admin', { applyOps: ops.map(nested) })
}

/** A committed, unprepared transaction: one applyOps entry with lsid, txnNumber, prevOpTime. */
export function transaction(ops: Document[]): Document {
  return {
    ...applyOps(ops),
    lsid: { id: new UUID(), uid: new Uint8Array(32) },
    txnNumber: Long.fromNumber(++increment),
    prevOpTime: { ts: new Timestamp({ t: 0, i: 0 }), t: Long.fromNumber(-1) }
  }
}

function nested(op: Document): Document {
  const rest = { ...op }
  for (const field of ['ts', 't', 'v']) delete rest[field]
  return rest
}

/** A user document as admin.system.users holds it (no real credentials). */
export function userDoc(db: string, user: string): Document {
  return { _id: `${db}.${user}`, userId: new UUID(), user, db, credentials: {}, roles: [] }
}

/** Every entry the guard must drop, each alone: the forbidden kinds of issue 20. */
export function forbiddenEntries(): { kind: string; entry: Document }[] {
  return [
    {
      kind: 'admin.system.users insert',
      entry: insert('admin.system.users', userDoc('admin', 'evil'))
    },
    { kind: 'admin.x insert', entry: insert('admin.x', { _id: 1 }) },
    { kind: 'config.x insert', entry: insert('config.x', { _id: 1 }) },
    { kind: 'local.x insert', entry: insert('local.x', { _id: 1 }) },
    {
      kind: 'appdb.system.users insert',
      entry: insert('appdb.system.users', userDoc('appdb', 'evil'))
    },
    {
      kind: 'appdb.system.roles insert',
      entry: insert('appdb.system.roles', { _id: 'appdb.r', role: 'r', db: 'appdb' })
    },
    { kind: 'a database outside the plan', entry: insert('otherdb.c', { _id: 1 }) },
    { kind: 'an excluded collection', entry: insert('appdb.skipped', { _id: 1 }) },
    {
      kind: 'a collection created outside the plan',
      entry: command('otherdb', { create: 'made' })
    },
    { kind: 'a collection created in config', entry: command('config', { create: 'made' }) }
  ]
}
