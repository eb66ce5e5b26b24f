// The plan file that mode: plan writes and mode: verify reads, as a type: a leaf, so the
// settings can name it without importing the code that parses or writes it.

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
