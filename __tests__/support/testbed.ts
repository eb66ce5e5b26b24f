// Real mongod processes for tests: auth on, random root password, cleaned up even after an
// aborted run. Binaries come from `npm run provision` (.cache/bin) or the env overrides.
// Two server versions: 6.0.5 (native Linux build, the default) and 7.0.15 (the official Windows
// build under wine64, provisioned with its prefix in .cache/wine).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { createServer } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'

export interface Binaries {
  mongod: string
  mongodump: string
  mongorestore: string
  toolsDir: string
  mongodVersion: string
  toolsVersion: string
}

export interface MongoServer {
  host: string
  port: number
  hostPort: string
  rootUser: string
  rootPassword: string
  rootUri: string
  uri(user: string, password: string, authSource: string, extra?: string): string
  replSet?: string
  /** Which of the test bed's server versions this is. */
  version: ServerVersion
  /** The server's process (under wine: the wine process that became mongod.exe). */
  pid: number | undefined
  dbpath: string
  logPath: string
  log(): string
  stop(): Promise<void>
}

type Role = string | { role: string; db: string }

/** The server versions the test bed runs: '6.0' is 6.0.5 (native), '7.0' is 7.0.15 (wine). */
export type ServerVersion = '6.0' | '7.0'

/**
 * The versions that tests whose outcome depends on the server's answers loop over, one
 * `describe` each. TESTBED_VERSIONS=6.0 (comma-separated) narrows it for a quick local run.
 */
export const SERVER_VERSIONS: readonly ServerVersion[] = (() => {
  const all: ServerVersion[] = ['6.0', '7.0']
  const wanted = process.env.TESTBED_VERSIONS?.split(',')
    .map((v) => v.trim())
    .filter(Boolean)
  if (!wanted?.length) return all
  // An unknown version must not make the version loops silently empty.
  const unknown = wanted.filter((v) => !all.includes(v as ServerVersion))
  if (unknown.length) throw new Error(`TESTBED_VERSIONS: ${unknown} unknown; use ${all}`)
  return all.filter((v) => wanted.includes(v))
})()

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const cacheBin = path.join(repoRoot, '.cache', 'bin')
const testbedRoot = path.join(os.tmpdir(), 'mongo-restore-guard-testbed')
const runDir = path.join(testbedRoot, `run-${process.pid}`)
const PROVISION_HINT = 'Run `npm run provision` (or set MONGOD_BIN and MONGO_TOOLS_DIR).'

/** Missing binaries: the message and the fix, without a stack trace that says nothing more. */
function missingBinaries(message: string): Error {
  const error = new Error(`${message} ${PROVISION_HINT}`)
  error.stack = error.message
  return error
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function readOr(file: string, fallback = ''): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return fallback
  }
}

function onPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable)
}

function findMongod(): string | undefined {
  const local = path.join(cacheBin, 'mongod')
  return process.env.MONGOD_BIN || (isExecutable(local) ? local : onPath('mongod'))
}

// mongod.exe under wine: the binary, the loader and the prefix provisioning initialised.
const WINE64 = process.env.WINE64 || '/usr/lib/wine/wine64'
const winePrefix = path.join(repoRoot, '.cache', 'wine')
const mongodExe = path.join(cacheBin, 'mongod.exe')

/** How to start mongod 7.0: wine64 and mongod.exe, or the provisioning hint. */
function wineMongod(): { wine: string; exe: string; env: NodeJS.ProcessEnv } {
  if (!isExecutable(WINE64) || !fs.existsSync(mongodExe)) {
    throw new Error(`No mongod 7.0 (${mongodExe} under ${WINE64}). ${PROVISION_HINT}`)
  }
  // WINEDEBUG=-all: wine's own debug chatter would bury mongod's start-up errors.
  return {
    wine: WINE64,
    exe: mongodExe,
    env: { ...process.env, WINEPREFIX: winePrefix, WINEDEBUG: '-all' }
  }
}

/** mongod.exe reads Windows paths; wine maps drive Z: to the Unix root. */
function windowsPath(unixPath: string): string {
  return `Z:${unixPath.replace(/\//g, '\\')}`
}

function findToolsDir(): string | undefined {
  if (process.env.MONGO_TOOLS_DIR) return process.env.MONGO_TOOLS_DIR
  if (isExecutable(path.join(cacheBin, 'mongodump'))) return cacheBin
  const dump = onPath('mongodump')
  return dump && path.dirname(dump)
}

function versionOf(bin: string): string {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000 })
  return /version:?\s*v?(\d+\.\d+\.\d+\S*)/.exec(out)?.[1] ?? out.split('\n')[0]!.trim()
}

