// What every phase of a mode receives: the mode's settings, the report it fills in, the tools,
// the cancel signal, and the versions main.ts read before the mode began.
import type { Settings } from '../input/settings.js'
import type { Report } from '../report/report.js'
import type { Versions } from '../server/compatibility.js'
import type { ToolContext } from '../tools/transfer.js'

/** One run of a mode. */
export interface Run<S extends Settings = Settings> {
  settings: S
  /** Written by the phases as they go and published once by main.ts; never read back. */
  report: Report
  /** The tools and how they run (unused by probe and verify, which run none). */
  tools: ToolContext
  signal: AbortSignal
  /** The tools' and the servers' versions, read before anything was written; none in probe mode. */
  versions: Versions | undefined
}
