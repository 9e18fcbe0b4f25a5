/** The connectors: sources and sinks behind the contracts in `source.ts` and `sink.ts`. */
export type * from './source.js';
export type * from './sink.js';
export * from './generator.js';
export * from './file-source.js';
export * from './file-sink.js';
export * from './sqlite-source.js';
export * from './sqlite-sink.js';
export * from './log/index.js';
