/**
 * Every file in test/fixtures/bad-specs is a malformed spec whose first line is
 * `# expect: <substring of one error line>`; each must be rejected with it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatSpecErrors } from './errors.js';
import { loadJobSpecFile } from './load.js';

const DIR = fileURLToPath(new URL('../../../test/fixtures/bad-specs/', import.meta.url));
const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('bad specs', () => {
  it('there are at least 25 fixtures, named NN-short-name', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const f of files) expect(f).toMatch(/^\d\d-[a-z0-9-]+\.(ya?ml|json)$/);
  });

  it.each(files)('%s is rejected with the expected line', (file) => {
    const path = join(DIR, file);
    const first = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    const m = /^# expect: (.+)$/.exec(first);
    expect(m, `${file} must start with "# expect: ..."`).not.toBeNull();
    const expected = (m as RegExpExecArray)[1] as string;
    const r = loadJobSpecFile(path);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = formatSpecErrors(r.errors).split('\n');
    expect(lines.some((l) => l.includes(expected)), `expected a line containing:\n  ${expected}\ngot:\n  ${lines.join('\n  ')}`).toBe(true);
  });
});