let cached: Binaries | undefined

function build(mongod: string | undefined): Binaries {
  const toolsDir = findToolsDir()
  if (!mongod || !toolsDir) {
    const missing = [!mongod && 'mongod', !toolsDir && 'mongodump/mongorestore'].filter(Boolean)
    throw missingBinaries(`No ${missing.join(' or ')} found.`)
  }
  const mongodump = path.join(toolsDir, 'mongodump')
  const mongorestore = path.join(toolsDir, 'mongorestore')
  // A wrong override is a one-line message naming it, not a spawn error's stack trace.
  const unusable = [mongod, mongodump, mongorestore].filter((bin) => !isExecutable(bin))
  if (unusable.length > 0) {
    throw missingBinaries(`Not an executable file: ${unusable.join(', ')}.`)
  }
  const versions = { mongodVersion: versionOf(mongod), toolsVersion: versionOf(mongodump) }
  return (cached = { mongod, mongodump, mongorestore, toolsDir, ...versions })
}

/** Binaries from env, .cache/bin or PATH, resolved once; throws the provisioning hint if missing. */
export function binaries(): Binaries {
  return cached ?? build(findMongod())
}

/** Like binaries(), but falls back to mongodb-memory-server's download (online users only). */
export async function resolveBinaries(): Promise<Binaries> {
  if (cached || findMongod()) return binaries()
  try {
    // Dynamic so an offline or provisioned run never loads it.
    const { MongoBinary } = await import('mongodb-memory-server-core')
    return build(await MongoBinary.getPath())
  } catch (err) {
    throw missingBinaries(`No mongod found and none could be downloaded (${err}).`)
  }
}

