import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dumpArgs, MANY_COLLECTIONS, restoreArgs } from '../../src/tools/args.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'

const base = DEFAULT_PLAN
const stdin = { kind: 'stdin' } as const

test('every restore excludes admin and the legacy user collections, from any input', () => {
  for (const from of [
    stdin,
    { kind: 'directory', path: '/d' } as const,
    { kind: 'archive', path: '/a' } as const
  ]) {
    const args = restoreArgs(base, '/tmp/t.yaml', from)
    for (const ns of ['admin.*', '*.system.users', '*.system.roles']) {
      assert.ok(args.includes(`--nsExclude=${ns}`), `missing --nsExclude=${ns} for ${from.kind}`)
    }
  }
})

test('streaming uses bare --archive on both sides; credentials only via --config', () => {
  const dump = dumpArgs(base, '/tmp/s.yaml', { kind: 'stdout' })
  const restore = restoreArgs(base, '/tmp/t.yaml', stdin)
  assert.deepEqual(dump, ['--config=/tmp/s.yaml', '--archive'])
  assert.deepEqual(restore.slice(0, 3), ['--config=/tmp/t.yaml', '-v', '--archive'])
  assert.ok(
    [...dump, ...restore].every((a) => !a.startsWith('--uri') && !a.startsWith('--password'))
  )
})

test('to disk: one database per mongodump, into the dump directory', () => {
  const args = dumpArgs({ ...base, gzip: true }, 'c', {
    kind: 'directory',
    path: '/out',
    database: 'appdb'
  })
  assert.deepEqual(args, ['--config=c', '--db=appdb', '--out=/out', '--gzip'])
})

test('gzip, drop, databases and renames at restore', () => {
  const settings = {
    ...base,
    gzip: true,
    drop: true,
    databases: ['appdb', 'billing'],
    nsExclude: ['appdb.cache'],
    renames: [{ from: 'appdb.$c$', to: 'copy.$c$' }]
  }
  const restore = restoreArgs(settings, 'c', { kind: 'directory', path: '/out' })
  for (const arg of [
    '--dir=/out',
    '--gzip',
    '--drop',
    '--nsExclude=appdb.cache',
    '--nsInclude=appdb.*',
    '--nsInclude=billing.*',
    '--nsFrom=appdb.$c$',
    '--nsTo=copy.$c$'
  ]) {
    assert.ok(restore.includes(arg), `missing ${arg}`)
  }
})

test('a streamed database is dumped with --db; the whole deployment without', () => {
  assert.ok(dumpArgs(base, 'c', { kind: 'stdout', database: 'appdb' }).includes('--db=appdb'))
  assert.ok(!dumpArgs(base, 'c', { kind: 'stdout' }).some((a) => a.startsWith('--db')))
})

test("the user's tool options come last, so they override anything the action passes", () => {
  // mongodump and mongorestore take the last of a repeated option (checked with 100.7.0:
  // `--numInsertionWorkersPerCollection=3 --numInsertionWorkersPerCollection=1` uses 1).
  const settings = {
    ...base,
    gzip: true,
    drop: true,
    databases: ['appdb'],
    renames: [{ from: 'appdb.a', to: 'appdb.b' }],
    dumpOptions: ['--numParallelCollections=8'],
    restoreOptions: ['--numInsertionWorkersPerCollection=4', '-j', '2']
  }
  assert.deepEqual(dumpArgs(settings, 'c', { kind: 'stdout' }).slice(-1), [
    '--numParallelCollections=8'
  ])
  assert.deepEqual(restoreArgs(settings, 'c', stdin).slice(-3), [
    '--numInsertionWorkersPerCollection=4',
    '-j',
    '2'
  ])
})

test('the tools parallelism follows the collections moved; the user says last', () => {
  // A few collections (or a dump alone): the tools' -j, two insertion workers per collection.
  for (const collections of [undefined, 1, MANY_COLLECTIONS]) {
    const few = { ...base, collections }
    assert.deepEqual(restoreArgs(few, 'c', stdin).slice(-1), [
      '--numInsertionWorkersPerCollection=2'
    ])
    assert.deepEqual(dumpArgs(few, 'c', { kind: 'stdout' }), ['--config=c', '--archive'])
  }
  // Many: eight collections at once on both sides, one worker each.
  const many = { ...base, collections: MANY_COLLECTIONS + 1 }
  assert.deepEqual(restoreArgs(many, 'c', stdin).slice(-2), [
    '--numParallelCollections=8',
    '--numInsertionWorkersPerCollection=1'
  ])
  assert.deepEqual(dumpArgs(many, 'c', { kind: 'stdout' }), [
    '--config=c',
    '--archive',
    '--numParallelCollections=8'
  ])
  // The user's value comes after the default, so it is the one the tools use.
  const mine = restoreArgs(
    { ...many, restoreOptions: ['--numInsertionWorkersPerCollection=3'] },
    'c',
    stdin
  )
  const workers = mine.filter((a) => a.startsWith('--numInsertionWorkersPerCollection'))
  assert.deepEqual(workers, [
    '--numInsertionWorkersPerCollection=1',
    '--numInsertionWorkersPerCollection=3'
  ])
  const dump = dumpArgs({ ...many, dumpOptions: ['-j=2'] }, 'c', { kind: 'stdout' })
  assert.deepEqual(dump.slice(-2), ['--numParallelCollections=8', '-j=2'])
})
