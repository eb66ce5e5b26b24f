// A resolver the test controls: a tiny DNS server on a loopback address of its own (port 53)
// that answers SRV, TXT and A from a table, or NXDOMAIN, SERVFAIL or nothing at all; and a way
// to run a process that resolves through it alone, in a private mount namespace whose
// /etc/resolv.conf names it (the network stays shared: the test's servers on 127.0.0.1 stay
// reachable). Nothing leaves loopback, and the namespace ends with the process.
import { spawn } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomInt } from 'node:crypto'

export type Answer =
  | { srv: { port: number; target: string }[] }
  | { txt: string[] }
  | { a: string[] }
  | 'NXDOMAIN'
  | 'SERVFAIL'
  | 'silent'

/** `"SRV _mongodb._tcp.cluster0.example.test"` → its answer; any other question gets NXDOMAIN. */
export type Zone = Record<string, Answer>

const TYPES: Record<number, string> = { 1: 'A', 16: 'TXT', 28: 'AAAA', 33: 'SRV' }
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }

export interface DnsServer {
  address: string
  /** The questions asked, as `TYPE name`. */
  asked: string[]
  /** A script that runs `bin` with its arguments, with this server as the only resolver. */
  wrapper(bin: string): string
  close(): Promise<void>
}

/**
 * Port 53 and a mount namespace need root: as root all runs here; otherwise the server runs as
 * a child under `sudo -n` (the test bed already needs root or sudo for apt), and the wrapper
 * mounts as root, then drops back to this user before it runs the process.
 */
const isRoot = process.getuid?.() === 0

export async function dnsServer(zone: Zone): Promise<DnsServer> {
  const asked: string[] = []
  const served = isRoot
    ? await serve(zone, (key) => asked.push(key))
    : await serveAsRoot(zone, asked)
  const dir = mkdtempSync(join(tmpdir(), 'guard-dns-'))
  const resolv = join(dir, 'resolv.conf')
  writeFileSync(resolv, `nameserver ${served.address}\noptions timeout:1 attempts:1\n`)
  const asUser = isRoot
    ? ''
    : `setpriv --reuid=${process.getuid?.()} --regid=${process.getgid?.()} --init-groups `
  let scripts = 0
  const wrapper = (bin: string) => {
    const script = join(dir, `with-resolver-${scripts++}`)
    writeFileSync(
      script,
      `#!/bin/bash\nexec ${isRoot ? '' : 'sudo -n -E '}unshare --mount bash -c 'mount --bind "$0" /etc/resolv.conf && exec ${asUser}"$@"' ${resolv} ${bin} "$@"\n`
    )
    chmodSync(script, 0o755)
    return script
  }
  return {
    address: served.address,
    asked,
    wrapper,
    close: async () => {
      await served.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

interface Served {
  address: string
  close(): Promise<void>
}

async function serve(zone: Zone, onAsked: (key: string) => void): Promise<Served> {
  const socket = createSocket('udp4')
  socket.on('message', (query, from) => {
    const question = parseQuestion(query)
    if (!question) return
    const key = `${TYPES[question.type] ?? question.type} ${question.name.toLowerCase()}`
    onAsked(key)
    const answer = zone[key] ?? (hasName(zone, question.name) ? 'NODATA' : 'NXDOMAIN')
    if (answer === 'silent') return
    socket.send(reply(query, question, answer), from.port, from.address)
  })
  const address = await bind(socket)
  return { address, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) }
}

/** This file run as root (`--serve ZONE`): "address A" once bound, then "asked KEY" per question. */
async function serveAsRoot(zone: Zone, asked: string[]): Promise<Served> {
  const child = spawn(
    'sudo',
    [
      '-n',
      process.execPath,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--serve',
      JSON.stringify(zone)
    ],
    {
      cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit']
    }
  )
  const lines = createInterface({ input: child.stdout })
  const address = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the DNS server under sudo exited (${code})`)))
    lines.on('line', (line) => {
      const [what, value = ''] = line.split(' ')
      if (what === 'address') resolve(value)
      else if (what === 'asked') asked.push(line.slice('asked '.length))
    })
  })
  return {
    address,
    close: async () => {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await gone
    }
  }
}

if (process.argv[2] === '--serve' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const served = await serve(JSON.parse(process.argv[3] ?? '{}') as Zone, (key) =>
    process.stdout.write(`asked ${key}\n`)
  )
  process.stdout.write(`address ${served.address}\n`)
  process.once('SIGTERM', () => void served.close())
}

/** A loopback address of its own (127.x.y.z), so no other resolver on port 53 is in the way. */
async function bind(socket: Socket): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const address = `127.53.${randomInt(1, 255)}.${randomInt(1, 255)}`
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(53, address, () => {
          socket.off('error', reject)
          resolve()
        })
      })
      return address
    } catch (error) {
      if (attempt >= 5) throw error
    }
  }
}

function hasName(zone: Zone, name: string): boolean {
  return Object.keys(zone).some((key) => key.endsWith(` ${name.toLowerCase()}`))
}

interface Question {
  name: string
  type: number
  /** Where the question ends in the query. */
  end: number
}

function parseQuestion(query: Buffer): Question | undefined {
  if (query.length < 12 || query.readUInt16BE(4) < 1) return undefined
  const labels: string[] = []
  let at = 12
  while (at < query.length && query[at] !== 0) {
    const length = query[at] as number
    labels.push(query.subarray(at + 1, at + 1 + length).toString('ascii'))
    at += 1 + length
  }
  at += 1
  if (at + 4 > query.length) return undefined
  return { name: labels.join('.'), type: query.readUInt16BE(at), end: at + 4 }
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p !== '')
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])),
    Buffer.from([0])
  ])
}

function reply(query: Buffer, question: Question, answer: Answer | 'NODATA'): Buffer {
  const records: Buffer[] = []
  let rcode = RCODE.NOERROR
  if (answer === 'NXDOMAIN' || answer === 'SERVFAIL') rcode = RCODE[answer]
  else if (answer !== 'NODATA' && answer !== 'silent') {
    const rdatas =
      'srv' in answer
        ? answer.srv.map((s) => {
            const fixed = Buffer.alloc(6)
            fixed.writeUInt16BE(0, 0)
            fixed.writeUInt16BE(0, 2)
            fixed.writeUInt16BE(s.port, 4)
            return Buffer.concat([fixed, encodeName(s.target)])
          })
        : 'txt' in answer
          ? answer.txt.map((t) => Buffer.concat([Buffer.from([t.length]), Buffer.from(t)]))
          : answer.a.map((ip) => Buffer.from(ip.split('.').map(Number)))
    for (const rdata of rdatas) {
      const head = Buffer.alloc(12)
      head.writeUInt16BE(0xc00c, 0) // the name: a pointer to the question's
      head.writeUInt16BE(question.type, 2)
      head.writeUInt16BE(1, 4) // class IN
      head.writeUInt32BE(60, 6) // TTL
      head.writeUInt16BE(rdata.length, 10)
      records.push(head, rdata)
    }
  }
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2) // id
  header.writeUInt16BE(0x8180 | rcode, 2) // a response, recursion desired and available
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(records.length / 2, 6)
  return Buffer.concat([header, query.subarray(12, question.end), ...records])
}
