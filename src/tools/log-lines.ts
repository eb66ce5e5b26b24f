// A tool's log as the action keeps and echoes it. Kept: every line but the progress bars, of which
// only each namespace's latest survives (a long restore prints one per collection per second, and
// only the last says how far it got). Echoed: in batches, so that thousands of collections cost a
// few writes to the runner's log, not one per line.
import { info } from '../interface.js'
import { PROGRESS } from './output.js'

/** How often the echo is flushed, at most. */
const ECHO_MS = 100

export class LogLines {
  #lines: (string | undefined)[] = []
  /** Where each namespace's latest progress line sits in #lines. */
  #progressAt = new Map<string, number>()
  #dropped = 0
  #pending: string[] = []
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly prefix: string,
    private readonly echo: (text: string) => void = (text) => info(text)
  ) {}

  add(line: string): void {
    const progress = PROGRESS.exec(line)
    if (progress) {
      const before = this.#progressAt.get(progress[1] as string)
      if (before !== undefined) {
        this.#lines[before] = undefined
        this.#dropped++
      }
      this.#progressAt.set(progress[1] as string, this.#lines.length)
    }
    this.#lines.push(line)
    if (this.#dropped > 1000 && this.#dropped > this.#lines.length / 2) this.#compact()
    this.#pending.push(`${this.prefix}${line}`)
    this.#timer ??= setTimeout(() => this.flush(), ECHO_MS)
  }

  /** Writes what is waiting to be echoed. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length > 0) this.echo(this.#pending.join('\n'))
    this.#pending = []
  }

  /** The lines kept, in the order they came. */
  lines(): string[] {
    this.#compact()
    return this.#lines as string[]
  }

  #compact(): void {
    if (this.#dropped === 0) return
    this.#lines = this.#lines.filter((l) => l !== undefined)
    this.#progressAt.clear()
    this.#lines.forEach((line, i) => {
      const progress = PROGRESS.exec(line as string)
      if (progress) this.#progressAt.set(progress[1] as string, i)
    })
    this.#dropped = 0
  }
}
