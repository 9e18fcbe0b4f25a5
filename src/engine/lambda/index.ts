/** Lambda serving views: one view definition, a batch and a speed layer, a merged query. */
export { loadViewFile, validateViewObject } from './view-spec.js';
export type { MergeableFn, ViewAggregate, ViewParseResult, ViewSpec } from './view-spec.js';
export { batchLayerSpec, speedLayerSpec, viewAggregateSpec, SPEED_TABLE } from './layers.js';
export { runBatchLayer } from './batch-layer.js';
export type { BatchLayerRun } from './batch-layer.js';
export { startSpeedLayer } from './speed-layer.js';
export type { SpeedLayer } from './speed-layer.js';
export { CutoffError, ViewStore } from './view-store.js';
export type { ViewAnswer, ViewRow } from './view-store.js';
export { queryView, ViewNotFoundError } from './query.js';
