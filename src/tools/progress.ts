// How far a tool got, read from its log lines: which namespaces it finished (with counts) and
// which it had started and not finished (with its last progress line). The report uses it to
// say precisely what a failed or cancelled run may have written.
import type { Interruption, ToolName, ToolRun } from './runner.js'
import { DONE_DUMPING, FINISHED, PROGRESS } from './output.js'

export interface FinishedNamespace {
  namespace: string
  documents: number
  /** Documents that failed to restore (mongorestore only). */
  failed?: number
}

export interface UnfinishedNamespace {
  namespace: string
  /** The tool's last progress for it, e.g. "101000/200000 (50.5%)" or "3.89MB". */
  progress: string | undefined
}

export interface ToolProgress {
  tool: ToolName
  /** How the tool ended. */
  outcome: 'ok' | 'failed' | Exclude<Interruption, undefined>
  finished: FinishedNamespace[]
  unfinished: UnfinishedNamespace[]
  /** The incomplete archive that was removed, if any. */
  removedArchive: string | undefined
}

// Names are bare before tools 100.16 and in backticks after; both are accepted.
const NS = '`?([^`\\s]+)`?'
const STARTED = new RegExp(`(?:writing|restoring) ${NS} (?:to|from) `)

export function progressOf(run: ToolRun): ToolProgress {
  const started: string[] = []
  const finished = new Map<string, FinishedNamespace>()
  const latest = new Map<string, string>()
  for (const line of run.lines) {
    const start = STARTED.exec(line)
    if (start) started.push(start[1] as string)
    const done = DONE_DUMPING.exec(line) ?? FINISHED.exec(line)
    if (done) {
      const failed = done[3] === undefined ? {} : { failed: Number(done[3]) }
      finished.set(done[1] as string, {
        namespace: done[1] as string,
        documents: Number(done[2]),
        ...failed
      })
    }
    const progress = PROGRESS.exec(line)
    if (progress) {
      latest.set(
        progress[1] as string,
        [progress[2], progress[3] && `(${progress[3]})`].join(' ').trim()
      )
    }
  }
  // A stopped mongorestore still logs the namespaces it was writing as "finished": only a
  // clean exit proves a restored namespace complete. mongodump's "done" lines are exact.
  const exact = run.tool === 'mongodump' || (run.exitCode === 0 && run.interruption === undefined)
  const complete = exact ? [...finished.values()] : []
  return {
    tool: run.tool,
    outcome: run.interruption ?? (run.exitCode === 0 ? 'ok' : 'failed'),
    finished: complete,
    unfinished: [...new Set(started)]
      .filter((ns) => !complete.some((f) => f.namespace === ns))
      .map((namespace) => ({
        namespace,
        progress: finished.has(namespace)
          ? `${finished.get(namespace)?.documents} documents written before it stopped`
          : latest.get(namespace)
      })),
    removedArchive: undefined
  }
}
