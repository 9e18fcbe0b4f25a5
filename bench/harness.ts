/**
 * The benchmark harness: each figure is the median of several runs after a warm-up,
 * with min and max, printed beside its target and a peer measured in the same run.
 * Results go to bench/results/latest.json (the contract in CONTRACTS.md) and a Markdown
 * table (bench/results/latest.md). Nothing here asserts: numbers are for reading.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  peer: string | null;
  peerValue: number | null;
  ratio: number | null;
  /** The target; `higherIsBetter` says which side of it is good. */
  target: number | null;
  higherIsBetter: boolean;
  min: number | null;
  max: number | null;
  runs: number;
  note?: string;
}

export interface Measurement {
  value: number;
  min: number;
  max: number;
  runs: number;
}

/** Runs `fn` `warmup` times, then `runs` times; returns the median, min and max of what it returns. */
export async function measure(fn: () => Promise<number> | number, opts: { runs: number; warmup: number }): Promise<Measurement> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < opts.runs; i++) xs.push(await fn());
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  const median = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { value: median, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length };
}

export function figure(
  name: string,
  unit: string,
  m: Measurement | null,
  opts: { peer?: string; peerValue?: number | null; target?: number | null; higherIsBetter?: boolean; note?: string } = {},
): Figure {
  const peerValue = opts.peerValue ?? null;
  const value = m?.value ?? null;
  return {
    name,
    value,
    unit,
    peer: opts.peer ?? null,
    peerValue,
    ratio: value !== null && peerValue !== null && peerValue !== 0 ? value / peerValue : null,
    target: opts.target ?? null,
    higherIsBetter: opts.higherIsBetter ?? true,
    min: m?.min ?? null,
    max: m?.max ?? null,
    runs: m?.runs ?? 0,
    ...(opts.note !== undefined ? { note: opts.note } : {}),
  };
}

const fmt = (n: number | null, digits = 0): string =>
  n === null ? '—' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits === 0 && Math.abs(n) < 10 ? 2 : digits);

function verdict(f: Figure): string {
  if (f.value === null) return 'missing';
  if (f.target === null) return '';
  const ok = f.higherIsBetter ? f.value >= f.target : f.value <= f.target;
  const off = f.higherIsBetter ? f.value / f.target : f.target / f.value;
  return ok ? 'meets target' : `${(off * 100).toFixed(0)}% of target`;
}

export function writeResults(figures: Figure[], mode: string): string {
  const dir = path.resolve(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    mode,
    date: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ machine, figures }, null, 2) + '\n');
  const lines = [
    `# Sluice benchmarks (${mode}, ${machine.cpus} cores, ${machine.cpuModel}, Node ${machine.node})`,
    '',
    '| figure | value | unit | min | max | peer | peer value | ratio | target | verdict |',
    '|---|---:|---|---:|---:|---|---:|---:|---:|---|',
    ...figures.map(
      (f) =>
        `| ${f.name} | ${fmt(f.value)} | ${f.unit} | ${fmt(f.min)} | ${fmt(f.max)} | ${f.peer ?? ''} | ${fmt(f.peerValue)} | ${f.ratio === null ? '' : f.ratio.toFixed(2)} | ${f.target === null ? '' : `${f.higherIsBetter ? '≥' : '≤'} ${fmt(f.target)}`} | ${verdict(f)}${f.note ? ` — ${f.note}` : ''} |`,
    ),
    '',
  ];
  const md = lines.join('\n');
  fs.writeFileSync(path.join(dir, 'latest.md'), md);
  return md;
}
