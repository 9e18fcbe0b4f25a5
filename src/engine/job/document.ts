/**
 * Normalised spec → surface document: the "effective spec" a console shows,
 * with every default spelled out, durations in ms and absolute paths.
 * `validateJobSpecObject(specToDocument(s), s.specDir)` gives `s` back.
 */
import type { AggFn, JobSpec, SinkSpec, SourceSpec, Step } from './spec.js';

type Doc = Record<string, unknown>;

function aggFnDoc(a: AggFn): Doc {
  return a.fn === 'count' ? { count: true } : { [a.fn]: a.field };
}

function stepDoc(s: Step): Doc {
  switch (s.kind) {
    case 'filter':
      return { filter: s.expr };
    case 'map':
      return { map: 'expr' in s ? s.expr : { ...s.fields } };
    case 'flatMap':
      return { flatMap: { expr: s.expr, as: s.as } };
    case 'keyBy':
      return { keyBy: 'expr' in s ? { expr: s.expr } : s.field };
    case 'window':
      return { window: { ...s.window } };
    case 'aggregate': {
      const a = s.aggregate;
      if (a.kind === 'single') return { aggregate: aggFnDoc(a.agg) };
      return { aggregate: Object.fromEntries(Object.entries(a.aggs).map(([k, v]) => [k, aggFnDoc(v)])) };
    }
    case 'process':
      return { process: { module: s.module, export: s.exportName } };
  }
}

function sourceDoc(s: SourceSpec): Doc {
  return structuredClone(s) as unknown as Doc;
}

function sinkDoc(s: SinkSpec): Doc {
  return structuredClone(s) as unknown as Doc;
}

export function specToDocument(spec: JobSpec): Doc {
  return {
    name: spec.name,
    mode: spec.mode,
    parallelism: spec.parallelism,
    maxParallelism: spec.maxParallelism,
    guarantee: spec.guarantee,
    source: sourceDoc(spec.source),
    pipeline: spec.pipeline.map(stepDoc),
    sink: sinkDoc(spec.sink),
    sideOutputs: Object.fromEntries(Object.entries(spec.sideOutputs).map(([k, v]) => [k, sinkDoc(v)])),
    checkpoint: { ...spec.checkpoint },
    restart: { ...spec.restart },
    state: { ...spec.state },
    batch: { ...spec.batch },
  };
}
