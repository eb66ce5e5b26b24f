// The runner's entry point. The runner cancels a job with SIGINT, then SIGTERM (then SIGKILL):
// the first signal stops the tools gracefully, a second one kills them at once; either way the
// run still removes its temporary files and writes its report.
import { run } from './main.js'
import { killAllTools } from './tools/runner.js'

const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) killAllTools()
    else controller.abort()
  })
}
await run(controller.signal)
// The driver may leave timers behind; the step is over once the report is written.
process.exit()