function isAlive(pid: number): boolean {
  try {
    return process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

// Under wine the pid is mongod.exe itself (cmdline "…mongod.exe …"). No `wineserver -k`: it
// would kill every run's servers in the prefix, and the wineserver exits with its last process.
function killMongod(pid: number | undefined): void {
  if (!pid || !isAlive(pid)) return
  // A recycled pid must not be killed: where /proc exists, check it is still a mongod.
  if (fs.existsSync('/proc/self') && !readOr(`/proc/${pid}/cmdline`).includes('mongod')) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Removes run dirs of test processes that died, killing the mongods they left behind. */
export function cleanupStale(): void {
  const runs = fs.existsSync(testbedRoot) ? fs.readdirSync(testbedRoot) : []
  for (const name of runs) {
    const owner = Number(/^run-(\d+)$/.exec(name)?.[1])
    if (!owner || owner === process.pid || isAlive(owner)) continue
    const dir = path.join(testbedRoot, name)
    for (const port of fs.readdirSync(dir)) {
      killMongod(JSON.parse(readOr(path.join(dir, port, 'owner.json'), '{}')).mongodPid)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const live = new Map<MongoServer, ChildProcess>()
/** Every root password this process generated, for the secret sweeps. */
const generatedPasswords = new Set<string>()
let initialized = false

function initOnce(): void {
  if (initialized) return
  initialized = true
  cleanupStale()
  // Synchronous last resort for runs that end without stopAllServers (crash, process.exit).
  process.on('exit', () => {
    for (const child of live.values()) killMongod(child.pid)
    fs.rmSync(runDir, { recursive: true, force: true })
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(128 + os.constants.signals[signal]))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

function tail(text: string, count: number): string {
  const lines = text.trimEnd().split('\n')
  return lines.slice(-count).join('\n')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A server that accepts TLS connections only, with this certificate (6.0: see __tests__/tls). */
export interface ServerTls {
  /** The server's certificate and key, PEM. */
  pemFile: string
  /** The CA that signed it, PEM: clients name it with tlsCAFile. */
  caFile: string
}

/** The query options a client needs for a server with `tls`. */
function tlsQuery(tls: ServerTls | undefined): string {
  return tls ? `&tls=true&tlsCAFile=${encodeURIComponent(tls.caFile)}` : ''
}

// No credentials: hello needs no auth, the rest runs under the localhost exception.
async function anonymousAdmin(hostPort: string, cmd: Record<string, unknown>, tls?: ServerTls) {
  const opts = { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500, maxPoolSize: 1 }
  const query = `directConnection=true${tlsQuery(tls)}`
  const client = new MongoClient(`mongodb://${hostPort}/?${query}`, opts)
  try {
    return await client.db('admin').command(cmd)
  } finally {
    await client.close()
  }
}

async function waitFor(
  what: string,
  exited: () => string | undefined,
  ok: () => Promise<boolean>,
  timeoutMs = 30_000
) {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const failure = exited()
    if (failure) throw new Error(failure)
    if (await ok().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`mongod: timed out waiting for ${what}`)
  }
}

interface LaunchOptions {
  replSet: string | undefined
  /** Shared keyfile content: members of one set must authenticate to each other. */
  key: string | undefined
  /** How this server's uri() reaches it: `replicaSet=…` or `directConnection=true`. */
  topology: string
  rootPassword: string
  testCommands?: boolean
  setParameters?: Record<string, string | number | boolean> | undefined
  version: ServerVersion
  tls?: ServerTls
}

interface Launched {
  server: MongoServer
  exited: () => string | undefined
  /** Lets the test process exit without waiting for this mongod; 'exit' still kills it. */
  release: () => void
}

/** Spawns one mongod and waits until it accepts connections; stops it if it never does. */
async function launch(port: number, o: LaunchOptions): Promise<Launched> {
  const wine = o.version === '7.0' ? wineMongod() : undefined
  const { mongod } = wine ? { mongod: wine.exe } : await resolveBinaries()
  const host = '127.0.0.1'
  const hostPort = `${host}:${port}`
  const dbpath = path.join(runDir, String(port))
  fs.mkdirSync(dbpath, { recursive: true })
  const logPath = path.join(dbpath, 'mongod.log')
  const stderrPath = path.join(dbpath, 'stderr.log') // errors printed before the log file opens
  const pathArg = wine ? windowsPath : (p: string) => p
  const args = ['--auth', '--bind_ip', host, '--port', `${port}`, '--dbpath', pathArg(dbpath)]
  // Full-time diagnostic data collection also crashes mongod.exe under wine.
  args.push('--logpath', pathArg(logPath))
  args.push('--setParameter', 'diagnosticDataCollectionEnabled=false')
  if (o.replSet && o.key) {
    const keyFile = path.join(dbpath, 'keyfile')
    fs.writeFileSync(keyFile, o.key, { mode: 0o400 })
    args.push('--replSet', o.replSet, '--keyFile', pathArg(keyFile))
  }
  if (o.testCommands) args.push('--setParameter', 'enableTestCommands=1')
  for (const [name, value] of Object.entries(o.setParameters ?? {})) {
    args.push('--setParameter', `${name}=${value}`)
  }
  if (o.tls) {
    args.push('--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', pathArg(o.tls.pemFile))
    args.push('--tlsCAFile', pathArg(o.tls.caFile), '--tlsAllowConnectionsWithoutCertificates')
  }
  const stderrFd = fs.openSync(stderrPath, 'w')
  // wine64 execs mongod.exe in its own process: child.pid is the server, SIGKILL stops it.
  const child = wine
    ? spawn(wine.wine, [wine.exe, ...args], {
        stdio: ['ignore', 'ignore', stderrFd],
        env: wine.env
      })
    : spawn(mongod, args, { stdio: ['ignore', 'ignore', stderrFd] })
  fs.closeSync(stderrFd)
  child.on('error', () => undefined) // a failed spawn shows up as an exit below
  const owner = { ownerPid: process.pid, mongodPid: child.pid }
  fs.writeFileSync(path.join(dbpath, 'owner.json'), JSON.stringify(owner))

  const { rootPassword, replSet, version } = o
  const uri = (user: string, password: string, authSource: string, extra?: string) =>
    `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${hostPort}/` +
    `?authSource=${encodeURIComponent(authSource)}&${o.topology}${tlsQuery(o.tls)}${extra ? `&${extra}` : ''}`
  const log = () => readOr(logPath) + readOr(stderrPath)
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      live.delete(server)
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve))
        child.ref() // keep the event loop alive until the exit is seen
        killMongod(child.pid)
        await gone
      }
      fs.rmSync(dbpath, { recursive: true, force: true })
    })())
  const rootUri = uri('root', rootPassword, 'admin')
  const server: MongoServer = {
    ...{ host, port, hostPort, rootUser: 'root', rootPassword, rootUri, uri },
    ...{ replSet, version, pid: child.pid, dbpath, logPath, log, stop }
  }
  live.set(server, child)

  const exited = () =>
    child.exitCode === null && child.signalCode === null
      ? undefined
      : `mongod on ${hostPort} exited (${child.exitCode ?? child.signalCode}) during start:\n` +
        tail(log(), 40)
  try {
    await waitFor(
      'connections',
      exited,
      async () => !!(await anonymousAdmin(hostPort, { hello: 1 }, o.tls)),
      wine ? STARTUP_TIMEOUT_WINE_MS : undefined
    )
  } catch (err) {
    await stop()
    throw err
  }
  return { server, exited, release: () => child.unref() }
}

// mongod.exe under wine takes seconds to start, more on a busy machine.
const STARTUP_TIMEOUT_WINE_MS = 120_000

function newRootPassword(): string {
  const password = `r@:/%?#${randomBytes(12).toString('base64url')}`
  generatedPasswords.add(password)
  return password
}

/** Every root password of every server this process started, stopped or not. */
export function rootPasswords(): string[] {
  return [...generatedPasswords]
}

export async function startServer(
  opts: {
    replSet?: boolean
    version?: ServerVersion
    /** Server parameters (`--setParameter name=value`), e.g. `{ ttlMonitorSleepSecs: 1 }`. */
    setParameters?: Record<string, string | number | boolean>
    tls?: ServerTls
  } = {}
): Promise<MongoServer> {
  initOnce()
  const port = await freePort()
  const replSet = opts.replSet ? `rs-${port}` : undefined
  const { server, exited, release } = await launch(port, {
    version: opts.version ?? '6.0',
    replSet,
    key: replSet && randomBytes(48).toString('base64'),
    topology: replSet ? `replicaSet=${replSet}` : 'directConnection=true',
    rootPassword: newRootPassword(),
    setParameters: opts.setParameters,
    tls: opts.tls
  })
  const { hostPort, rootPassword } = server
  try {
    if (replSet) {
      const config = { _id: replSet, members: [{ _id: 0, host: hostPort }] }
      await anonymousAdmin(hostPort, { replSetInitiate: config }, opts.tls)
      const isPrimary = async () =>
        (await anonymousAdmin(hostPort, { hello: 1 }, opts.tls)).isWritablePrimary
      await waitFor('primary', exited, isPrimary)
    }
    const root = { createUser: 'root', pwd: rootPassword, roles: ['root'] }
    await anonymousAdmin(hostPort, root, opts.tls)
  } catch (err) {
    await server.stop()
    throw err
  }
  release() // a forgotten server must not keep the test process alive; 'exit' kills it
  return server
}

/** A server for one test, stopped when the test ends. */
export async function serverFor(
  t: { after(fn: () => unknown): void },
  options: Parameters<typeof startServer>[0] = {}
): Promise<MongoServer> {
  const server = await startServer(options)
  t.after(() => server.stop())
  return server
}

/** A source and a target for one test, started at once and stopped when the test ends. */
export async function pairFor(
  t: { after(fn: () => unknown): void },
  options: Parameters<typeof startServer>[0] = {}
): Promise<[MongoServer, MongoServer]> {
  const pair = await Promise.all([startServer(options), startServer(options)])
  t.after(() => Promise.all(pair.map((s) => s.stop())))
  return pair
}

/** A temporary directory for one test, removed when the test ends. */
export function tempDirFor(t: { after(fn: () => unknown): void }, prefix = 'guard-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function createUser(
  server: MongoServer,
  db: string,
  user: string,
  password: string,
  roles: Role[],
  mechanisms?: string[]
): Promise<void> {
  const client = new MongoClient(server.rootUri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 1 })
  try {
    const cmd = { createUser: user, pwd: password, roles, ...(mechanisms && { mechanisms }) }
    await client.db(db).command(cmd)
  } finally {
    await client.close()
  }
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...live.keys()].map((server) => server.stop()))
}

