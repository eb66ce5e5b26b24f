// The modes, one file each, as the README describes them; this is their table of contents. A
// mode is a short sequence of the phases they share (phases.ts: the probes, the pre-flight
// check, the users' baseline; copy.ts: the copy; check.ts: the check of the copy) and holds only
// what differs. A new mode is a new file and one line here.
import type { Run } from './context.js'
import { catchUp } from './catch-up.js'
import { dump } from './dump.js'
import { migrate } from './migrate.js'
import { plan } from './plan.js'
import { probe } from './probe.js'
import { rehearse } from './rehearse.js'
import { restore } from './restore.js'
import { verify } from './verify.js'

export type { Run }

export async function runMode(run: Run): Promise<void> {
  const { settings } = run
  switch (settings.mode) {
    case 'migrate':
      return migrate({ ...run, settings })
    case 'rehearse':
      return rehearse({ ...run, settings })
    case 'dump':
      return dump({ ...run, settings })
    case 'restore':
      return restore({ ...run, settings })
    case 'probe':
      return probe({ ...run, settings })
    case 'plan':
      return plan({ ...run, settings })
    case 'verify':
      return verify({ ...run, settings })
    case 'catch-up':
      return catchUp({ ...run, settings })
  }
}
