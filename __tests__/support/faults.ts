// Fault injection for tests: tool processes read from /proc, a server that accepts TCP and never
// answers, a proxy that can go silent, test doubles of the tools, and a dataset large enough
// that a dump or restore is still running when a fault is injected.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import type { MongoServer } from './testbed.ts'

export interface ToolProcess {
  pid: number
  ppid: number
  argv: string
}

/** Running mongodump/mongorestore processes (other test sessions may run their own). */
export function toolProcesses(): ToolProcess[] {
  const found: ToolProcess[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
      if (!/mongo(dump|restore)/.test(argv.split(' ')[0] ?? '')) continue
      // The command name may hold spaces and parentheses: ppid is the 2nd field after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      found.push({ pid: Number(pid), ppid, argv })
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

/** Tool processes a run left behind: any that names the run's RUNNER_TEMP. */
export function leftoverTools(runnerTemp: string): ToolProcess[] {
  return toolProcesses().filter((p) => p.argv.includes(runnerTemp))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Listens on loopback, accepts every connection and never writes a byte. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listen(server)
  return { port, close: () => closeAll(server, sockets) }
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * A TCP proxy to `hostPort`. It can go silent (after silence() it forwards nothing more on any
 * connection, old or new, so clients wait for answers that never come), pace what the server
 * sends (so that a dump is still running when a fault is injected), hold its answers until
 * released (so that a test acts while a run is surely mid-transfer) and cut every connection
 * (what clients see when the server dies: the pacing buffers would otherwise hide it).
 */
export async function faultyProxy(hostPort: string, options: { bytesPerSecond?: number } = {}) {
  const [host, port] = hostPort.split(':') as [string, string]
  const sockets = new Set<Socket>()
  const upstreams = new Set<Socket>()
  let silent = false
  let dead = false
  let held = false
  let forwarded = 0
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  }
  const server = createServer((client) => {
    track(client)
    if (dead) client.destroy()
    if (silent || dead) return
    const upstream = connect(Number(port), host)
    track(upstream)
    upstreams.add(upstream)
    upstream.on('close', () => upstreams.delete(upstream))
    if (held) upstream.pause()
    client.on('data', (d) => silent || upstream.write(d))
    upstream.on('data', (d) => {
      if (silent) return
      forwarded += d.length
      client.write(d)
      const rate = options.bytesPerSecond
      if (rate === undefined) return
      upstream.pause()
      setTimeout(() => held || upstream.resume(), (d.length / rate) * 1000)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const proxyPort = await listen(server)
  return {
    hostPort: `127.0.0.1:${proxyPort}`,
    silence: () => (silent = true),
    /** Bytes of the server's answers passed on so far: how far a dump has got. */
    forwarded: () => forwarded,
    /** Stops passing the server's answers on (nothing is lost): the clients wait. */
    hold: () => {
      held = true
      for (const upstream of upstreams) upstream.pause()
    },
    release: () => {
      held = false
      for (const upstream of upstreams) upstream.resume()
    },
    cut: () => {
      dead = true
      for (const socket of sockets) socket.destroy()
    },
    close: () => closeAll(server, sockets)
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

async function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
}

/** A directory of test doubles, each tool a shell script; remove() deletes it. */
export function fakeTools(scripts: Partial<Record<'mongodump' | 'mongorestore', string>>): {
  dir: string
  remove(): void
} {
  const dir = mkdtempSync(join(tmpdir(), 'guard-fake-tools-'))
  for (const [tool, body] of Object.entries(scripts)) {
    const file = join(dir, tool)
    writeFileSync(file, `#!/bin/sh\n${body}\n`)
    chmodSync(file, 0o755)
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** `count` orders of ~150 bytes each in appdb.orders, inserted in batches. */
export async function seedOrders(server: MongoServer, count: number): Promise<void> {
  const client = new MongoClient(server.rootUri, { maxPoolSize: 2 })
  try {
    const orders = client.db('appdb').collection<{ _id: number }>('orders')
    const note = 'x'.repeat(100)
    for (let start = 0; start < count; start += 20_000) {
      const batch = Array.from({ length: Math.min(20_000, count - start) }, (_, i) => ({
        _id: start + i,
        customer: `c${(start + i) % 50}`,
        note
      }))
      await orders.insertMany(batch, { ordered: false })
    }
  } finally {
    await client.close()
  }
}
