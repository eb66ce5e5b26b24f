// The runner's entry point. The runner cancels a job with SIGINT, then SIGTERM: both stop the
// tools, and the run still cleans up and writes its report.
import { run } from './main.js'

const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => controller.abort())
}
await run(controller.signal)
// The driver may leave timers behind; the step is over once the report is written.
process.exit()
