// The one secret sweep: after every run of the product (the action's bundle or the command
// line), every place the run left text is searched for every credential the test knows, each
// plain, URL-encoded and URL-decoded. runAction and runCli call it on every run they make.
import { rootPasswords } from './testbed.ts'

/** A place a run left text in: its name (stdout, a file path…) and its content. */
export type Place = [name: string, text: string]

/**
 * Every credential in a run's inputs or environment: each connection string that holds a
 * password, that password as written and decoded, and any --password value in an options input.
 */
export function credentialsIn(inputs: Record<string, string>): string[] {
  const found: string[] = []
  for (const [name, value] of Object.entries(inputs)) {
    const isUri = /-uri$|_URI$/i.test(name)
    for (const line of value.split('\n').map((l) => l.trim())) {
      const password = isUri
        ? /^[^:/]*:\/\/[^:@/]*:([^/?#]*)@/.exec(line)?.[1]
        : /--password[= ](\S+)/.exec(line)?.[1]
      if (password === undefined || password === '') continue
      found.push(password, safeDecode(password))
      if (isUri) found.push(line)
    }
  }
  return [...new Set(found)]
}

/** The names of the places that hold any form of any secret (one entry per hit). */
export function secretPlaces(places: readonly Place[], secrets: readonly string[]): string[] {
  const forms = [
    ...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s), safeDecode(s)]))
  ].filter((s) => s.length >= 4)
  return places.flatMap(([name, text]) => forms.filter((f) => text.includes(f)).map(() => name))
}

/** Stdout as a reader sees it: the runner's own `::add-mask::` commands hand it the secrets. */
export function withoutMaskCommands(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
}

/**
 * Throws, naming the places, when any secret (the given ones and every root password of every
 * test server this process started) appears in any place.
 */
export function assertNoSecrets(
  what: string,
  places: readonly Place[],
  secrets: readonly string[]
): void {
  const hits = secretPlaces(places, [...secrets, ...rootPasswords()])
  if (hits.length > 0) {
    throw new Error(`secret sweep: ${what} left a credential in ${[...new Set(hits)].join(', ')}`)
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
