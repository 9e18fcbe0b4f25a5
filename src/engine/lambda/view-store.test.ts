import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateViewObject, type ViewSpec } from './view-spec.js';
import { ViewStore } from './view-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-view-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function view(name: string, bucket: string): ViewSpec {
  const r = validateViewObject({ view: { name, store: 'v.db', source: { type: 'log', path: 'l', topic: 't', timestampField: 'ts' }, keyBy: 'k', aggregate: { n: { count: true } }, bucket } }, dir);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.view;
}

describe('ViewStore', () => {
  it('belongs to one view: another name or bucket size is refused, naming both', () => {
    ViewStore.open(view('a', '1s')).close();
    expect(() => ViewStore.open(view('b', '1s'))).toThrow(/holds view "a" with 1000 ms buckets, not "b" with 1000 ms/);
    expect(() => ViewStore.open(view('a', '2s'))).toThrow(/not "a" with 2000 ms/);
  });

  it('refuses a cut-off before the speed layer has closed anything', () => {
    const s = ViewStore.open(view('a', '1s'));
    try {
      expect(s.query()).toEqual({ view: 'a', cutoff: null, horizon: null, batchRuns: 0, rows: [] });
      expect(() => s.install(1000, new Map())).toThrow(/beyond the speed layer's horizon \(none yet\)/);
    } finally {
      s.close();
    }
  });
});
