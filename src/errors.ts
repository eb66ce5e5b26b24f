// Typed failures: callers branch on `kind`, never on message text. Every message says what
// happened, what it means for the application at its next restart, and what to do.

export type FailureKind =
  | 'InvalidInput'
  | 'ForbiddenOption'
  | 'ToolNotFound'
  | 'ToolTooOld'
  | 'ToolUnavailable'
  | 'ToolChecksumMismatch'
  | 'ToolVersionMismatch'
  | 'IncompatibleVersions'
  | 'ToolFailed'
  | 'AuthenticationFailed'
  | 'Unauthorized'
  | 'Unreachable'
  | 'NameNotResolved'
  | 'TlsFailed'
  | 'TargetNotEmpty'
  | 'PartialRestore'
  | 'EmptyRestore'
  | 'AlreadyRejected'
  | 'BrokenByRestore'
  | 'Cancelled'
  | 'TimedOut'
  | 'UnreadableDump'
  | 'DumpCarriesUsers'
  | 'DataMismatch'
  | 'SourceChanged'
  | 'RehearsalConflict'
  | 'UsersDrifted'
  | 'DriftUnavailable'
  | 'RepairImpossible'
  | 'RepairFailed'
  | 'ShardedCluster'
  | 'PartsIncomplete'
  | 'ObjectiveMissed'
  | 'OplogRolledOver'
  | 'SourceNamespacesChanged'
  | 'TargetWritten'
  | 'SourceRolledBack'
  | 'SourceKeptWriting'
  | 'ReplayImpossible'

export class GuardError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** Short title for the annotation. */
    readonly title: string,
    message: string
  ) {
    super(message)
    this.name = kind
  }
}

/** An input the user wrote is malformed; the message names the input and the fix. */
export function invalidInput(input: string, problem: string, fix: string): GuardError {
  const end = /[.!?]$/.test(fix) ? '' : '.'
  return new GuardError(
    'InvalidInput',
    `Invalid input: ${input}`,
    `${input}: ${problem}. ${fix}${end}`
  )
}

/** A request that would let the restore touch users, roles or credentials. */
export function forbidden(what: string, why: string, fix: string): GuardError {
  return new GuardError(
    'ForbiddenOption',
    'Refused: the restore could overwrite users',
    `Refused ${what}: ${why}. Nothing was dumped or restored. ${fix}`
  )
}

/** The runner cancelled the job; `when` says at which point and what that left behind. */
export function cancelled(when?: string): GuardError {
  return new GuardError('Cancelled', 'Cancelled', `The run was cancelled${when ? ` ${when}` : '.'}`)
}

/** A dump or restore ran past timeout-minutes and was stopped. */
export function timedOut(step: string, partial: string): GuardError {
  return new GuardError(
    'TimedOut',
    `The ${step} timed out`,
    `The ${step} did not finish within timeout-minutes and was stopped.${partial} Raise timeout-minutes or check that the servers answer.`
  )
}

export function toGuardError(error: unknown): GuardError {
  if (error instanceof GuardError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new GuardError('ToolFailed', 'Unexpected failure', message)
}
