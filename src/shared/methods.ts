/**
 * The names of the console API calls, in one place. The preload bridge and the IPC
 * channel names are derived from this list (it carries no zod, so the sandboxed preload
 * stays small); `api.ts` declares each call's schemas and checks it covers every name.
 */
export const API_METHODS = [
  'listExamples',
  'validateSpec',
  'startJob',
  'listJobs',
  'getOverview',
  'getJob',
  'getMetricsHistory',
  'cancelJob',
  'stopWithSavepoint',
  'resumeFromSavepoint',
  'killWorker',
  'killRandomWorker',
  'triggerCheckpoint',
  'restoreCheckpoint',
  'lookupKey',
  'queryView',
  'kafkaListConnections',
  'kafkaSaveConnection',
  'kafkaRemoveConnection',
  'kafkaTestConnection',
  'kafkaCluster',
  'kafkaTopics',
  'kafkaBrowse',
  'kafkaProduce',
  'kafkaGroups',
  'kafkaGroupLag',
  'kafkaLagHistory',
  'kafkaPlanReset',
  'kafkaApplyReset',
  'listDrills',
  'getDrillSource',
  'validateDrill',
  'runDrill',
  'listDrillRuns',
  'getDrillRun',
  'compareDrillRuns',
  'saveDrillReport',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

/** IPC channel of one call (Electron); the only place channel names are made. */
export const ipcChannel = (method: ApiMethod): string => `sluice:api:${method}`;
/** IPC channel main → renderer for pushed events. */
export const IPC_EVENT_CHANNEL = 'sluice:event';
