// Why a connection failed before any server answered, read from the error's structure (Node's
// error codes and syscalls, the driver's error classes), never from message text: a name that
// does not resolve (SRV, TXT or host), a refused connection, no answer in time, or TLS. Each
// cause says what it means and what fits as a fix; none of them is a missing role.
import { connect as tlsConnect } from 'node:tls'
import {
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError
} from 'mongodb'
import { GuardError, type FailureKind } from '../errors.js'
import type { MongoUri } from '../secrets.js'

/** The probe-result of a connection no server answered. */
export type NoAnswerStatus =
  'name-not-resolved' | 'refused' | 'timed-out' | 'tls-failed' | 'unreachable'

export const NO_ANSWER: ReadonlySet<string> = new Set<NoAnswerStatus>([
  'name-not-resolved',
  'refused',
  'timed-out',
  'tls-failed',
  'unreachable'
])

export interface NoAnswer {
  status: NoAnswerStatus
  /** What failed, e.g. "no DNS SRV record _mongodb._tcp.cluster0.example.net (querySrv ENOTFOUND)". */
  why: string
  /** What to change, for this cause. */
  fix: string
}

interface Coded {
  code?: unknown
  syscall?: unknown
  hostname?: unknown
  address?: unknown
  port?: unknown
}

const DNS_SYSCALLS: Record<string, string> = {
  querySrv: 'DNS SRV record',
  queryTxt: 'DNS TXT record',
  getaddrinfo: 'address for the host name'
}
/** DNS answers that say the name or record does not exist, as opposed to a failing resolver. */
const DNS_MISSING = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN'])
/** Node's codes for a server certificate the runner does not trust (OpenSSL's verify results). */
const CERT_UNKNOWN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID'
])

/** The error and everything it wraps: causes, and each server's last error in a selection failure. */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 6) return
  yield error
  if (typeof error !== 'object') return
  yield* chain((error as { cause?: unknown }).cause, depth + 1)
  if (error instanceof MongoServerSelectionError) {
    for (const server of error.reason?.servers?.values() ?? [])
      yield* chain(server.error, depth + 1)
  }
}

/**
 * The cause of a failure to reach any server, or undefined when a server answered (its own
 * error code says what happened) or the error is of no known kind.
 */
export function noAnswer(
  error: unknown,
  uri: Pick<MongoUri, 'input' | 'hosts'> = { input: 'the connection string', hosts: [] }
): NoAnswer | undefined {
  const errors = [...chain(error)]
  // A server's own error anywhere in it: a server answered, and its code says what happened.
  if (errors.some((e) => e instanceof MongoServerError)) return undefined
  const hosts = uri.hosts.join(',') || 'the server'
  for (const e of errors) {
    const { code, syscall, hostname } = e as Coded
    if (typeof code !== 'string') continue
    const record = typeof syscall === 'string' ? DNS_SYSCALLS[syscall] : undefined
    if (record !== undefined) {
      const name = typeof hostname === 'string' ? hostname : hosts
      const missing = DNS_MISSING.has(code)
      return {
        status: 'name-not-resolved',
        why: `${missing ? 'no' : 'the resolver gave no answer for the'} ${record} ${name} (${syscall} ${code}), so no server was asked`,
        fix: missing
          ? `Check the ${syscall === 'getaddrinfo' ? 'host name' : 'cluster name'} in ${uri.input} (a typo in it is the usual cause), and that the runner's DNS serves that name (a private zone needs a resolver that knows it)`
          : `The runner's DNS resolver failed (${code}): check its resolver (/etc/resolv.conf) and retry; a mongodb+srv:// string needs SRV and TXT lookups, a mongodb:// string with the hosts themselves needs none`
      }
    }
    if (code === 'ECONNREFUSED') {
      return {
        status: 'refused',
        why: `${describeAddress(e as Coded, hosts)} refused the connection (ECONNREFUSED): nothing listens there`,
        fix: `Check the host and port in ${uri.input}, that mongod runs, and that it listens on an address the runner reaches (net.bindIp)`
      }
    }
    const tls = tlsCause(code, uri)
    if (tls) return tls
    if (code === 'ETIMEDOUT') return timedOut(uri, hosts)
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return {
        status: 'unreachable',
        why: `no route to ${hosts} (${code})`,
        fix: `Check that the runner's network reaches ${hosts} (VPN, peering, firewall)`
      }
    }
  }
  if (errors.some((e) => e instanceof MongoNetworkTimeoutError)) return timedOut(uri, hosts)
  const selection = errors.find((e) => e instanceof MongoServerSelectionError)
  if (selection && !errors.some((e) => e instanceof MongoNetworkError)) return timedOut(uri, hosts)
  if (errors.some((e) => e instanceof MongoNetworkError)) {
    return {
      status: 'unreachable',
      why: `the connection to ${hosts} was closed before the server answered`,
      fix: `Check the host, port and TLS options in ${uri.input} and the network path to it`
    }
  }
  return undefined
}

