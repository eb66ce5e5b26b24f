// Who reads what the run prints: a GitHub runner (workflow commands, inputs by their action
// names) or a person at a terminal (plain lines; flags and environment variables). The command
// line switches it once; nothing else changes between the two, and no other file of src/ speaks
// to the runner (@actions/core) itself. The command line passes its flags as the same INPUT_*
// variables a runner sets, so the inputs are read the same way on both.
import * as core from '@actions/core'
import { invalidInput, type GuardError } from './errors.js'

let commandLine = false

/** Called by cli.ts before the run: messages are for a person, not for a runner. */
export function useCommandLine(): void {
  commandLine = true
}

/** An input by its action name (INPUT_<NAME>), trimmed; '' when absent. */
export function input(name: string): string {
  return core.getInput(name)
}

/** A multi-line input's lines, trimmed, without the empty ones. */
export function multilineInput(name: string): string[] {
  return core.getMultilineInput(name)
}

/** A YAML 1.2 boolean input (true/True/TRUE, false/False/FALSE); throws on anything else. */
export function booleanInput(name: string): boolean {
  return core.getBooleanInput(name)
}

/** Hides a secret in a runner's log; a terminal has no masking, and `::add-mask::` would print it. */
export function maskSecret(secret: string): void {
  if (!commandLine && secret !== '') core.setSecret(secret)
}

/** A step output; on the command line a plain `name: value` line (none when empty). */
export function output(name: string, value: string | number): void {
  if (!commandLine) core.setOutput(name, value)
  else if (value !== '') process.stdout.write(`${name}: ${value}\n`)
}

/** The run's failure: an error annotation for a runner, `error:` lines on stderr for a person; exit code 1. */
export function reportFailure(title: string, message: string): void {
  if (commandLine) process.stderr.write(`error: ${title}\n${message}\n`)
  else core.error(message, { title })
  process.exitCode = core.ExitCode.Failure
}

/** A warning: an annotation for a runner, `warning:` lines on stderr for a person. */
export function warning(message: string, props: { title: string }): void {
  if (commandLine) process.stderr.write(`warning: ${props.title}\n${message}\n`)
  else core.warning(message, props)
}

/** A notice: an annotation for a runner, `note:` lines on stdout for a person. */
export function notice(message: string, props: { title: string }): void {
  if (commandLine) process.stdout.write(`note: ${props.title}\n${message}\n`)
  else core.notice(message, props)
}

/** A plain line of the log, the same for a runner and a person. */
export function info(message: string): void {
  if (commandLine) process.stdout.write(`${message}\n`)
  else core.info(message)
}

/** Detail for whoever debugs a run on a runner (ACTIONS_STEP_DEBUG); never on the command line. */
export function debug(message: string): void {
  if (!commandLine) core.debug(message)
}

/** Appends the rendered markdown to the job summary, where the runner names a file for it. */
export async function writeSummary(render: () => string): Promise<void> {
  if (process.env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(render(), true).write()
}

/** A phase of the run: a collapsible log group for a runner, a heading line for a person. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!commandLine) return core.group(name, fn)
  process.stdout.write(`\n== ${name}\n`)
  return fn()
}

/** A connection string the mode needs but did not get, told the way the reader passes it. */
export function missingUri(
  input: string,
  mode: string,
  /** How the command line passes this input. */
  { flag, env }: { flag: string; env: string | undefined }
): GuardError {
  if (commandLine) {
    const viaEnv = env
      ? `Set the environment variable ${env} (it stays out of shell history and ps), or pass `
      : 'Pass '
    return invalidInput(
      flag,
      `is empty, and ${mode} needs it`,
      `${viaEnv}${flag} <connection string>`
    )
  }
  return invalidInput(
    input,
    `is empty, and mode: ${mode} needs it`,
    `Pass a connection string, e.g. ${input}: \${{ secrets.MONGODB_URI }}; a secret is empty when the workflow cannot read it (a pull request from a fork, another environment, a typo in its name)`
  )
}
