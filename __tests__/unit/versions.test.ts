// Version compatibility before anything is written: the pure rules (real servers and the bundle
// are in e2e/versions.test.ts).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkCompatibility, type Versions } from '../../src/server/compatibility.ts'

const server = (version: string, fcv?: string, rawData?: boolean) => ({ version, fcv, rawData })

function verdict(v: Versions, allowOlderTarget = false) {
  const { refusal, warnings } = checkCompatibility(v, allowOlderTarget)
  return { kind: refusal?.kind, message: refusal?.message ?? '', warnings }
}

describe('the compatibility rules', () => {
  test('same versions pass', () => {
    const v = verdict({
      tools: '100.7.0',
      source: server('6.0.5', '6.0'),
      target: server('6.0.5', '6.0')
    })
    assert.deepEqual(v, { kind: undefined, message: '', warnings: [] })
  })

  test('tools older than 100.12 against 8.1 or newer, on either side', () => {
    for (const [source, target] of [
      ['8.1.0', '8.1.0'],
      ['7.0.15', '8.2.1'],
      ['8.1.0-rc0', '8.1.0']
    ] as const) {
      const v = verdict({ tools: '100.11.0', source: server(source), target: server(target) })
      assert.equal(v.kind, 'IncompatibleVersions', `${source} → ${target}`)
      assert.match(
        v.message,
        /predate 100\.12\.0: they read the auth schema document from admin\.system\.version, which MongoDB 8\.1 removed.*Set tools-version to 100\.12\.0 or newer.*Nothing was dumped or written\.$/
      )
    }
    assert.equal(
      verdict({ tools: '100.12.0', source: server('8.1.0'), target: server('8.1.0') }).kind,
      undefined
    )
    assert.equal(
      verdict({ tools: '100.11.0', source: server('8.0.4'), target: server('8.0.4') }).kind,
      undefined
    )
  })

  test('a source of 8.3+ and a dump user without performRawDataOperations', () => {
    const lacking = verdict({
      tools: '100.19.1',
      source: server('8.3.0', '8.3', false),
      target: undefined
    })
    assert.equal(lacking.kind, 'IncompatibleVersions')
    assert.match(
      lacking.message,
      /^source-uri: the source runs MongoDB 8\.3\.0, where mongodump needs the performRawDataOperations privilege.*backup role/
    )
    assert.equal(
      verdict({ tools: '100.19.1', source: server('8.3.0', '8.3', true), target: undefined }).kind,
      undefined
    )
    // Not known (no credentials, or not asked): not refused.
    assert.equal(
      verdict({ tools: '100.19.1', source: server('8.3.0', '8.3'), target: undefined }).kind,
      undefined
    )
  })

  test('a target of an older release, or an older FCV, is refused unless allowed', () => {
    const older = {
      tools: '100.19.1',
      source: server('8.0.4', '8.0'),
      target: server('7.0.15', '7.0')
    }
    const refused = verdict(older)
    assert.equal(refused.kind, 'IncompatibleVersions')
    assert.match(
      refused.message,
      /runs MongoDB 7\.0\.15, older than the source's MongoDB 8\.0\.4\. .*"cross-version dump & restore is unsupported".*set allow-older-target: true/
    )
    const allowed = verdict(older, true)
    assert.equal(allowed.kind, undefined)
    assert.match(
      allowed.warnings[0] ?? '',
      /older than the source's MongoDB 8\.0\.4.*allow-older-target is true/
    )
    const fcv = verdict({
      tools: '100.19.1',
      source: server('7.0.15', '7.0'),
      target: server('8.0.4', '6.0')
    })
    assert.match(
      fcv.message,
      /runs feature compatibility version 6\.0, older than the source's feature compatibility version 7\.0/
    )
    // A patch release of the same series, or a newer target, is fine.
    assert.equal(
      verdict({ tools: '100.19.1', source: server('7.0.15'), target: server('7.0.12') }).kind,
      undefined
    )
    assert.equal(
      verdict({ tools: '100.19.1', source: server('6.0.5'), target: server('8.0.4') }).kind,
      undefined
    )
    // Unknown versions refuse nothing (the pre-flight check reports unreachable servers).
    assert.equal(
      verdict({
        tools: undefined,
        source: server('8.2.0'),
        target: { version: undefined, fcv: undefined }
      }).kind,
      undefined
    )
  })
})