function describeAddress(e: Coded, hosts: string): string {
  const address =
    typeof e.address === 'string' && typeof e.port === 'number' ? `${e.address}:${e.port}` : ''
  return address === '' || address === hosts ? hosts : `${address} (${hosts})`
}

function timedOut(uri: Pick<MongoUri, 'input'>, hosts: string): NoAnswer {
  return {
    status: 'timed-out',
    why: `no answer from ${hosts} within probe-timeout-seconds`,
    fix: `Check that the runner may reach ${hosts} (firewall, the server's IP access list) and that the port in ${uri.input} is the server's; raise probe-timeout-seconds for a slow network`
  }
}

function tlsCause(code: string, uri: Pick<MongoUri, 'input'>): NoAnswer | undefined {
  if (CERT_UNKNOWN.has(code)) {
    return {
      status: 'tls-failed',
      why: `TLS: the server's certificate is not one the runner trusts (${code})`,
      fix: `Name the certificate authority that signed the server's certificate in ${uri.input} (tlsCAFile=/path/to/ca.pem); never tlsAllowInvalidCertificates for real data`
    }
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      status: 'tls-failed',
      why: `TLS: the server's certificate does not name the host connected to (${code})`,
      fix: `Connect by a host name the server's certificate holds (its subjectAltName) in ${uri.input}, or have the certificate reissued for this name`
    }
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    return {
      status: 'tls-failed',
      why: `TLS: the server does not speak TLS on this port (${code})`,
      fix: `Remove tls=true (or ssl=true) from ${uri.input}, or enable TLS on the server`
    }
  }
  if (/^ERR_SSL_.*(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE)$/.test(code)) {
    return {
      status: 'tls-failed',
      why: `TLS: the server refused the handshake, it requires a client certificate (${code})`,
      fix: `Give ${uri.input} a client certificate the server accepts (tlsCertificateKeyFile=/path/to/client.pem)`
    }
  }
  return undefined
}

/**
 * A connection closed before any answer, from a string without TLS: a server that requires TLS
 * closes plain connections so. Asked directly: does the first host complete a TLS handshake?
 */
export async function tlsRequired(
  uri: MongoUri,
  cause: NoAnswer,
  timeoutMs: number
): Promise<NoAnswer> {
  if (cause.status !== 'unreachable' || uri.isSrv || uri.usesTls) return cause
  const [host, port] = splitHost(uri.hosts[0] ?? '')
  const speaksTls = await new Promise<boolean>((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false })
    const done = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
  })
  if (!speaksTls) return cause
  return {
    status: 'tls-failed',
    why: `TLS: the server at ${uri.hosts[0]} requires TLS and closed the plain connection`,
    fix: `Add tls=true to ${uri.input} (and tlsCAFile=/path/to/ca.pem when a private CA signed the server's certificate)`
  }
}

function splitHost(hostPort: string): [string, number] {
  const at = hostPort.lastIndexOf(':')
  return [hostPort.slice(0, at).replace(/^\[|\]$/g, ''), Number(hostPort.slice(at + 1))]
}

const KIND: Record<NoAnswerStatus, FailureKind> = {
  'name-not-resolved': 'NameNotResolved',
  'tls-failed': 'TlsFailed',
  refused: 'Unreachable',
  'timed-out': 'Unreachable',
  unreachable: 'Unreachable'
}

/** The failure of an input no server answered: its name, the cause, and the fix for that cause. */
export function unanswered(
  uri: MongoUri,
  who: string,
  cause: NoAnswer,
  consequence: string
): GuardError {
  const title: Record<NoAnswerStatus, string> = {
    'name-not-resolved': `the name of ${who} does not resolve`,
    refused: `${who} refused the connection`,
    'timed-out': `${who} did not answer in time`,
    'tls-failed': `TLS with ${who} failed`,
    unreachable: `${who} cannot be reached`
  }
  return new GuardError(
    KIND[cause.status],
    `${uri.input}: ${title[cause.status]}`,
    `${uri.input}: ${cause.why}. ${consequence} ${cause.fix}.`
  )
}
