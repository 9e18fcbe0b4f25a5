import { describe, expect, it } from 'vitest';
import { didYouMean, formatPath, formatSpecErrors } from './errors.js';

describe('formatPath', () => {
  it('writes paths the way YAML is read', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['pipeline', 2, 'window', 'size'])).toBe('pipeline[2].window.size');
    expect(formatPath(['sideOutputs', 'dead-letter', 'path'])).toBe('sideOutputs.dead-letter.path');
    expect(formatPath(['pipeline', 0, 'map', 'a.b'])).toBe('pipeline[0].map["a.b"]');
  });
});

describe('formatSpecErrors', () => {
  it('one line per error, (root) for the document', () => {
    expect(
      formatSpecErrors([
        { path: '', message: 'YAML syntax error at line 1, column 2: x' },
        { path: 'parallelism', message: 'must be ≥ 1, got 0' },
      ]),
    ).toBe('(root): YAML syntax error at line 1, column 2: x\nparallelism: must be ≥ 1, got 0');
  });
});

describe('didYouMean', () => {
  it('suggests close names and truncated names, nothing for far ones', () => {
    expect(didYouMean('windw', ['filter', 'window'])).toBe('window');
    expect(didYouMean('kafak', ['file', 'kafka'])).toBe('kafka');
    expect(didYouMean('timestamp', ['timestampField', 'path'])).toBe('timestampField');
    expect(didYouMean('Parallelism', ['parallelism'])).toBe('parallelism');
    expect(didYouMean('zzz', ['filter', 'window'])).toBeUndefined();
  });
});
