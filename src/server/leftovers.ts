// What an interrupted mongorestore leaves behind: it loads users and roles into
// `admin.tempusers` / `admin.temproles` before merging them, and a run stopped in between leaves
// those collections on the target, full of credential hashes. Counted only, never read.
import type { MongoUri } from '../secrets.js'
import { isUnauthorized } from './probe.js'

export interface LeftoverCheck {
  checked: boolean
  /** Why it was not checked. */
  reason: string | undefined
  /** Documents in admin.tempusers and admin.temproles (0 when the collection is absent). */
  tempusers: number
  temproles: number
}

export async function findLeftovers(admin: MongoUri, timeoutMs: number): Promise<LeftoverCheck> {
  try {
    return await admin.use('verify', timeoutMs, async (client) => {
      const db = client.db('admin')
      const [tempusers, temproles] = await Promise.all(
        ['tempusers', 'temproles'].map((name) => db.collection(name).estimatedDocumentCount())
      )
      return {
        checked: true,
        reason: undefined,
        tempusers: tempusers ?? 0,
        temproles: temproles ?? 0
      }
    })
  } catch (error) {
    if (!isUnauthorized(error)) throw error
    return {
      checked: false,
      reason: `${admin.input} may not read the admin database`,
      tempusers: 0,
      temproles: 0
    }
  }
}
