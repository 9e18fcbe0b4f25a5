/**
 * Renderer self-measurement for `npm run soak`: how long applying one pushed snapshot
 * takes (store update + the Vue render it triggers). A bounded ring, always on (a few
 * KB); exposed as `window.sluicePerf` only when the page URL carries `perf=1`.
 */
import { nextTick } from 'vue';

const SIZE = 4096;
const ring = new Float64Array(SIZE);
let n = 0;

/** Runs `apply`, then times until Vue has flushed the resulting DOM updates. */
export function timeSnapshotApply(apply: () => void): void {
  const t0 = performance.now();
  apply();
  void nextTick(() => {
    ring[n % SIZE] = performance.now() - t0;
    n++;
  });
}

function drain(): number[] {
  const k = Math.min(n, SIZE);
  const out: number[] = [];
  for (let i = n - k; i < n; i++) out.push(ring[i % SIZE]!);
  n = 0;
  return out;
}

if (new URLSearchParams(location.search).get('perf') === '1') {
  (window as unknown as { sluicePerf: { drainSnapshotApplyMs: () => number[] } }).sluicePerf = Object.freeze({ drainSnapshotApplyMs: drain });
}
