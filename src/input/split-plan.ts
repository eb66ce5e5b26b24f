// The plan that mode: plan writes and mode: verify reads: every namespace, the part that moves
// it, what the source held, and a digest per target user. It carries no credentials and no
// password hashes: a user's digest is a sha256 over its record, itself a digest of the hashes.
import { invalidInput } from '../errors.js'
import { matrixOf, OUTPUT_BUDGET, parseNamespaceLines } from './parts.js'

export const PLAN_FORMAT = 'mongo-restore-guard-plan/1'

/** One namespace, or one `_id` range of it, and the part that moves it. */
export interface PlannedPiece {
  namespace: string
  /** `1/3`: the matrix entry that moves it. */
  part: string
  /** The `_id` range as canonical extended JSON; absent: the whole collection. */
  range?: string
  /** Documents on the source (in the range) when planned. */
  documents: number
  /** Bytes of data on the source (uncompressed BSON), for the balance. */
  bytes: number
  /** The source's index definitions; on the piece whose part builds them (or a whole collection). */
  indexes?: { name: string; definition: string }[]
}

export interface SplitPlan {
  format: typeof PLAN_FORMAT
  createdAt: string
  /** Redacted connection strings: where it was planned from and to. */
  source: string
  target: string
  /** The parts of the matrix. */
  parts: number
  /** Whole databases per line (`db.*`) because the namespaces would not fit GitHub's limits. */
  wholeDatabases: boolean
  namespaces: PlannedPiece[]
  /** `db.user` → digest of the user before any part ran; absent when they could not be read. */
  users?: Record<string, string>
  /** Why the users were not recorded. */
  usersSkipped?: string
  /** Versions of the tools and servers when planned, as far as they are known. */
  versions: Record<string, string | undefined>
}

/** Reads a plan from the `plan` input's JSON; the message names the input and the fix. */
export function parsePlan(text: string, input = 'plan'): SplitPlan {
  let plan: unknown
  try {
    plan = JSON.parse(text)
  } catch (error) {
    throw invalidInput(
      input,
      `is not JSON (${(error as Error).message})`,
      'Pass the plan output of the plan job (needs.plan.outputs.plan) or the path of its plan file'
    )
  }
  const p = plan as Partial<SplitPlan> | null
  if (
    p === null ||
    typeof p !== 'object' ||
    p.format !== PLAN_FORMAT ||
    !Array.isArray(p.namespaces)
  ) {
    throw invalidInput(
      input,
      `is not a plan written by mode: plan (format ${PLAN_FORMAT})`,
      'Pass the plan output of the plan job (needs.plan.outputs.plan) or the path of its plan file'
    )
  }
  return p as SplitPlan
}

/**
 * The plan job's outputs: the matrix (one entry per part: its lines, `db.*` when whole
 * databases were planned) and the plan as compact JSON, left out (undefined) when both would
 * not fit well under GitHub's 1 MB of outputs per job.
 */
export function planOutputs(plan: SplitPlan): { matrix: string; plan: string | undefined } {
  const parts = new Map<string, Set<string>>()
  for (const p of plan.namespaces) {
    const text = plan.wholeDatabases
      ? `${p.namespace.slice(0, p.namespace.indexOf('.'))}.*`
      : `${p.namespace}${p.range ? ` ${p.range}` : ''}`
    parts.set(p.part, (parts.get(p.part) ?? new Set()).add(text))
  }
  const matrix = matrixOf([...parts.values()].map((lines) => parseNamespaceLines([...lines])))
  const json = JSON.stringify(plan)
  return { matrix, plan: json.length + matrix.length < OUTPUT_BUDGET ? json : undefined }
}
