// Managed services keep their own rules for users: recognising one by its host names lets a
// failure say what to do there instead of suggesting commands the service refuses.
import type { MongoUri } from '../secrets.js'

export type ManagedService = 'atlas' | 'documentdb' | 'cosmos' | undefined

const SUFFIXES: [suffix: string, service: Exclude<ManagedService, undefined>][] = [
  ['.mongodb.net', 'atlas'],
  ['.mongodb-dev.net', 'atlas'],
  ['.docdb.amazonaws.com', 'documentdb'],
  ['.mongocluster.cosmos.azure.com', 'cosmos'],
  ['.mongo.cosmos.azure.com', 'cosmos']
]

/** The managed service behind the string's hosts, by host name suffix; undefined otherwise. */
export function managedService(uri: MongoUri): ManagedService {
  for (const host of uri.hosts) {
    // hosts are lower case `name:port` (srv: `name`); a trailing dot is a fully qualified name.
    const name = host.replace(/:\d+$/, '').replace(/\.$/, '')
    const match = SUFFIXES.find(([suffix]) => name.endsWith(suffix))
    if (match) return match[1]
  }
  return undefined
}

/** One sentence on how users are managed on that service; undefined for a self-run server. */
export function managedAdvice(service: ManagedService): string | undefined {
  switch (service) {
    case 'atlas':
      return (
        'MongoDB Atlas manages database users itself: create or change them in the Atlas UI or ' +
        'Admin API, because changes made any other way are rolled back, and shared tiers refuse ' +
        'restores into admin.'
      )
    case 'documentdb':
      return (
        'Amazon DocumentDB never exports passwords, so its users must be recreated on the ' +
        'target with createUser and the passwords the applications use.'
      )
    case 'cosmos':
      return (
        'Azure Cosmos DB for MongoDB never exports passwords, so its users must be recreated on ' +
        'the target (in the Azure portal or with createUser) with the passwords the ' +
        'applications use.'
      )
    case undefined:
      return undefined
  }
}
