/** Kappa reprocessing: replay a log into a new version beside the served one, compare, switch. */
export { loadDeploymentFile, versionJobSpec, versionTable } from './deployment.js';
export type { Deployment, DeploymentResult, StartPosition } from './deployment.js';
export { checkCoverage } from './retention.js';
export type { Coverage, PartitionCoverage } from './retention.js';
export { CatchUpTracker } from './catch-up.js';
export type { CatchUpProgress } from './catch-up.js';
export { diffVersions } from './compare.js';
export type { VersionDiff } from './compare.js';
export { ServingStore } from './serving.js';
export type { ServedVersion } from './serving.js';
export { reprocess } from './reprocess.js';
export type { ReprocessOptions, ReprocessOutcome, Reprocessing } from './reprocess.js';
