export { EngineService, type EngineServiceOptions } from './engine-service.js';
export { ExampleCatalog, findResourcesDir } from './examples.js';
export { defaultDataDir } from './data-dir.js';
