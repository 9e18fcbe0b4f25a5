/** Batch execution: map → shuffle/sort → reduce over a job spec, and lazy datasets. */
export { runBatchJob, computeBatchResult, computeBatchOutputs } from './run-batch.js';
export type { BatchOutputs } from './run-batch.js';
export { executeBatch } from './batch-runner.js';
export type { BatchIO, BatchOptions, BatchProgress, BatchResult } from './batch-runner.js';
export { ArraySource, CollectingSink } from './memory-io.js';
export { Dataset, KeyedDataset, WindowedDataset } from './dataset.js';
export type { DatasetOptions, KeyedValue, WindowResult } from './dataset.js';
