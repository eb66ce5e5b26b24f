// The transfer plan a run reads when no transfer input is given: what the inputs test expects,
// and what the tests of the transfer, the tools' argv and the pre-flight check start from.
import type { TransferPlan } from '../../src/input/settings.ts'

export const DEFAULT_PLAN: TransferPlan = {
  databases: [],
  namespaces: [],
  drop: false,
  allowMerge: false,
  gzip: false,
  nsExclude: [],
  renames: [],
  dumpOptions: [],
  restoreOptions: [],
  allowFailedDocuments: false,
  verifySample: 100
}
