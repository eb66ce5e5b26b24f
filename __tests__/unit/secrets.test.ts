import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stat, readFile } from 'node:fs/promises'
import { closeSync, existsSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { MongoUri, SecretDir, redact } from '../../src/secrets.ts'

const password = 'p@ss:w/rd%1'
const encoded = encodeURIComponent(password)
const raw = `mongodb://app:${encoded}@Db1.Example:27017,db2.example/appdb?replicaSet=rs0`

test('parses hosts, user and authSource without exposing the password', () => {
  const uri = new MongoUri(raw, 'app-uri')
  assert.deepEqual(uri.hosts, ['db1.example:27017', 'db2.example:27017'])
  assert.equal(uri.username, 'app')
  assert.equal(uri.authSource, 'appdb')
  assert.equal(uri.pathDatabase, 'appdb')
  for (const shown of [uri.redacted, String(uri), JSON.stringify({ uri })]) {
    assert.ok(!shown.includes(encoded) && !shown.includes(password), shown)
  }
})

test('redacts every form of the password from text', () => {
  const uri = new MongoUri(raw, 'app-uri')
  const text = `a ${raw} b ${password} c ${encoded} d`
  const out = redact(text, [uri])
  assert.ok(!out.includes(password) && !out.includes(encoded) && !out.includes('p%40ss'), out)
})

test('the tools get the path database as authSource, not as --db', () => {
  const uri = new MongoUri(raw, 'target-uri')
  const tools = uri.forTools()
  assert.match(tools, /authSource=appdb/)
  assert.match(tools, /@Db1\.Example:27017,db2\.example\/\?/)
})

test('the config file (the fallback where there is no FIFO: Windows) is 0600 in a private directory that remove() deletes', async () => {
  const dir = await SecretDir.create(tmpdir(), 'file')
  const file = await dir.toolConfig('target', new MongoUri(raw, 'target-uri'))
  assert.equal((await stat(file)).mode & 0o777, 0o600)
  assert.equal((await stat(dir.path)).mode & 0o777, 0o700)
  assert.equal(JSON.parse(await readFile(file, 'utf8')).uri.includes(encoded), true)
  await dir.remove()
  assert.equal(existsSync(dir.path), false)
})

test('elsewhere the config goes through a FIFO: a new path per tool, nothing written until the tool reads', async () => {
  const dir = await SecretDir.create(tmpdir())
  const uri = new MongoUri(raw, 'target-uri')
  const first = await dir.toolConfig('target', uri)
  const second = await dir.toolConfig('target', uri)
  assert.notEqual(first, second)
  assert.equal(existsSync(first), false, 'the runner makes the FIFO, not toolConfig')
  const pipe = dir.pipe(first)
  assert.equal(pipe?.path, first)
  const file = join(dir.path, 'written')
  const fd = openSync(file, 'w')
  pipe?.writeTo(fd)
  closeSync(fd)
  assert.equal(JSON.parse(await readFile(file, 'utf8')).uri.includes(encoded), true)
  assert.equal(dir.pipe(join(dir.path, 'other.yaml')), undefined)
  await dir.remove()
})

for (const [bad, why] of [
  ['postgres://u:p@h/', /scheme/i],
  ['mongodb://', /host/i],
  ['mongodb://u:p@h:99999/', /port/],
  ['mongodb://u:p@h:abc/', /port/],
  ['mongodb://u:p@x@h/', /valid/],
  ['mongodb://u:%zz@h/', /valid/],
  ['mongodb+srv://u:p@cluster.example:27017/', /port/]
] as const) {
  test(`rejects ${bad.replace(/:[^:@/]*@/, ':***@')}`, () => {
    assert.throws(
      () => new MongoUri(bad, 'source-uri'),
      (e: Error) =>
        e.message.startsWith('source-uri:') && why.test(e.message) && !e.message.includes(':p@')
    )
  })
}

test('a string that does not parse: the message never holds its password, whatever its form', () => {
  for (const bad of [
    'mongodb://u:Se@cret-pw1@h/',
    'mongodb://u:Secret%zz-pw1@h/',
    'postgres://u:Secret-pw1@h/',
    'mongodb://u:Secret-pw1@h/?tls=maybe'
  ]) {
    assert.throws(
      () => new MongoUri(bad, 'source-uri'),
      (e: Error) => e.message.startsWith('source-uri:') && !/Se@?cret/.test(e.message)
    )
  }
})
