/**
 * The speed layer: the view's stream job under a JobManager, from the store's cut-off on.
 * It starts afresh each time (buckets cleared, input read from the source's start
 * position): the store then shows the horizon moving up again as it catches up, and the
 * merged view stays exact meanwhile because it only claims event time < horizon.
 */
import { JobManager, type JobManagerOptions } from '../runtime/job-manager.js';
import { speedLayerSpec } from './layers.js';
import type { ViewSpec } from './view-spec.js';
import { ViewStore } from './view-store.js';

export interface SpeedLayer {
  readonly jm: JobManager;
  /** The cut-off the job filters from (null: everything). */
  readonly cutoff: number | null;
}

export async function startSpeedLayer(view: ViewSpec, opts: JobManagerOptions = {}): Promise<SpeedLayer> {
  const store = ViewStore.open(view);
  let cutoff: number | null;
  try {
    store.resetSpeed();
    cutoff = store.cutoff();
  } finally {
    store.close();
  }
  const jm = new JobManager(speedLayerSpec(view, cutoff), opts);
  try {
    await jm.start();
  } catch (e) {
    await jm.cancel().catch(() => undefined);
    throw e;
  }
  return { jm, cutoff };
}
