// The planning of a split migration, without a server: the namespaces lines a part job reads,
// the balance by bytes, the number of pieces, the `_id` ranges, the matrix, the argv of a
// ranged part, the inputs of plan, migrate-with-namespaces and verify, and the sharding decision.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import {
  balance,
  buildsIndexes,
  formatLine,
  idRanges,
  matrixOf,
  MAX_PARTS,
  OUTPUT_BUDGET,
  parseNamespaceLines,
  piecesFor,
  queryOf
} from '../../src/input/parts.ts'
import { parsePlan, planOutputs } from '../../src/input/split-plan.ts'
import { PLAN_FORMAT, type SplitPlan } from '../../src/input/plan-file.ts'
import { getInputs } from '../../src/input/inputs.ts'
import { checkSharding, shardingDecision } from '../../src/server/sharding.ts'
import { dumpArgs, restoreArgs } from '../../src/tools/args.ts'
import { GuardError } from '../../src/errors.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'
import { restoreEnvAfterEach, setInputs } from '../support/runner-env.ts'

describe('namespaces lines', () => {
  test('a collection, a whole database, and a range that reads back exactly', () => {
    const id = new ObjectId('6b079280b0112e2a9c8e436f')
    const ranged = formatLine({ database: 'shop', collection: 'orders', range: { $gte: id } })
    assert.equal(ranged, 'shop.orders {"$gte":{"$oid":"6b079280b0112e2a9c8e436f"}}')
    const [a, b, c] = parseNamespaceLines(['shop.orders', 'crm.*', ranged])
    assert.deepEqual(a, { database: 'shop', collection: 'orders', range: undefined })
    assert.deepEqual(b, { database: 'crm', collection: undefined, range: undefined })
    assert.ok(c?.range?.['$gte'] instanceof ObjectId)
    assert.equal(formatLine(c!), ranged)
    assert.equal(queryOf(c!.range!), '{"_id":{"$gte":{"$oid":"6b079280b0112e2a9c8e436f"}}}')
  })

  test('a collection name with spaces keeps them; the range is the JSON after it', () => {
    const [line] = parseNamespaceLines(['db.my orders {"$lt":{"$numberInt":"5"}}'])
    assert.equal(line?.collection, 'my orders')
    assert.equal(Number(line?.range?.['$lt']), 5)
  })

  test('bad lines name the line and the fix; system namespaces are refused', () => {
    assert.throws(
      () => parseNamespaceLines(['shop.orders', 'nodot']),
      /namespaces \(line 2\): "nodot" is not a namespace/
    )
    assert.throws(() => parseNamespaceLines(['shop.* {"$gte":1}']), /needs one collection/)
    assert.throws(() => parseNamespaceLines(['shop.o {"$where":"1"}']), /uses other operators/)
    assert.throws(
      () => parseNamespaceLines(['admin.system.users']),
      /ForbiddenOption|server's own users/
    )
    assert.throws(() => parseNamespaceLines(['app.system.users']), /server's own users/)
  })

  test('only the range without a lower bound builds the indexes', () => {
    const [first, middle, last] = idRanges([1, 2]).map((range) => ({
      database: 'd',
      collection: 'c',
      range
    }))
    assert.equal(buildsIndexes(first!), true)
    assert.equal(buildsIndexes(middle!), false)
    assert.equal(buildsIndexes(last!), false)
    assert.equal(buildsIndexes({ database: 'd', collection: 'c', range: undefined }), true)
  })
})

describe('the split', () => {
  test('largest first into the lightest part', () => {
    const items = [
      { key: 'a', bytes: 10 },
      { key: 'b', bytes: 7 },
      { key: 'c', bytes: 5 },
      { key: 'd', bytes: 4 },
      { key: 'e', bytes: 3 }
    ]
    const parts = balance(items, 3)
    assert.deepEqual(
      parts.map((p) => p.map((i) => i.key)),
      [['a'], ['b', 'e'], ['c', 'd']]
    )
    const sums = parts.map((p) => p.reduce((n, i) => n + i.bytes, 0))
    assert.deepEqual(sums, [10, 10, 9])
  })

  test('at most parts parts, none empty', () => {
    assert.equal(balance([{ key: 'a', bytes: 1 }], 4).length, 1)
    assert.equal(balance([], 4).length, 0)
  })

  test('a collection larger than a fair part is cut so that no piece exceeds one', () => {
    assert.equal(piecesFor(60, 100, 3), 2)
    assert.equal(piecesFor(90, 100, 3), 3)
    assert.equal(piecesFor(100, 100, 4), 4)
    assert.equal(piecesFor(10, 100, 3), 1)
    assert.equal(piecesFor(100, 100, 1), 1)
  })

  test('k points make k + 1 ranges: not ≥ the first, then [pᵢ, pᵢ₊₁), then ≥ the last', () => {
    assert.deepEqual(idRanges([]), [])
    assert.deepEqual(idRanges([5, 9]), [{ $not: { $gte: 5 } }, { $gte: 5, $lt: 9 }, { $gte: 9 }])
  })

  test('the matrix: one entry per part, lines joined by new lines; 256 parts of 2000 lines fit', () => {
    const line = (i: number) => ({ database: 'db', collection: `c${i}`, range: undefined })
    const matrix = JSON.parse(matrixOf([[line(1), line(2)], [line(3)]]))
    assert.deepEqual(matrix, {
      include: [
        { part: '1/2', namespaces: 'db.c1\ndb.c2' },
        { part: '2/2', namespaces: 'db.c3' }
      ]
    })
    // Whole databases per line: the plan switches to them past 2000 namespaces.
    const many = Array.from({ length: MAX_PARTS }, (_, p) =>
      Array.from({ length: 8 }, (_, i) => ({
        database: `database_${p}_${i}`,
        collection: undefined,
        range: undefined
      }))
    )
    assert.ok(matrixOf(many).length < OUTPUT_BUDGET)
  })
})

describe("the plan job's outputs", () => {
  const planOf = (pieces: SplitPlan['namespaces'], wholeDatabases = false): SplitPlan => ({
    format: PLAN_FORMAT,
    createdAt: '',
    source: '',
    target: '',
    parts: 2,
    wholeDatabases,
    namespaces: pieces,
    versions: {}
  })

  test("the matrix holds each part's lines; the plan output is the compact JSON", () => {
    const range = '{"$gte":{"$numberInt":"5"}}'
    const plan = planOf([
      { namespace: 'shop.orders', part: '1/2', range, documents: 5, bytes: 50 },
      {
        namespace: 'shop.orders',
        part: '2/2',
        range: '{"$not":{"$gte":{"$numberInt":"5"}}}',
        documents: 5,
        bytes: 50
      },
      { namespace: 'crm.notes', part: '2/2', documents: 1, bytes: 10 }
    ])
    const out = planOutputs(plan)
    assert.deepEqual(JSON.parse(out.matrix).include, [
      { part: '1/2', namespaces: `shop.orders ${range}` },
      { part: '2/2', namespaces: 'shop.orders {"$not":{"$gte":{"$numberInt":"5"}}}\ncrm.notes' }
    ])
    assert.deepEqual(parsePlan(out.plan as string), plan)
  })

  test('thousands of namespaces: whole databases per line, and a plan too large for an output is left to the file', () => {
    const pieces = Array.from({ length: 6000 }, (_, i) => ({
      namespace: `db${i % 12}.collection_with_a_long_name_${i}`,
      part: `${(i % 12) + 1}/12`,
      documents: i,
      bytes: i,
      indexes: [{ name: '_id_', definition: '{"key":{"_id":1}}' }]
    }))
    const out = planOutputs(planOf(pieces, true))
    const include = JSON.parse(out.matrix).include as { part: string; namespaces: string }[]
    assert.equal(include.length, 12)
    assert.deepEqual(include[0], { part: '1/12', namespaces: 'db0.*' })
    assert.ok(out.matrix.length < 2000)
    assert.equal(out.plan, undefined)
  })
})

describe('argv of a ranged part', () => {
  const plan = DEFAULT_PLAN
  test('mongodump gets --db, --collection and the query as one argument; siblings skip the indexes', () => {
    const query = queryOf({ $gte: 5 })
    assert.deepEqual(
      dumpArgs(plan, '/c', { kind: 'stdout', database: 'shop', collection: 'orders', query }),
      [
        '--config=/c',
        '--archive',
        '--db=shop',
        '--collection=orders',
        '--query={"_id":{"$gte":{"$numberInt":"5"}}}'
      ]
    )
    assert.ok(
      restoreArgs(plan, '/c', { kind: 'stdin', noIndexRestore: true }).includes('--noIndexRestore')
    )
    assert.ok(!restoreArgs(plan, '/c', { kind: 'stdin' }).includes('--noIndexRestore'))
  })
})

describe('inputs of a split migration', () => {
  restoreEnvAfterEach()
  const read = (inputs: Record<string, string>) => {
    for (const key of Object.keys(process.env))
      if (key.startsWith('INPUT_')) delete process.env[key]
    setInputs(inputs)
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = (() => true) as typeof process.stdout.write
    try {
      return getInputs()
    } finally {
      process.stdout.write = write
    }
  }
  const uris = {
    'source-uri': 'mongodb://d:s-Pa55@db1.example/?authSource=admin',
    'target-uri': 'mongodb://r:t-Pa55@db2.example/?authSource=admin',
    'app-uri': 'mongodb://app:a-Pa55@db2.example/shop'
  }

  test('plan: parts defaults to 4 and is a whole number up to 256; no app-uri needed', () => {
    const noApp = { ...uris, 'app-uri': '' }
    const settings = read({ ...noApp, mode: 'plan' })
    assert.equal(settings.mode === 'plan' && settings.parts, 4)
    assert.throws(
      () => read({ ...noApp, mode: 'plan', parts: '300' }),
      /parts: "300" is not a whole number from 1 to 256/
    )
    assert.throws(() => read({ ...noApp, mode: 'plan', parts: '2.5' }), /parts/)
  })

  test('migrate with namespaces: not with databases, archive, or drop on a range', () => {
    const settings = read({ ...uris, namespaces: 'shop.orders {"$gte":1}\ncrm.*' })
    assert.equal(settings.mode === 'migrate' && settings.transfer.namespaces.length, 2)
    assert.throws(
      () => read({ ...uris, namespaces: 'shop.orders', databases: 'shop' }),
      /namespaces: cannot be combined with databases/
    )
    assert.throws(
      () => read({ ...uris, namespaces: 'shop.orders {"$gte":1}', drop: 'true' }),
      /drop: would drop the whole collection/
    )
    assert.throws(
      () => read({ ...uris, mode: 'rehearse', namespaces: 'shop.orders' }),
      /namespaces: is not used with mode: rehearse/
    )
  })

  test('verify: the plan is required, and must be a plan', () => {
    assert.throws(
      () => read({ ...uris, mode: 'verify' }),
      /plan: is empty, and mode: verify needs it/
    )
    assert.throws(
      () => read({ ...uris, mode: 'verify', plan: '{"a":1}' }),
      /plan: is not a plan written by mode: plan/
    )
    assert.throws(
      () => read({ ...uris, mode: 'verify', plan: '/no/such/plan.json' }),
      /does not exist/
    )
    assert.throws(() => parsePlan('{not json'), /plan: is not JSON/)
  })
})

describe('a sharded cluster (mongos)', () => {
  const mongos = { msg: 'isdbgrid', isWritablePrimary: true }
  test('a sharded source is refused in every mode that dumps or plans, with the reason', () => {
    for (const mode of ['migrate', 'rehearse', 'dump', 'plan'] as const) {
      assert.match(
        shardingDecision(mode, 'source').refuse ?? '',
        /no point in time across shards.*balancer/
      )
    }
    assert.deepEqual(shardingDecision('probe', 'source'), {})
  })

  test('a sharded target: refused for a split plan, explained for one migrate, probes warn of the user cache', () => {
    assert.match(
      shardingDecision('plan', 'target').refuse ?? '',
      /balancer may move chunks.*config\.\*/
    )
    assert.equal(shardingDecision('migrate', 'target').refuse, undefined)
    assert.match(shardingDecision('migrate', 'target').warn ?? '', /config\.\*.*unsharded/)
    assert.match(shardingDecision('verify', 'target').warn ?? '', /caches users/)
    assert.match(shardingDecision('restore', 'target').warn ?? '', /caches users/)
  })

  test('checkSharding: a replica set passes; a mongos is refused with a typed error or warned about', () => {
    assert.equal(
      checkSharding('migrate', 'source', { isWritablePrimary: true, setName: 'rs' }, 'source-uri'),
      undefined
    )
    assert.throws(
      () => checkSharding('migrate', 'source', mongos, 'source-uri'),
      (e: unknown) =>
        e instanceof GuardError &&
        e.kind === 'ShardedCluster' &&
        /^source-uri: the source is a sharded cluster/.test(e.message)
    )
    assert.match(
      checkSharding('migrate', 'target', mongos, 'target-uri') ?? '',
      /^target-uri: the target is a sharded cluster/
    )
  })
})
