// `npm run demo`: runs the action's main job on this machine against throwaway local servers and
// replays the incident. First an unguarded `mongorestore --drop` breaks the target and the probe
// catches it; then, on a fresh target, the guarded migration passes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import {
  binaries,
  createUser,
  startServer,
  stopAllServers,
  type MongoServer
} from '../__tests__/support/testbed.ts'
import { runAction } from '../__tests__/support/run-action.ts'

const APP_ON_SOURCE = 'old-host-password'
const APP_ON_TARGET = 'new-host-password'

async function setUp(): Promise<{ source: MongoServer; target: MongoServer }> {
  const [source, target] = await Promise.all([startServer(), startServer()])
  await createUser(source, 'appdb', 'app', APP_ON_SOURCE, ['readWrite'])
  await createUser(target, 'appdb', 'app', APP_ON_TARGET, ['readWrite'])
  const client = new MongoClient(source.rootUri)
  await client
    .db('appdb')
    .collection('orders')
    .insertMany(Array.from({ length: 1000 }, (_, i) => ({ n: i })))
  await client.close()
  return { source, target }
}

/** What the incident's operator ran: a whole-deployment dump restored with --drop, users included. */
function unguardedRestore(source: MongoServer, target: MongoServer): void {
  const dir = mkdtempSync(join(tmpdir(), 'demo-'))
  try {
    const config = (name: string, uri: string) => {
      const file = join(dir, `${name}.yaml`)
      writeFileSync(file, JSON.stringify({ uri }), { mode: 0o600 })
      return file
    }
    const archive = join(dir, 'dump.archive')
    const { mongodump, mongorestore } = binaries()
    spawnSync(mongodump, [`--config=${config('s', source.rootUri)}`, `--archive=${archive}`], {
      stdio: 'ignore'
    })
    spawnSync(
      mongorestore,
      [`--config=${config('t', target.rootUri)}`, `--archive=${archive}`, '--drop'],
      { stdio: 'ignore' }
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function act(
  title: string,
  source: MongoServer,
  target: MongoServer
): Promise<number | null> {
  console.log(`\n=== ${title} ===`)
  const run = await runAction({
    'source-uri': source.rootUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', APP_ON_TARGET, 'appdb'),
    'app-privileges': 'appdb: readWrite',
    'tools-path': binaries().toolsDir
  })
  const shown = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::') && !l.startsWith('[mongo'))
  console.log(shown.join('\n'))
  console.log('--- job summary (GITHUB_STEP_SUMMARY) ---')
  console.log(run.summary)
  console.log(`--- outputs: ${JSON.stringify(run.outputs)}; exit code ${run.exitCode}`)
  return run.exitCode
}

try {
  console.log(`mongod ${binaries().mongodVersion}, tools ${binaries().toolsVersion}`)
} catch (error) {
  // No binaries: say what to do in one line rather than print a stack trace.
  console.error(`demo: ${(error as Error).message}`)
  process.exit(1)
}

try {
  const broken = await setUp()
  unguardedRestore(broken.source, broken.target)
  const caught = await act(
    '1. After an unguarded restore (--drop, users included): the probe must fail',
    broken.source,
    broken.target
  )
  const fresh = await setUp()
  const passed = await act(
    '2. The guarded migration onto a fresh target: must pass',
    fresh.source,
    fresh.target
  )
  const ok = caught === 1 && passed === 0
  console.log(
    `\ndemo ${ok ? 'OK' : 'FAILED'}: the probe caught the broken target (exit ${caught}), the guarded migration passed (exit ${passed})`
  )
  process.exitCode = ok ? 0 : 1
} finally {
  await stopAllServers()
}
