/**
 * The batch layer: recompute the view for event time < cut-off with the batch runner over
 * the view's real source, then install it in the store (one transaction with dropping
 * the speed buckets it now covers).
 */
import { DEAD_LETTER_OUTPUT } from '../core/types.js';
import { executeBatch, CollectingSink, type BatchProgress, type BatchResult } from '../batch/index.js';
import { createSink, createSource } from '../connectors/factory.js';
import type { Sink } from '../connectors/sink.js';
import { batchLayerSpec } from './layers.js';
import { partialOf, type Partial } from './merge.js';
import type { ViewSpec } from './view-spec.js';
import { ViewStore } from './view-store.js';

export interface BatchLayerRun {
  cutoff: number;
  keys: number;
  batch: BatchResult;
}

/**
 * Runs the batch layer up to `cutoff` (default: the speed horizon, the furthest safe
 * cut-off) and installs it. Throws {@link CutoffError} for a cut-off the store refuses.
 */
export async function runBatchLayer(view: ViewSpec, opts: { cutoff?: number; onProgress?: (p: BatchProgress) => void } = {}): Promise<BatchLayerRun> {
  const store = ViewStore.open(view);
  try {
    const cutoff = opts.cutoff ?? store.horizon();
    if (cutoff === null) throw new Error(`view ${view.name}: no cut-off given and the speed layer has not closed a bucket yet (run the speed layer first, or pass a cut-off)`);
    store.checkCutoff(cutoff);
    const spec = batchLayerSpec(view, cutoff);
    const sink = new CollectingSink();
    const sideSinks = new Map<string, Sink>();
    for (const [name, s] of Object.entries(spec.sideOutputs)) sideSinks.set(name, createSink(s, spec.guarantee, spec.specDir));
    if (!sideSinks.has(DEAD_LETTER_OUTPUT)) throw new Error('internal: the batch layer has no dead-letter output');
    const batch = await executeBatch(spec, { source: createSource(spec.source, spec.specDir), sink, sideSinks }, opts.onProgress ? { onProgress: opts.onProgress } : {});
    const partials = new Map<string, Partial>();
    for (const r of sink.records) {
      const key = String(r['key']);
      if (partials.has(key)) throw new Error(`internal: the batch layer produced key ${key} twice`);
      partials.set(key, partialOf(r['value']));
    }
    store.install(cutoff, partials);
    return { cutoff, keys: partials.size, batch };
  } finally {
    store.close();
  }
}
