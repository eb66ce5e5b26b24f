// Every connection failure is named by its cause, for every input and for the probe, against
// real servers: a name that does not resolve (SRV, TXT, host; through a DNS server the test
// controls, in a private mount namespace), refused, timed out, TLS (a private CA, mongod 6.0.5),
// authentication and authorization. Each case asserts the failure kind (or probe-result), the
// input named, a fix that fits, never the advice to add roles when no server answered; runAction
// sweeps every run for secrets.
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  binaries,
  createUser,
  pairFor,
  startServer,
  stopAllServers,
  tempDirFor,
  type MongoServer,
  type ServerTls
} from '../support/testbed.ts'
import { closedPort, seedOrders, silentServer } from '../support/faults.ts'
import { dnsServer, type DnsServer } from '../support/dns-server.ts'
import { explain, nodeRuntimes, runAction, type ActionRun } from '../support/run-action.ts'

after(stopAllServers)

const node = nodeRuntimes()[1]!.bin
const APP = 'cause-app:p@ss/%7'
/** Advice that only fits a server that answered and refused an action. */
const ROLE_ADVICE = /grant|backup role|restore role|grantRolesToUser/i

interface Fixture {
  source: MongoServer
  target: MongoServer
  inputs: Record<string, string>
}

async function fixture(t: TestContext): Promise<Fixture> {
  const [source, target] = await pairFor(t)
  await Promise.all([
    seedOrders(source, 200),
    createUser(target, 'appdb', 'app', APP, ['readWrite'])
  ])
  return {
    source,
    target,
    inputs: {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir,
      'probe-timeout-seconds': '3'
    }
  }
}

interface Failure {
  kind: string
  message: string
}

function failed(run: ActionRun, kind: string): Failure {
  assert.equal(run.exitCode, 1, explain(run))
  const f = run.report?.['failure'] as Failure | undefined
  assert.equal(f?.kind, kind, explain(run))
  assert.equal(run.report?.['targetWritten'], false, 'something was written')
  return f as Failure
}

/** A failure of `input` no server answered: its kind, its name first, the cause and a fitting fix. */
function assertCause(run: ActionRun, kind: string, input: string, cause: RegExp, fix: RegExp) {
  const f = failed(run, kind)
  assert.ok(f.message.startsWith(`${input}: `), f.message)
  assert.match(f.message, cause)
  assert.match(f.message, fix)
  assert.doesNotMatch(f.message, ROLE_ADVICE)
}

/** The app's probe failed before the restore with `status`, naming app-uri and the cause. */
function assertProbe(run: ActionRun, status: string, cause: RegExp, fix: RegExp) {
  const f = failed(run, 'AlreadyRejected')
  assert.equal(run.outputs['probe-result'], status, explain(run))
  assert.match(f.message, cause)
  assert.match(f.message, fix)
  assert.match(f.message, /app-uri/)
  assert.doesNotMatch(f.message, ROLE_ADVICE)
}

