// What tests observe on real servers: a deployment's whole state, a collection's count, and a
// wait for a state to be reached (never a fixed sleep).
import { withClient, type MongoServer } from './testbed.ts'
import { sleep, toolProcesses } from './faults.ts'

/** Every namespace with its count, and every user with its credentials: "the state" of a server. */
export async function state(server: MongoServer): Promise<string> {
  return withClient(server.rootUri, async (c) => {
    const out: string[] = []
    const { databases } = await c.db('admin').admin().listDatabases({ nameOnly: true })
    for (const { name } of databases.sort((a, b) => a.name.localeCompare(b.name))) {
      if (name === 'local' || name === 'config') continue
      const colls = await c.db(name).listCollections().toArray()
      for (const coll of colls.sort((a, b) => a.name.localeCompare(b.name))) {
        out.push(`${name}.${coll.name}:${await c.db(name).collection(coll.name).countDocuments()}`)
      }
    }
    const users = await c
      .db('admin')
      .command({ usersInfo: { forAllDBs: true }, showCredentials: true })
    const sorted = (users['users'] as { _id: string }[]).sort((a, b) => a._id.localeCompare(b._id))
    out.push(JSON.stringify(sorted))
    return out.join('\n')
  })
}

/** The user databases of a server (not admin, local, config), sorted. */
export async function databaseNames(server: MongoServer): Promise<string[]> {
  return withClient(server.rootUri, async (c) => {
    const { databases } = await c.db('admin').admin().listDatabases({ nameOnly: true })
    return databases
      .map((d) => d.name)
      .filter((n) => !['admin', 'local', 'config'].includes(n))
      .sort()
  })
}

export async function count(server: MongoServer, ns: string): Promise<number> {
  const [db, coll] = ns.split('.') as [string, string]
  return withClient(server.rootUri, (c) => c.db(db).collection(coll).estimatedDocumentCount())
}

/** Polls `check` every 50 ms until it is true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    if (await Promise.resolve(check()).catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
  }
}

/** Resolves once `ns` on the server holds at least `n` documents: the restore is under way. */
export function waitForDocuments(server: MongoServer, ns: string, n: number): Promise<void> {
  return waitUntil(`${ns} holds ${n} documents`, async () => (await count(server, ns)) >= n)
}

/** Resolves once no mongodump/mongorestore started by `pid` runs any more. */
export function waitForToolsGone(pid: number): Promise<void> {
  return waitUntil(`the tools of ${pid} have exited`, () =>
    toolProcesses().every((p) => p.ppid !== pid)
  )
}
