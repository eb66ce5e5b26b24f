// The inputs as a runner passes them: INPUT_<NAME> environment variables, set per test and
// cleared after it, so getInputs() can be run in-process by the unit tests.
import { afterEach } from 'node:test'

/** Puts process.env back as it was after each test of the enclosing suite (or file). */
export function restoreEnvAfterEach(): void {
  const saved = { ...process.env }
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  })
}

/** Sets these inputs as a runner sets them. */
export function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}