describe('names that do not resolve, through a DNS server the test controls', () => {
  let dns: DnsServer
  let port = 0
  before(async () => {
    port = await closedPort()
    dns = await dnsServer({
      // cluster2: its SRV answers, its TXT lookup fails at the resolver.
      'SRV _mongodb._tcp.cluster2.example.test': {
        srv: [{ port, target: 'db1.cluster2.example.test' }]
      },
      'TXT cluster2.example.test': 'SERVFAIL',
      'A db1.cluster2.example.test': { a: ['127.0.0.1'] },
      // adm: the resolver never answers.
      'SRV _mongodb._tcp.adm.example.test': 'silent'
    })
  })
  after(() => dns.close())

  test('source-uri: an SRV name that does not exist (a typo in the cluster name)', async (t) => {
    const fx = await fixture(t)
    const run = await runAction(
      { ...fx.inputs, 'source-uri': 'mongodb+srv://u:Srv-pw-41@clustr1.example.test/' },
      { node: dns.wrapper(node) }
    )
    assertCause(
      run,
      'NameNotResolved',
      'source-uri',
      /no DNS SRV record _mongodb\._tcp\.clustr1\.example\.test \(querySrv ENOTFOUND\), so no server was asked/,
      /Check the cluster name in source-uri/
    )
    assert.ok(dns.asked.includes('SRV _mongodb._tcp.clustr1.example.test'), 'not asked of our DNS')
  })

  test('target-uri: the TXT lookup of an SRV name fails at the resolver', async (t) => {
    const fx = await fixture(t)
    const run = await runAction(
      { ...fx.inputs, 'target-uri': 'mongodb+srv://u:Txt-pw-42@cluster2.example.test/' },
      { node: dns.wrapper(node) }
    )
    assertCause(
      run,
      'NameNotResolved',
      'target-uri',
      /the resolver gave no answer for the DNS TXT record cluster2\.example\.test \(queryTxt ESERVFAIL\)/,
      /The runner's DNS resolver failed \(ESERVFAIL\)/
    )
  })

  test('target-admin-uri: the resolver never answers', async (t) => {
    const fx = await fixture(t)
    const run = await runAction(
      { ...fx.inputs, 'target-admin-uri': 'mongodb+srv://adm:Adm-pw-43@adm.example.test/' },
      { node: dns.wrapper(node) }
    )
    assertCause(
      run,
      'NameNotResolved',
      'target-admin-uri',
      /the resolver gave no answer for the DNS SRV record _mongodb\._tcp\.adm\.example\.test \(querySrv ETIMEOUT\)/,
      /check its resolver/
    )
  })

  test('app-uri: a host name that does not resolve (probe-result name-not-resolved)', async (t) => {
    const fx = await fixture(t)
    const run = await runAction(
      {
        ...fx.inputs,
        'app-uri': `mongodb://app:${encodeURIComponent(APP)}@db9.example.test:${fx.target.port}/appdb`
      },
      { node: dns.wrapper(node) }
    )
    assertProbe(
      run,
      'name-not-resolved',
      /no address for the host name db9\.example\.test \(getaddrinfo ENOTFOUND\)/,
      /Check the host name in app-uri/
    )
  })
})

describe('refused, timed out, authentication and authorization', () => {
  test('target-admin-uri: refused, then a wrong password', async (t) => {
    const fx = await fixture(t)
    const refusedPort = await closedPort()
    const refused = await runAction(
      {
        ...fx.inputs,
        'target-admin-uri': `mongodb://adm:Adm-pw-44@127.0.0.1:${refusedPort}/?authSource=admin`
      },
      { node }
    )
    assertCause(
      refused,
      'Unreachable',
      'target-admin-uri',
      /127\.0\.0\.1:\d+ refused the connection \(ECONNREFUSED\)/,
      /Check the host and port in target-admin-uri/
    )
    const wrong = await runAction(
      { ...fx.inputs, 'target-admin-uri': fx.target.uri('root', 'Wrong-pw-45', 'admin') },
      { node }
    )
    const f = failed(wrong, 'AuthenticationFailed')
    assert.match(f.message, /^target-admin-uri: the target .* rejected the login of root@admin/)
    assert.match(f.message, /Check the user name, password and authSource in target-admin-uri/)
  })

  test('app-uri: refused, and a server that never answers (probe-result refused, timed-out)', async (t) => {
    const fx = await fixture(t)
    const silent = await silentServer()
    t.after(() => silent.close())
    const app = (port: number) => `mongodb://app:${encodeURIComponent(APP)}@127.0.0.1:${port}/appdb`
    const refused = await runAction({ ...fx.inputs, 'app-uri': app(await closedPort()) }, { node })
    assertProbe(refused, 'refused', /refused the connection \(ECONNREFUSED\)/, /in app-uri/)
    const timedOut = await runAction({ ...fx.inputs, 'app-uri': app(silent.port) }, { node })
    assertProbe(
      timedOut,
      'timed-out',
      /no answer from 127\.0\.0\.1:\d+ within probe-timeout-seconds/,
      /raise probe-timeout-seconds/
    )
  })

  test('source-uri: a wrong password (authentication); target-uri: a user without the privileges (authorization)', async (t) => {
    const fx = await fixture(t)
    const wrong = await runAction(
      { ...fx.inputs, 'source-uri': fx.source.uri('root', 'Wrong-pw-46', 'admin') },
      { node }
    )
    const auth = failed(wrong, 'AuthenticationFailed')
    assert.match(auth.message, /^source-uri: the source .* rejected the login of root@admin/)
    // The built-in restore role may not read the target's collections to check they are empty.
    await createUser(fx.target, 'admin', 'restorer', 'Restorer-pw-47', ['restore'])
    const restorer = await runAction(
      { ...fx.inputs, 'target-uri': fx.target.uri('restorer', 'Restorer-pw-47', 'admin') },
      { node }
    )
    const authz = failed(restorer, 'Unauthorized')
    assert.match(authz.message, /^target-uri: the user could not read appdb\.orders/)
  })
})

