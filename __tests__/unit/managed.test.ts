// Unit tests only: there is no Atlas, DocumentDB or Cosmos DB deployment reachable from here,
// so these check the recognition by host name and the advice, not the services' behaviour.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { managedAdvice, managedService } from '../../src/server/managed.ts'
import { MongoUri } from '../../src/secrets.ts'

const uri = (raw: string) => new MongoUri(raw, 'target-uri')

for (const [raw, service] of [
  ['mongodb+srv://u:p@cluster0.ab1cd.mongodb.net/', 'atlas'],
  ['mongodb+srv://u:p@Cluster0.AB1CD.MongoDB.net./', 'atlas'],
  ['mongodb://u:p@ac-1-shard-00-00.ab1cd.mongodb.net:27017/?tls=true', 'atlas'],
  ['mongodb+srv://u:p@cluster0.ab1cd.mongodb-dev.net/', 'atlas'],
  ['mongodb://u:p@docs.cluster-c1.us-east-1.docdb.amazonaws.com:27017/?tls=true', 'documentdb'],
  ['mongodb+srv://u:p@my-vcore.mongocluster.cosmos.azure.com/', 'cosmos'],
  ['mongodb://u:p@acct.mongo.cosmos.azure.com:10255/?ssl=true', 'cosmos'],
  ['mongodb://u:p@127.0.0.1:27017,db.example.com/', undefined],
  ['mongodb://u:p@mongodb.net.example.com/', undefined],
  ['mongodb://u:p@notmongodb.net/', undefined],
  ['mongodb://u:p@[::1]:27017/', undefined]
] as const) {
  test(`${raw.replace(/u:p@/, '')} is ${service ?? 'self-run'}`, () => {
    assert.equal(managedService(uri(raw)), service)
  })
}

test('a self-run host among managed ones still counts as managed', () => {
  const mixed = uri('mongodb://u:p@127.0.0.1:27017,shard-00-01.ab1cd.mongodb.net:27017/')
  assert.equal(managedService(mixed), 'atlas')
})

test('advice is one sentence per service and none for a self-run server', () => {
  assert.match(managedAdvice('atlas') ?? '', /Atlas UI or Admin API.*rolled back.*shared tiers/)
  assert.match(managedAdvice('documentdb') ?? '', /DocumentDB.*never exports passwords.*recreated/)
  assert.match(managedAdvice('cosmos') ?? '', /Cosmos DB.*never exports passwords.*recreated/)
  for (const service of ['atlas', 'documentdb', 'cosmos'] as const) {
    const advice = managedAdvice(service) ?? ''
    assert.equal(advice.split('. ').length, 1, advice)
    assert.ok(advice.endsWith('.'), advice)
  }
  assert.equal(managedAdvice(undefined), undefined)
})
