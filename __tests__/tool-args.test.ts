import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dumpArgs, restoreArgs } from '../src/tool-args.ts'

const base = {
  gzip: false,
  databases: [],
  drop: false,
  nsExclude: [],
  renames: [],
  dumpOptions: [],
  restoreOptions: []
}
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

test('a single streamed database is dumped with --db', () => {
  assert.ok(
    dumpArgs({ ...base, databases: ['appdb'] }, 'c', { kind: 'stdout' }).includes('--db=appdb')
  )
})