/** A private CA and a server certificate it signed for 127.0.0.1 only (not for "localhost"). */
function privateCa(dir: string): ServerTls {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const key = ['-newkey', 'rsa:2048', '-nodes', '-days', '2']
  run('req', '-x509', ...key, '-subj', '/CN=guard-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem')
  run('req', ...key, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr')
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n')
  run(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key'],
    ...['-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf']
  )
  const pem = execFileSync('cat', ['server.crt', 'server.key'], { cwd: dir })
  writeFileSync(join(dir, 'server.pem'), pem)
  return { pemFile: join(dir, 'server.pem'), caFile: join(dir, 'ca.pem') }
}

describe('TLS with a private CA (mongod 6.0.5)', () => {
  test('certificate unknown, host name mismatch (target-uri); TLS required by the server (app-uri)', async (t) => {
    const tls = privateCa(tempDirFor(t, 'guard-tls-'))
    const [source, target] = await Promise.all([startServer(), startServer({ tls })])
    t.after(() => Promise.all([source.stop(), target.stop()]))
    await Promise.all([
      seedOrders(source, 200),
      createUser(target, 'appdb', 'app', APP, ['readWrite'])
    ])
    const inputs = {
      'source-uri': source.rootUri,
      'target-uri': target.rootUri,
      'app-uri': target.uri('app', APP, 'appdb'),
      'app-privileges': 'appdb: readWrite',
      'tools-path': binaries().toolsDir,
      'probe-timeout-seconds': '3'
    }
    const withoutCa = target.rootUri.replace(/&tlsCAFile=[^&]*/, '')
    const unknown = await runAction({ ...inputs, 'target-uri': withoutCa }, { node })
    assertCause(
      unknown,
      'TlsFailed',
      'target-uri',
      /TLS: the server's certificate is not one the runner trusts \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      /Name the certificate authority .* in target-uri \(tlsCAFile=/
    )
    const byName = target.rootUri.replace('127.0.0.1', 'localhost')
    const mismatch = await runAction({ ...inputs, 'target-uri': byName }, { node })
    assertCause(
      mismatch,
      'TlsFailed',
      'target-uri',
      /TLS: the server's certificate does not name the host connected to \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
      /Connect by a host name the server's certificate holds .* in target-uri/
    )
    const plain = inputs['app-uri'].replace(/&tls=true&tlsCAFile=[^&]*/, '')
    const required = await runAction({ ...inputs, 'app-uri': plain }, { node })
    assertProbe(
      required,
      'tls-failed',
      /TLS: the server at 127\.0\.0\.1:\d+ requires TLS and closed the plain connection/,
      /Add tls=true to app-uri/
    )
  })
})
