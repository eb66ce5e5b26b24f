// How the bench measures and speaks: a process timed with its peak memory, medians, the load
// average, the progress log on stderr, and the number formats of the tables.
// May import: nothing of the bench but the test support's repository root.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import * as os from 'node:os'
import { performance } from 'node:perf_hooks'
import { repoRoot } from '../../__tests__/support/run-action.ts'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

export const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

export const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

/** Milliseconds as seconds with one decimal. */
export const fmtS = (ms: number) => (ms / 1000).toFixed(1)
export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Peak resident set (VmHWM) of a running process, polled from /proc every 20 ms. */
export function watchPeakRss(pid: number): () => number | undefined {
  let peakKb: number | undefined
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1])
      if (kb) peakKb = Math.max(peakKb ?? 0, kb)
    } catch {
      // gone
    }
  }
  read()
  const timer = setInterval(read, 20)
  return () => {
    clearInterval(timer)
    return peakKb === undefined ? undefined : peakKb / 1024
  }
}

export interface TimedRun {
  ms: number
  code: number | null
  out: string
  peakMb: number | undefined
}

/** Runs a command; resolves with its wall time, exit code, output and the peak RSS (MB). */
export function timed(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(bin, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    const stopWatch = watchPeakRss(child.pid as number)
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ ms: performance.now() - started, code, out, peakMb: stopWatch() })
    )
  })
}

/** A failed run stops the bench, with the end of what the command wrote. */
export function mustSucceed(what: string, run: TimedRun): TimedRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.out.slice(-2000)}`)
  return run
}
