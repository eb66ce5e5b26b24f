// mode probe: the cold-connection probe alone, of every app (and each replica-set member it can
// reach), as the app would connect at its next restart.
import { warning } from '../interface.js'
import type { ProbeSettings } from '../input/settings.js'
import { checkSharding, helloOf } from '../server/sharding.js'
import type { Run } from './context.js'
import { probeAfter } from './phases.js'

export async function probe(run: Run<ProbeSettings>): Promise<void> {
  const { settings } = run
  const uri = settings.target ?? settings.apps[0]
  // A mongos answers with users it cached: say so (the probe itself fails on its own if unreachable).
  const hello = uri && (await helloOf(uri, settings.probeTimeoutMs).catch(() => undefined))
  const sharded = uri && checkSharding('probe', 'target', hello, uri.input)
  if (sharded) warning(sharded, { title: 'Sharded cluster' })
  await probeAfter(run, { round: 'Probe' })
}
