/**
 * JSON Schema (draft 2020-12) of the YAML surface, for editors
 * (`# yaml-language-server: $schema=.../job.schema.json`). Generated from the
 * same zod schema that validates, so the two cannot drift; the semantic checks
 * (step order, window geometry, expressions) are beyond JSON Schema.
 */
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { jobDocumentSchema } from './schema.js';

export const JOB_SCHEMA_ID = 'https://sluice.dev/schema/job.schema.json';

/** Where the committed copy lives, relative to the project root. */
export const JOB_SCHEMA_FILE = fileURLToPath(new URL('../../../resources/schema/job.schema.json', import.meta.url));

export function jobSpecJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(jobDocumentSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, $id: JOB_SCHEMA_ID, ...rest };
}

/** The exact text of the committed file. */
export function jobSpecJsonSchemaText(): string {
  return `${JSON.stringify(jobSpecJsonSchema(), null, 2)}\n`;
}
