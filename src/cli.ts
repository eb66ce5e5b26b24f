#!/usr/bin/env node
// The same core as a command line, for other CIs and cron: `mongo-restore-guard <mode> --flags`.
// Flags are the action's inputs; connection strings can come from environment variables so
// they never sit in shell history or in `ps`.
import { exitCode, HELP, inputsFromArgv } from './input/cli-args.js'
import { run } from './main.js'
import { useCommandLine } from './interface.js'

const argv = process.argv.slice(2)
if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
  process.stdout.write(HELP)
  process.exit(argv.length === 0 ? 2 : 0)
}
try {
  Object.assign(process.env, inputsFromArgv(argv, process.env))
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${HELP}`)
  process.exit(2)
}
// Plain lines from here on, and no ::add-mask:: (it would print the secret it hides).
useCommandLine()
const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => controller.abort())
const report = await run(controller.signal)
const code = exitCode(report)
process.stdout.write(
  `\nmongo-restore-guard ${report.mode ?? argv[0]}: ${report.status}${report.failure ? ` (${report.failure.kind})` : ''}, exit ${code}\n`
)
process.exit(code)
