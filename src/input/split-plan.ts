// The plan that mode: plan writes and mode: verify reads: every namespace, the part that moves
// it, what the source held, and a digest per target user. It carries no credentials and no
// password hashes: a user's digest is a sha256 over its record, itself a digest of the hashes.
import { invalidInput } from '../errors.js'
import { dbOf } from './namespace.js'
import { matrixOf, OUTPUT_BUDGET, parseNamespaceLines } from './parts.js'
import { PLAN_FORMAT, type SplitPlan } from './plan-file.js'

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
      ? `${dbOf(p.namespace)}.*`
      : `${p.namespace}${p.range ? ` ${p.range}` : ''}`
    parts.set(p.part, (parts.get(p.part) ?? new Set()).add(text))
  }
  const matrix = matrixOf([...parts.values()].map((lines) => parseNamespaceLines([...lines])))
  const json = JSON.stringify(plan)
  return { matrix, plan: json.length + matrix.length < OUTPUT_BUDGET ? json : undefined }
}
