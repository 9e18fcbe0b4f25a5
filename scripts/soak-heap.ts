/**
 * What the renderer's heap snapshot holds, split three ways, from a snapshot taken over
 * CDP: V8's compiled code, the browser's own (Blink) objects the snapshot includes, and the
 * page's JavaScript data. The soak prints it at the start and the end so a reader can tell
 * a leak in our code (JavaScript data grows) from V8 compiling more of the chart code (code
 * grows, then levels off) and from Blink's canvas text cache (browser objects grow).
 */
import type { CDPSession } from 'playwright-core';

export interface HeapBreakdown {
  /** Self sizes of every node in the snapshot. */
  total: number;
  /** Nodes of V8's "code" type: bytecode, machine code and their metadata. */
  code: number;
  /** Native nodes that are Blink's (e.g. blink::PlainTextNode of canvas text shaping), not V8's. */
  browser: number;
  /** Everything else: the page's objects, arrays, typed-array storage, strings, closures. */
  data: number;
}

interface SnapshotMeta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
}

export async function heapBreakdown(cdp: CDPSession): Promise<HeapBreakdown> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }): void => void chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snap = JSON.parse(chunks.join('')) as { snapshot: { meta: SnapshotMeta }; nodes: number[]; strings: string[] };
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const nameAt = fields.indexOf('name');
  const codeType = types[0].indexOf('code');
  const nativeType = types[0].indexOf('native');
  if (typeAt < 0 || sizeAt < 0 || nameAt < 0 || codeType < 0) throw new Error('heap snapshot: unexpected format (no type/name/self_size fields or no "code" node type)');
  let total = 0;
  let code = 0;
  let browser = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const size = snap.nodes[i + sizeAt]!;
    const type = snap.nodes[i + typeAt];
    total += size;
    if (type === codeType) code += size;
    // V8's own native nodes are named "system / …"; the rest are the browser's.
    else if (type === nativeType && !snap.strings[snap.nodes[i + nameAt]!]!.startsWith('system /')) browser += size;
  }
  return { total, code, browser, data: total - code - browser };
}
