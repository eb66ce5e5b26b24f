// The real mongodump and mongorestore (100.7.0) read their --config through each channel the
// action uses: a FIFO written once the tool has opened it (Linux, macOS), and the 0600 file kept
// for Windows. Streamed and to disk, against a real mongod with auth; the FIFOs are gone after.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { MongoUri, SecretDir, type ToolConfigChannel } from '../../src/secrets.ts'
import {
  dumpToDirectory,
  restoreFromDump,
  streamDumpRestore,
  type ToolContext
} from '../../src/tools/transfer.ts'
import { binaries, pairFor, stopAllServers, tempDirFor } from '../support/testbed.ts'
import { seedOrders } from '../support/faults.ts'
import { count } from '../support/observe.ts'
import { DEFAULT_PLAN } from '../support/plans.ts'

after(stopAllServers)

const plan = { ...DEFAULT_PLAN, databases: ['appdb'], drop: true }

function context(secrets: SecretDir): ToolContext {
  return {
    bins: { mongodump: binaries().mongodump, mongorestore: binaries().mongorestore },
    secrets,
    signal: new AbortController().signal,
    timeoutMs: 120_000,
    redact: (text) => text,
    observer: {
      restoreStarting: () => undefined,
      exited: () => undefined,
      dumpRemoved: () => undefined
    }
  }
}

for (const [channel, name] of [
  ['pipe', 'FIFO'],
  ['file', '0600 file']
] as [ToolConfigChannel, string][]) {
  test(`the real tools read --config through a ${name}, streamed and to disk`, async (t) => {
    const [sourceServer, targetServer] = await pairFor(t)
    await seedOrders(sourceServer, 500)
    const source = new MongoUri(sourceServer.rootUri, 'source-uri')
    const target = new MongoUri(targetServer.rootUri, 'target-uri')
    const temp = tempDirFor(t, 'guard-channel-')
    const secrets = await SecretDir.create(temp, channel)
    t.after(() => secrets.remove())
    const ctx = context(secrets)

    const streamed = await streamDumpRestore(ctx, plan, source, target)
    assert.equal(streamed.counts.restored, 500)
    assert.equal(await count(targetServer, 'appdb.orders'), 500)

    const dump = join(temp, 'dump')
    await dumpToDirectory(ctx, plan, source, ['appdb'], dump)
    const restored = await restoreFromDump(ctx, plan, target, { kind: 'directory', path: dump })
    assert.equal(restored.counts.restored, 500)

    // A FIFO is removed once written; a file stays until the directory is removed.
    const left = readdirSync(secrets.path)
    if (channel === 'pipe') assert.deepEqual(left, [])
    else assert.ok(left.length > 0 && left.every((f) => f.endsWith('.yaml')), left.join(', '))
  })
}
