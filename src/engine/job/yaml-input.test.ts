import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseYamlText, readYamlFile } from './yaml-input.js';

describe('YAML input', () => {
  it('names the document and the position once in a syntax error', () => {
    const r = parseYamlText('a: 1\nb: [1, 2\n', 'drill spec');
    expect(r.ok).toBe(false);
    const msg = !r.ok ? r.errors[0]!.message : '';
    expect(msg).toMatch(/^YAML syntax error in drill spec at line \d+, column \d+: \S/);
    expect(msg.match(/at line/g)).toHaveLength(1);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    const r = parseYamlText(bomb, 'view');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.message).toMatch(/^YAML error in view: /);
  });

  it('says why a file cannot be read', () => {
    expect(readYamlFile('/nonexistent/x.yaml', 'kappa deployment')).toEqual({ ok: false, errors: [{ path: '', message: 'cannot read kappa deployment /nonexistent/x.yaml: no such file' }] });
    expect(readYamlFile(os.tmpdir(), 'view')).toEqual({ ok: false, errors: [{ path: '', message: `cannot read view ${os.tmpdir()}: is a directory` }] });
  });
});
