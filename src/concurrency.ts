// Bounded concurrency: independent tool runs (one pipeline or one dump per database) and
// independent questions to a server (one per collection) run a few at once, not one by one.
import { debug } from './interface.js'

/** Questions to one server at once: one connection each (the pool of a client that asks them). */
export const SERVER_CONCURRENCY = 8

/**
 * Runs `fn` on every item, at most `limit` at once, and returns the results in item order. After
 * the first failure no new item starts; the ones already running finish (each moves one whole
 * database, so none is left half-written by this), then the first failure is thrown.
 */
export async function forEachBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++
      try {
        results[i] = await fn(items[i] as T)
      } catch (error) {
        if (failure === undefined) failure = { error }
        else debug(`a further failure after the first: ${error}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw failure.error
  return results
}
