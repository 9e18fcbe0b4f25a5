import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_SCHEMA_FILE, jobSpecJsonSchema, jobSpecJsonSchemaText } from './json-schema.js';
import { STEP_KINDS } from './spec.js';

describe('job.schema.json', () => {
  it('the committed file is what jobSpecJsonSchema() generates', () => {
    let committed = '';
    try {
      committed = readFileSync(JOB_SCHEMA_FILE, 'utf8');
    } catch {
      // compared below, with the same hint
    }
    expect(
      committed === jobSpecJsonSchemaText(),
      `${JOB_SCHEMA_FILE} is out of date; regenerate it with: npx tsx src/engine/job/write-schema.ts`,
    ).toBe(true);
  });

  it('is draft 2020-12, strict, and describes the YAML surface', () => {
    const s = jobSpecJsonSchema() as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
      $defs: Record<string, { properties?: Record<string, unknown>; maxProperties?: number; anyOf?: Array<{ pattern?: string }> }>;
    };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.required).toEqual(['name', 'source', 'sink']);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(['name', 'mode', 'parallelism', 'guarantee', 'source', 'pipeline', 'sink', 'sideOutputs', 'checkpoint', 'restart', 'state']),
    );
    const step = s.$defs.Step;
    expect(Object.keys(step?.properties ?? {})).toEqual([...STEP_KINDS]);
    expect(step?.maxProperties).toBe(1);
    const pattern = new RegExp(s.$defs.Duration?.anyOf?.find((a) => a.pattern)?.pattern ?? '^$');
    expect(['2s', '-8h', '1.5m', '500ms'].every((d) => pattern.test(d))).toBe(true);
    expect(['ten', '5 s'].some((d) => pattern.test(d))).toBe(false);
  });
});
