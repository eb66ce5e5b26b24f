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

const DONE_DUMPING = /done dumping `?([^`\s]+)`? \((\d+) documents?\)/
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
