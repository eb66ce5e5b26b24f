// The end-to-end workflow cannot run here (no GitHub runner, no service containers), so its own
// steps run against real local servers instead: the set-up script, the guarded migration through
// dist/index.js, the hand-made incident restore (its `run:` script, with a tool cache laid out
// as a runner's), the probe, and each assertion step, all read from .github/workflows/e2e.yml.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { binaries, startServer, stopAllServers } from '../support/testbed.ts'
import { repoRoot, runAction } from '../support/run-action.ts'

after(stopAllServers)

interface Step {
  name?: string
  id?: string
  uses?: string
  run?: string
  with?: Record<string, string>
  env?: Record<string, string>
}

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/e2e.yml'), 'utf8'))
const steps: Step[] = workflow.jobs.e2e.steps

function step(namePrefix: string): Step {
  const found = steps.find((s) => s.name?.startsWith(namePrefix))
  assert.ok(found, `e2e.yml has no step named "${namePrefix}…"`)
  return found
}

/** A `run:` step as GitHub runs it with `shell: bash`; the workflow's env plus `env`. */
function runStep(s: Step, env: Record<string, string>) {
  assert.ok(s.run, `${s.name} has no run: script`)
  const shell = s.run.startsWith('node ') ? [] : ['--noprofile', '--norc', '-eo', 'pipefail']
  const result = spawnSync('bash', [...shell, '-c', s.run], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8'
  })
  return { code: result.status, out: result.stdout + result.stderr }
}

/** A runner's tool cache holding the tools in the official archive's layout. */
function toolCache(): string {
  const cache = mkdtempSync(join(tmpdir(), 'guard-toolcache-'))
  const folder = `mongodb-database-tools-ubuntu2204-x86_64-${binaries().toolsVersion}`
  const bin = join(cache, 'mongodb-database-tools', binaries().toolsVersion, 'x64', folder, 'bin')
  mkdirSync(bin, { recursive: true })
  for (const tool of ['mongodump', 'mongorestore']) {
    copyFileSync(join(binaries().toolsDir, tool), join(bin, tool))
    chmodSync(join(bin, tool), 0o755)
  }
  return cache
}

test("e2e.yml's steps: the guarded migration passes, the incident by hand breaks the app, the probe catches it", async (t) => {
  const [source, target] = await Promise.all([startServer(), startServer()])
  const cache = toolCache()
  t.after(() => rmSync(cache, { recursive: true, force: true }))
  t.after(() => Promise.all([source.stop(), target.stop()]))
  // The workflow's job env, with these servers in place of the service containers.
  const jobEnv: Record<string, string> = workflow.jobs.e2e.env
  const env = {
    ...jobEnv,
    SOURCE_URI: source.rootUri,
    TARGET_URI: target.rootUri,
    APP_URI: target.uri('app', 'app-on-target', 'appdb')
  }

  const seeded = runStep(step('Wait for both servers'), env)
  assert.equal(seeded.code, 0, seeded.out)

  // `uses: ./` with the step's own inputs; tools-path stands in for the download here.
  const migrateStep = step('Guarded migration')
  assert.equal(migrateStep.uses, './')
  const migrate = await runAction({
    'source-uri': env.SOURCE_URI,
    'target-uri': env.TARGET_URI,
    'app-uri': env.APP_URI,
    'app-privileges': migrateStep.with?.['app-privileges'] ?? '',
    'tools-path': binaries().toolsDir
  })
  const passed = runStep(step('The migration passed'), {
    STATUS: migrate.outputs['status'] ?? '',
    PROBE: migrate.outputs['probe-result'] ?? '',
    RESTORED: migrate.outputs['restored-documents'] ?? ''
  })
  assert.equal(passed.code, 0, `${passed.out}\n${migrate.stdout}`)

  const incident = runStep(step('The incident'), { ...env, RUNNER_TOOL_CACHE: cache })
  assert.equal(incident.code, 0, incident.out)
  assert.match(incident.out, /1000 document\(s\) restored successfully/)

  const probeStep = step('Probe after the incident')
  assert.equal(probeStep.uses, './')
  assert.equal(probeStep.with?.['mode'], 'probe')
  const probe = await runAction({
    mode: 'probe',
    'app-uri': env.APP_URI,
    'app-privileges': probeStep.with?.['app-privileges'] ?? ''
  })
  const caught = {
    OUTCOME: probe.exitCode === 0 ? 'success' : 'failure',
    PROBE: probe.outputs['probe-result'] ?? ''
  }
  assert.equal(runStep(step('The probe caught'), caught).code, 0, JSON.stringify(caught))
  // The assertion step can fail: a probe that passed would not satisfy it.
  assert.notEqual(runStep(step('The probe caught'), { OUTCOME: 'success', PROBE: 'ok' }).code, 0)
})

test("e2e.yml's incident step says so when the action left no tools in the tool cache", () => {
  const empty = mkdtempSync(join(tmpdir(), 'guard-toolcache-'))
  try {
    const result = runStep(step('The incident'), { RUNNER_TOOL_CACHE: empty })
    assert.equal(result.code, 1)
    assert.match(
      result.out,
      /^::error::no mongodump\/mongorestore under .*: the action should have downloaded them$/m
    )
  } finally {
    rmSync(empty, { recursive: true, force: true })
  }
})
