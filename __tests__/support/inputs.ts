// Builders of the action's inputs and of the target they point at, shared by the end-to-end
// tests; each file keeps its own passwords (the secret sweep looks for each one).
import type { TestContext } from 'node:test'
import { binaries, createUser, serverFor, type MongoServer } from './testbed.ts'

/** The provisioned tools as the tools-path input: a test run never downloads them. */
export const tools = () => ({ 'tools-path': binaries().toolsDir })

/** A fresh target with the app user (readWrite on appdb, this password) and nothing else. */
export async function appTarget(t: TestContext, appPassword: string): Promise<MongoServer> {
  const server = await serverFor(t)
  await createUser(server, 'appdb', 'app', appPassword, ['readWrite'])
  return server
}

/** A guarded migration from sourceUri into target, whose app logs in to appdb (readWrite). */
export function migrateInputs(
  sourceUri: string,
  target: MongoServer,
  appPassword: string
): Record<string, string> {
  return {
    'source-uri': sourceUri,
    'target-uri': target.rootUri,
    'app-uri': target.uri('app', appPassword, 'appdb'),
    'app-privileges': 'appdb: readWrite',
    ...tools()
  }
}
