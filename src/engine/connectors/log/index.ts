export * from './partitioned-log.js';
export * from './log-source.js';
export * from './log-sink.js';