/** Runs fn; if it throws, prints the last 60 log lines of each server to stderr, then rethrows. */
export async function withLogsOnFailure<T>(
  servers: MongoServer[],
  fn: () => Promise<T>
): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    for (const s of servers) {
      process.stderr.write(
        `\n--- mongod ${s.hostPort} log, last 60 lines ---\n${tail(s.log(), 60)}\n`
      )
    }
    throw err
  }
}

export interface ReplicaSet {
  name: string
  /** The member initiated first, with the higher priority: the primary once started. */
  primary: MongoServer
  /** Every member; each one's rootUri and uri() connect to it directly (directConnection). */
  members: MongoServer[]
  /** The whole set as an application connects to it: every host and replicaSet. */
  uri(user: string, password: string, authSource: string, extra?: string): string
  rootUri: string
  stop(): Promise<void>
}

/**
 * A replica set of `count` mongods sharing one keyfile, with test commands enabled (fail
 * points), initiated through the localhost exception; resolves when the first member is
 * primary, root exists on every member (initial sync copies it) and the others are SECONDARY.
 * `version`: '6.0' (default, native) or '7.0' (mongod.exe under wine, slower to start).
 */
export async function startReplicaSet(
  count: number,
  opts: { version?: ServerVersion } = {}
): Promise<ReplicaSet> {
  initOnce()
  const ports: number[] = []
  while (ports.length < count) {
    const port = await freePort()
    if (!ports.includes(port)) ports.push(port)
  }
  const name = `rs-${ports[0]}`
  const key = randomBytes(48).toString('base64')
  const rootPassword = newRootPassword()
  const options = {
    ...{ replSet: name, key, topology: 'directConnection=true', rootPassword },
    version: opts.version ?? '6.0'
  }
  const started = await Promise.allSettled(
    ports.map((port) => launch(port, { ...options, testCommands: true }))
  )
  const launched = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const members = launched.map((l) => l.server)
  const stop = async () => {
    await Promise.all(members.map((m) => m.stop()))
  }
  const failedStart = started.find((r) => r.status === 'rejected')
  if (failedStart) {
    await stop()
    throw failedStart.reason
  }
  const hosts = members.map((m) => m.hostPort)
  const [first, ...others] = launched as [Launched, ...Launched[]]
  try {
    // One member elects itself at once; a multi-member initiate waits 10 s (electionTimeoutMillis)
    // and the localhost exception does not allow replSetStepUp. So: one, root, then add the rest.
    const config = { _id: name, members: [{ _id: 0, host: first.server.hostPort, priority: 2 }] }
    await anonymousAdmin(first.server.hostPort, { replSetInitiate: config })
    const hello = (m: MongoServer) => anonymousAdmin(m.hostPort, { hello: 1 })
    await waitFor(
      'primary',
      first.exited,
      async () => (await hello(first.server)).isWritablePrimary
    )
    await anonymousAdmin(first.server.hostPort, {
      ...{ createUser: 'root', pwd: rootPassword, roles: ['root'] }
    })
    const root = new MongoClient(first.server.rootUri, { serverSelectionTimeoutMS: 5000 })
    try {
      // Safe reconfig adds one voting member at a time.
      for (const [i, other] of others.entries()) {
        const current = (await root.db('admin').command({ replSetGetConfig: 1 })).config
        current.members.push({ _id: i + 1, host: other.server.hostPort, priority: 1 })
        current.version += 1
        await root.db('admin').command({ replSetReconfig: current })
      }
    } finally {
      await root.close()
    }
    for (const other of others) {
      await waitFor('secondary', other.exited, async () => (await hello(other.server)).secondary)
    }
    // The primary must see every member as a secondary, and count it as a voter (a member just
    // added is "newlyAdded" until then): before that, a w: majority write can return before a
    // secondary has it, and a probe of that member finds no user.
    await withClient(first.server.rootUri, (c) =>
      waitFor('voting secondaries', first.exited, async () => {
        const admin = c.db('admin')
        const { config } = await admin.command({ replSetGetConfig: 1 })
        const { members } = await admin.command({ replSetGetStatus: 1 })
        return (
          !(config.members as { newlyAdded?: boolean }[]).some((m) => m.newlyAdded) &&
          (members as { stateStr: string }[]).every((m) =>
            ['PRIMARY', 'SECONDARY'].includes(m.stateStr)
          )
        )
      })
    )
  } catch (err) {
    await stop()
    throw err
  }
  for (const l of launched) l.release()
  const uri = (user: string, password: string, authSource: string, extra?: string) =>
    `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${hosts.join(',')}/` +
    `?authSource=${encodeURIComponent(authSource)}&replicaSet=${name}${extra ? `&${extra}` : ''}`
  const rootUri = uri('root', rootPassword, 'admin')
  return { name, primary: first.server, members, uri, rootUri, stop }
}

/** A client for test set-up and assertions, closed when `fn` ends. */
export async function withClient<T>(uri: string, fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 })
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

/** Runs a database tool; the connection string goes in a 0600 --config file, never in argv. */
export async function runTool(
  bin: string,
  uri: string,
  args: string[],
  dir: string
): Promise<string> {
  const config = path.join(dir, `${path.basename(bin)}-config.json`)
  fs.writeFileSync(config, JSON.stringify({ uri }), { mode: 0o600 })
  let stderr = ''
  try {
    const child = spawn(bin, [`--config=${config}`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000
    })
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    if (code !== 0) throw new Error(`${path.basename(bin)} exited ${code}:\n${stderr}`)
    return stderr
  } finally {
    fs.rmSync(config, { force: true })
  }
}
