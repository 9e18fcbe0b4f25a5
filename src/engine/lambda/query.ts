/** The serving query: the merged view of a view file, for the CLI and the engine API. */
import { formatSpecErrors } from '../job/index.js';
import { loadViewFile } from './view-spec.js';
import { ViewStore, type ViewAnswer } from './view-store.js';
import fs from 'node:fs';

export class ViewNotFoundError extends Error {}

/** Loads the view file and answers from its store (which must exist: run a layer first). */
export function queryView(file: string, key?: string): ViewAnswer {
  const r = loadViewFile(file);
  if (!r.ok) throw new ViewNotFoundError(`${file}: invalid view\n${formatSpecErrors(r.errors)}`);
  if (!fs.existsSync(r.view.store)) throw new ViewNotFoundError(`view ${r.view.name} has no store yet (${r.view.store}): start its speed layer or run its batch layer first`);
  const store = ViewStore.open(r.view);
  try {
    return store.query(key);
  } finally {
    store.close();
  }
}
