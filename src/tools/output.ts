// Reads what mongodump and mongorestore log. Both write `<timestamp>\t<message>` lines to
// stderr; names are bare before tools 100.16 and in backticks after, so both are accepted.

export interface NamespaceCount {
  namespace: string
  documents: number
}

export interface RestoreCounts {
  restored: number
  failed: number
}

/** A collection mongorestore restored: where it came from, where it went, how many documents. */
export interface RestoredNamespace {
  source: string
  target: string
  documents: number
  failures: number
}

const FOUND = /found collection `?([^`\s]+)`? bson to restore to `?([^`\s]+)`?/
/** mongorestore's per-collection line; groups: namespace, documents, failures. */
export const FINISHED = /finished restoring `?([^`\s]+)`? \((\d+) documents?, (\d+) failures?\)/
/** mongodump's per-collection line; groups: namespace, documents. */
export const DONE_DUMPING = /done dumping `?([^`\s]+)`? \((\d+) documents?\)/
/** A progress line, "[####......]  appdb.orders  101000/200000  (50.5%)" or "appdb.orders  3.89MB";
 * groups: namespace, amount, percentage. */
export const PROGRESS =
  /^(?:\S+\t)?\s*(?:\[[#.]*\]\s+)?`?([^`\s]+\.[^`\s]+)`?\s{2,}(\S+)(?:\s+\(([\d.]+%)\))?\s*$/
const RESTORE_SUMMARY =
  /(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\./
const FAILED = /\bFailed: (.*)$/

/** Namespaces mongodump finished, with their document counts. */
export function dumpedNamespaces(lines: readonly string[]): NamespaceCount[] {
  return lines.flatMap((line) => {
    const match = DONE_DUMPING.exec(line)
    return match ? [{ namespace: match[1] as string, documents: Number(match[2]) }] : []
  })
}

/** The collections mongorestore finished (it must run with -v to name their sources). */
export function restoredNamespaces(lines: readonly string[]): RestoredNamespace[] {
  const sourceOf = new Map<string, string>()
  const restored: RestoredNamespace[] = []
  for (const line of lines) {
    const found = FOUND.exec(line)
    if (found) sourceOf.set(found[2] as string, found[1] as string)
    const done = FINISHED.exec(line)
    if (done) {
      const target = done[1] as string
      restored.push({
        source: sourceOf.get(target) ?? target,
        target,
        documents: Number(done[2]),
        failures: Number(done[3])
      })
    }
  }
  return restored
}

/** mongorestore's closing counts, or undefined when it never printed them. */
export function restoreCounts(lines: readonly string[]): RestoreCounts | undefined {
  for (const line of [...lines].reverse()) {
    const match = RESTORE_SUMMARY.exec(line)
    if (match) return { restored: Number(match[1]), failed: Number(match[2]) }
  }
  return undefined
}

/** The tool's own failure reason ("Failed: …"), else its last line. */
export function failureReason(lines: readonly string[]): string | undefined {
  for (const line of [...lines].reverse()) {
    const match = FAILED.exec(line)
    if (match) return match[1]
  }
  return lines.at(-1)?.replace(/^\S+\t/, '')
}
