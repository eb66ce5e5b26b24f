// The one module that holds raw connection strings. It parses and validates them, masks every
// form of each password, redacts text for logs, opens driver clients and hands the tools their
// `--config` (never argv, which `ps` shows): through a FIFO written once, so that no password is
// ever in a file a killed run could leave behind, or on Windows, which has no FIFO the tools can
// open by path, through a 0600 file.
import { debug, maskSecret } from './interface.js'
import { ConnectionString } from 'mongodb-connection-string-url'
import { MongoClient, type MongoClientOptions } from 'mongodb'
import { writeSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { invalidInput, type GuardError } from './errors.js'

const DEFAULT_PORT = 27017

/** How MongoUri.use opens its client. */
export interface UseOptions {
  /** Without the credentials: for commands that need none (hello). */
  anonymous?: boolean
  /** Connections for questions asked at once; one for a single question. */
  poolSize?: number
}

/** A validated connection string. Only this module can read the credentials it holds. */
export class MongoUri {
  readonly #raw: string
  readonly #secrets: string[]
  /** The input it came from, for messages. */
  readonly input: string
  /** The connection string with credentials removed: safe for logs, outputs and reports. */
  readonly redacted: string
  /** The user name (decoded), if the string has credentials. */
  readonly username: string | undefined
  /** The database the user authenticates against: authSource, else the path, else admin. */
  readonly authSource: string
  /** The database named in the path, if any. */
  readonly pathDatabase: string | undefined
  /** Normalised `host:port` list (lower case, default port filled in). */
  readonly hosts: string[]
  readonly isSrv: boolean
  /** TLS on (tls or ssl=true, or mongodb+srv, which implies it). */
  readonly usesTls: boolean
  /** authMechanism forced by the string, if any. */
  readonly mechanism: string | undefined

  constructor(raw: string, input: string) {
    this.#raw = raw.trim()
    this.input = input
    let cs: ConnectionString
    try {
      cs = new ConnectionString(this.#raw)
    } catch (error) {
      throw malformed(input, this.#raw, error)
    }
    const encodedPassword = cs.password
    const password = encodedPassword ? decodeURIComponent(encodedPassword) : ''
    this.#secrets = [
      ...new Set([
        ...rawSecrets(this.#raw),
        encodedPassword,
        password,
        encodeURIComponent(password)
      ])
    ]
      .filter((s) => s.length > 0)
      .sort((a, b) => b.length - a.length)
    this.username = cs.username ? decodeURIComponent(cs.username) : undefined
    this.isSrv = cs.isSRV
    this.hosts = cs.hosts.map((h) => normaliseHost(h, cs.isSRV, input))
    const path = decodeURIComponent(cs.pathname.replace(/^\//, ''))
    this.pathDatabase = path === '' ? undefined : path
    const params = cs.typedSearchParams<Record<string, string>>()
    this.authSource = params.get('authSource') ?? this.pathDatabase ?? 'admin'
    this.mechanism = params.get('authMechanism') ?? undefined
    this.usesTls = cs.isSRV || params.get('tls') === 'true' || params.get('ssl') === 'true'
    this.redacted = cs.redact({ replacementString: '***' }).toString()
    try {
      // The driver's own option parsing (no connection yet): a bad option fails here, not later.
      new MongoClient(this.#raw)
    } catch (error) {
      throw malformed(input, this.#raw, error, 'Correct or remove that option in the query string')
    }
  }

  /** Same deployment: any host in common. */
  sharesHostWith(other: MongoUri): boolean {
    return this.hosts.some((h) => other.hosts.includes(h))
  }

  toString(): string {
    return this.redacted
  }

  toJSON(): string {
    return this.redacted
  }

  /** Registers every form of the password and the whole string with the runner's log masking. */
  mask(): void {
    for (const secret of this.#secrets) maskSecret(secret)
  }

  /** Replaces any of this string's secrets in `text`. */
  scrub(text: string): string {
    return scrub(text, this.#secrets)
  }

  /**
   * A new client made exactly as the application makes one: the string as written (its
   * authSource, mechanism and TLS options), plus the given options.
   */
  client(options: MongoClientOptions): MongoClient {
    return new MongoClient(this.#raw, options)
  }

  /**
   * Opens a new client, runs `fn` with it and closes it: every connection this action makes is
   * used for one purpose and closed.
   */
  async use<T>(
    purpose: string,
    timeoutMs: number,
    fn: (client: MongoClient) => Promise<T>,
    { anonymous = false, poolSize = 1 }: UseOptions = {}
  ): Promise<T> {
    const options: MongoClientOptions = {
      appName: `mongo-restore-guard-${purpose}`,
      maxPoolSize: poolSize,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs
    }
    const client = anonymous ? this.anonymousClient(options) : this.client(options)
    try {
      return await fn(client)
    } finally {
      await tryClose(client, purpose)
    }
  }

  /** A client with no credentials, for commands that need none (hello). */
  anonymousClient(options: MongoClientOptions): MongoClient {
    const cs = new ConnectionString(this.#raw)
    cs.username = ''
    cs.password = ''
    const params = cs.typedSearchParams<Record<string, string>>()
    for (const key of ['authSource', 'authMechanism', 'authMechanismProperties']) {
      params.delete(key)
    }
    return new MongoClient(cs.toString(), options)
  }

  /**
   * The string the tools get: a path database would silently become `--db` for mongodump and
   * mongorestore, so it is removed and kept as the authSource it means to the driver.
   */
  forTools(): string {
    const cs = new ConnectionString(this.#raw)
    const params = cs.typedSearchParams<Record<string, string>>()
    if (this.pathDatabase !== undefined && !params.has('authSource')) {
      params.set('authSource', this.pathDatabase)
    }
    cs.pathname = '/'
    return cs.toString()
  }

  /**
   * This string aimed at one member of its replica set (directConnection, no replicaSet), with
   * the same credentials and options: a probe through it sees what that member would answer.
   */
  forMember(hostPort: string): MongoUri {
    const cs = new ConnectionString(this.#raw)
    const params = cs.typedSearchParams<Record<string, string>>()
    params.delete('replicaSet')
    params.set('directConnection', 'true')
    if (cs.isSRV) {
      // mongodb+srv implies TLS and may carry authSource in DNS: keep both explicit per member.
      if (!params.has('tls') && !params.has('ssl')) params.set('tls', 'true')
      if (this.username !== undefined && !params.has('authSource')) {
        params.set('authSource', this.authSource)
      }
    }
    cs.hosts = [hostPort]
    const member = cs.toString().replace(/^mongodb\+srv:/, 'mongodb:')
    return new MongoUri(member, `${this.input} (member ${hostPort})`)
  }

  /**
   * Gives this string's user its password on the server of `admin` (a client of a user
   * administrator): `updateUser` changes the password and nothing else, `createUser` creates
   * the user with `roles`. The password never leaves this module, not even in an error.
   */
  async setPassword(
    admin: MongoClient,
    action: 'updateUser' | 'createUser',
    roles: readonly RoleRef[] = []
  ): Promise<void> {
    const encoded = new ConnectionString(this.#raw).password
    if (this.username === undefined || !encoded) {
      throw new Error(`${this.input} has no user name and password to set`)
    }
    const pwd = decodeURIComponent(encoded)
    const command =
      action === 'updateUser'
        ? { updateUser: this.username, pwd }
        : { createUser: this.username, pwd, roles: roles.map((r) => ({ ...r })) }
    try {
      await admin.db(this.authSource).command(command)
    } catch (error) {
      if (error instanceof Error) error.message = this.scrub(error.message)
      throw error
    }
  }
}

/** A user's role as the server records it. */
export interface RoleRef {
  role: string
  db: string
}

/**
 * What may be a credential in a string that might not even parse: the whole string, the part
 * before the last "@" of the authority, and the part of it after the first ":" (the password as
 * written), decoded too.
 */
function rawSecrets(raw: string): string[] {
  const userinfo = /^[^:/]*:\/\/([^/?#]*)@/.exec(raw)?.[1] ?? ''
  const written = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : ''
  let decoded = ''
  try {
    decoded = decodeURIComponent(written)
  } catch {
    // malformed percent-encoding: the string as written is what must be hidden
  }
  return [raw, userinfo, written, decoded].filter((s) => s.length > 0)
}

/** Registers what may be a credential in a raw input with the runner's log masking. */
export function maskRaw(raw: string): void {
  for (const secret of rawSecrets(raw.trim())) maskSecret(secret)
}

function malformed(input: string, raw: string, error: unknown, optionFix?: string): GuardError {
  const reason = scrub(error instanceof Error ? error.message : String(error), rawSecrets(raw))
  const authority = /^[^:/]*:\/\/([^/?#]*)/.exec(raw)?.[1] ?? ''
  const fix =
    optionFix ??
    ((authority.match(/@/g) ?? []).length > 1
      ? 'An "@" in the user name or password must be written %40 (percent-encode special characters: ":" %3A, "/" %2F, "%" %25)'
      : 'Use mongodb://user:password@host:port/?authSource=db or mongodb+srv://user:password@cluster/, with special characters in the user name and password percent-encoded')
  return invalidInput(input, `not a valid MongoDB connection string (${reason})`, fix)
}

/** Removes every secret from `text`, longest first so a password inside a URI cannot leak. */
function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets) out = out.split(secret).join('***')
  return out
}

function normaliseHost(host: string, isSrv: boolean, input: string): string {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(.*))?$/.exec(host)
  if (!match || match[1] === undefined || match[1] === '') {
    throw invalidInput(
      input,
      `host "${host}" is not a host name`,
      'Write host:port, e.g. db1.example.com:27017'
    )
  }
  if (isSrv) return match[1].toLowerCase()
  const portText = match[2] ?? String(DEFAULT_PORT)
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw invalidInput(input, `host "${host}" has an invalid port`, 'Use a port from 1 to 65535')
  }
  return `${match[1].toLowerCase()}:${port}`
}

/** Closing a client that is no longer needed may fail harmlessly (the server went away). */
export async function tryClose(client: MongoClient, purpose: string): Promise<void> {
  await client.close().catch((error: unknown) => debug(`closing the ${purpose} client: ${error}`))
}

/** A URL fit for messages and the report (e.g. tools-mirror): any user name or password removed. */
export function shownUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^/@]*@/, '$1')
}

/** Scrubs `text` of the secrets of every given connection string. */
export function redact(text: string, uris: readonly MongoUri[]): string {
  return uris.reduce((out, uri) => uri.scrub(out), text)
}

/** How the tools receive connection strings: a FIFO, or where there is none (Windows) a file. */
export type ToolConfigChannel = 'pipe' | 'file'

export const TOOL_CONFIG_CHANNEL: ToolConfigChannel = process.platform === 'win32' ? 'file' : 'pipe'

/**
 * One tool's `--config` on its way through a FIFO: the runner makes the FIFO at `path`, starts
 * the tool, and once the tool has opened it for reading calls `writeTo` with the write end.
 * mongo-tools reads `--config` with ioutil.ReadFile (common/options/options.go), which reads a
 * FIFO to its end like a file. The content never touches a disk.
 */
export interface ConfigPipe {
  readonly path: string
  writeTo(fd: number): void
}

/** A private directory (0700) for the tools' configs; `remove()` deletes it and everything in it. */
export class SecretDir {
  /** Each config file is written once and shared by the tools that run at the same time. */
  readonly #written = new Map<string, Promise<string>>()
  /** Each FIFO serves one tool once: a path per call. */
  readonly #pipes = new Map<string, ConfigPipe>()

  private constructor(
    readonly path: string,
    readonly channel: ToolConfigChannel
  ) {}

  static async create(
    parent: string,
    channel: ToolConfigChannel = TOOL_CONFIG_CHANNEL
  ): Promise<SecretDir> {
    return new SecretDir(await mkdtemp(join(parent, 'mongo-restore-guard-')), channel)
  }

  /**
   * The path the tool reads with `--config`: a FIFO (see `pipe()`), or a 0600 file (JSON is
   * valid YAML) written now.
   */
  toolConfig(name: string, uri: MongoUri): Promise<string> {
    if (this.channel === 'pipe') {
      const path = join(this.path, `${name}-${this.#pipes.size}.fifo`)
      this.#pipes.set(path, { path, writeTo: (fd) => writeAll(fd, configText(uri)) })
      return Promise.resolve(path)
    }
    const key = `${name} ${uri.redacted}`
    let written = this.#written.get(key)
    if (written === undefined) {
      const file = join(this.path, `${name}-${this.#written.size}.yaml`)
      written = writeFile(file, configText(uri), { mode: 0o600 }).then(() => file)
      this.#written.set(key, written)
    }
    return written
  }

  /** The FIFO behind a path `toolConfig` returned; undefined for a file. */
  pipe(path: string): ConfigPipe | undefined {
    return this.#pipes.get(path)
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true })
  }
}

function configText(uri: MongoUri): string {
  return JSON.stringify({ uri: uri.forTools() }) + '\n'
}

/** A FIFO's write end may take a write in parts. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text)
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done)
}
