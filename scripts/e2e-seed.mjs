// Sets up the end-to-end workflow's two throwaway servers (.github/workflows/e2e.yml): waits
// until both accept a login, then gives each its own `app` user in appdb, with different
// passwords as two hosts would have, and puts data in the source. (No secondary index: a raw
// restore that replaces the users also ends its own session, and then fails to build indexes;
// the incident was a restore that reported success.)
// Env: SOURCE_URI and TARGET_URI (root users), APP_URI (the app's connection string for the
// target, which holds its password there) and APP_PASSWORD_ON_SOURCE.
import { setTimeout as sleep } from 'node:timers/promises'
import { URL } from 'node:url'
import { MongoClient } from 'mongodb'

const DOCUMENTS = 1000
const WAIT_MS = 120_000

function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: see the header of scripts/e2e-seed.mjs`)
  return value
}

/** A client that has logged in; a container that is still starting is retried until WAIT_MS. */
async function connect(uri, name) {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 })
    try {
      await client.db('admin').command({ ping: 1 })
      return client
    } catch (error) {
      await client.close()
      if (Date.now() > deadline) throw new Error(`${name} did not accept a login: ${error.message}`)
      await sleep(1000)
    }
  }
}

const appOnTarget = new URL(env('APP_URI'))
const appUser = decodeURIComponent(appOnTarget.username)
const source = await connect(env('SOURCE_URI'), 'the source')
const target = await connect(env('TARGET_URI'), 'the target')
try {
  const roles = ['readWrite']
  await source
    .db('appdb')
    .command({ createUser: appUser, pwd: env('APP_PASSWORD_ON_SOURCE'), roles })
  await target
    .db('appdb')
    .command({ createUser: appUser, pwd: decodeURIComponent(appOnTarget.password), roles })
  const orders = source.db('appdb').collection('orders')
  await orders.insertMany(Array.from({ length: DOCUMENTS }, (_, n) => ({ n, total: n * 3 })))
  const version = (await target.db('admin').command({ buildInfo: 1 })).version
  console.log(`MongoDB ${version}: ${DOCUMENTS} documents in appdb.orders on the source;`)
  console.log(`user ${appUser}@appdb on both servers, with a different password on each.`)
} finally {
  await Promise.all([source.close(), target.close()])
}
