/**
 * The self-contained HTML drill report: verdict first, recovery table, timeline charts
 * (ECharts rendered server-side to inline SVG, so the file opens offline with no script),
 * checkpoint summary, fault schedule, job and drill spec, environment.
 */
import { adviceRows } from '../advisor/checkpoint-advisor.js';
import * as echarts from 'echarts';
import type { DrillReport } from './report.js';
import type { TimelineMarker } from './timeline.js';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const n = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));

const MARKER_COLOURS: Partial<Record<TimelineMarker['kind'], string>> = {
  fault: '#d62728',
  failure: '#ff7f0e',
  restart: '#2ca02c',
  'caught-up': '#17becf',
  fallback: '#9467bd',
  guard: '#8c564b',
};

function svgChart(option: echarts.EChartsCoreOption, width = 1100, height = 280): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function markLines(r: DrillReport): Record<string, unknown> {
  const data = r.timeline.markers
    .filter((m) => MARKER_COLOURS[m.kind] !== undefined)
    .map((m) => ({ xAxis: m.t / 1000, lineStyle: { color: MARKER_COLOURS[m.kind], type: m.kind === 'fault' ? 'solid' : 'dashed' }, label: { show: m.kind === 'fault', formatter: m.label.slice(0, 24), fontSize: 9 } }));
  return { symbol: 'none', silent: true, data };
}

function charts(r: DrillReport): string[] {
  const s = r.timeline.samples;
  const x = (v: number): number => Math.round(v / 100) / 10;
  const grid = { left: 70, right: 70, top: 60, bottom: 40 };
  const xAxis = { type: 'value', name: 's', min: 0 };
  const legend = { top: 22 };
  const one = svgChart({
    title: { text: 'Throughput and lag', left: 'center', top: 0, textStyle: { fontSize: 13 } },
    legend: { ...legend, left: 'center' },
    grid,
    xAxis,
    yAxis: [{ type: 'value', name: 'records/s' }, { type: 'value', name: 'lag ms' }],
    series: [
      { name: 'throughput', type: 'line', showSymbol: true, symbolSize: 3, data: s.map((p) => [x(p.t), p.throughput]), markLine: markLines(r) },
      { name: 'lag', type: 'line', yAxisIndex: 1, showSymbol: true, symbolSize: 3, data: s.map((p) => [x(p.t), p.lagMs]) },
    ],
  });
  const two = svgChart({
    title: { text: 'Watermark and backpressure', left: 'center', top: 0, textStyle: { fontSize: 13 } },
    legend: { ...legend, left: 'center' },
    grid,
    xAxis,
    yAxis: [{ type: 'value', name: 'event time s' }, { type: 'value', name: 'ms/s', max: 1000 }],
    series: [
      { name: 'watermark', type: 'line', showSymbol: true, symbolSize: 3, data: s.map((p) => [x(p.t), p.watermarkMs === null ? null : p.watermarkMs / 1000]), markLine: markLines(r) },
      { name: 'backpressured', type: 'line', yAxisIndex: 1, showSymbol: true, symbolSize: 3, areaStyle: { opacity: 0.2 }, data: s.map((p) => [x(p.t), p.backpressureMsPerSec]) },
      { name: 'busy', type: 'line', yAxisIndex: 1, showSymbol: true, symbolSize: 3, data: s.map((p) => [x(p.t), p.busyMsPerSec]) },
    ],
  });
  const h = r.checkpoints.history;
  const three = svgChart({
    title: { text: 'Checkpoint durations', left: 'center', top: 0, textStyle: { fontSize: 13 } },
    legend: { ...legend, left: 'center' },
    grid,
    xAxis,
    yAxis: { type: 'value', name: 'ms' },
    series: [
      { name: 'completed', type: 'scatter', symbolSize: 6, data: h.filter((c) => c.status === 'completed').map((c) => [x(c.triggerMs), c.durationMs]), markLine: markLines(r) },
      { name: 'failed', type: 'scatter', symbol: 'triangle', symbolSize: 9, itemStyle: { color: '#d62728' }, data: h.filter((c) => c.status === 'failed').map((c) => [x(c.triggerMs), 0]) },
    ],
  });
  return [one, two, three];
}

function advisorHtml(r: DrillReport): string {
  if (!r.checkpointAdvice) return '';
  const a = adviceRows(r.checkpointAdvice);
  return `<h2>Checkpoint advisor</h2>\n<p>${esc(a.summary)}</p>\n${table(a.header, a.rows)}${r.checkpointAdvice.notes.length ? `<ul>${r.checkpointAdvice.notes.map((x) => `<li class="muted">${esc(x)}</li>`).join('')}</ul>` : ''}`;
}

function table(head: string[], rows: (string | number | null)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((c) => `<td>${typeof c === 'number' ? n(c) : c === null ? '–' : esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function renderHtmlReport(r: DrillReport): string {
  const rec = r.records;
  const pass = r.verdict === 'PASS';
  const examples = (['lost', 'duplicated', 'mismatched'] as const)
    .filter((k) => r.examples[k].length > 0)
    .map((k) => `<h3>Examples: ${k}</h3>${table(['result', 'expected', 'produced'], r.examples[k].map((e) => [e.id, JSON.stringify(e.expected), JSON.stringify(e.produced)]))}`)
    .join('');
  const faults = table(
    ['#', 'fault', 'at ms', 'worker', 'detect ms', 'restart ms', 'restore ms', 'restore bytes', 'from ckpt', 'caught up ms', 'replayed'],
    r.faults.map((f) => [f.seq, `${f.type}${f.skipped ? ` (skipped: ${f.skipped})` : ''}${f.corrupted ? ` (corrupted checkpoint ${f.corrupted.checkpoint})` : ''}`, f.atMs, f.worker, f.detectMs, f.restartMs, f.restoreMs, f.restoreBytes, f.restoredFrom, f.caughtUpMs, f.recordsReplayed]),
  );
  const fallbacks = r.faults.flatMap((f) => f.fallback);
  const c = r.checkpoints;
  const e = r.environment;
  const [one, two, three] = charts(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Drill ${esc(r.drill.name)}: ${r.verdict}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1140px;color:#222}
h1{margin:0 0 4px}h2{margin-top:28px;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:6px 16px;border-radius:6px;color:#fff;font-weight:700;font-size:22px;background:${pass ? '#2e7d32' : '#c62828'}}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f5f5f5}td:nth-child(2){text-align:left}
.counts td{font-size:18px;padding:6px 14px}.bad{color:#c62828;font-weight:700}
pre{background:#f7f7f7;padding:10px;overflow:auto;font-size:12px}.muted{color:#666}
</style></head><body>
<h1>Drill “${esc(r.drill.name)}”</h1>
<p class="muted">${esc(r.drill.description ?? '')}</p>
<p><span class="verdict">${r.verdict}</span> &nbsp; guarantee <b>${esc(r.guarantee)}</b>${r.testOnlySink ? ` &nbsp; <b class="bad">test-only sink: ${esc(r.testOnlySink)}</b>` : ''}</p>
<ul>${r.verdictReasons.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>
<table class="counts"><tr><th>expected</th><th>produced</th><th>lost</th><th>duplicated</th><th>mismatched</th><th>input records</th></tr>
<tr><td>${n(rec.expected)}</td><td>${n(rec.produced)}</td><td class="${rec.lost ? 'bad' : ''}">${n(rec.lost)}</td><td class="${rec.duplicated ? 'bad' : ''}">${n(rec.duplicated)}</td><td class="${rec.mismatched ? 'bad' : ''}">${n(rec.mismatched)}</td><td>${n(rec.input)}</td></tr></table>
${examples}
<h2>Recovery</h2>${faults}
${fallbacks.length ? `<ul>${fallbacks.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}
<h2>Timeline</h2>
<p class="muted">Vertical lines: red = fault, orange = failure detected, green = restarted, cyan = caught up, purple = checkpoint fallback, brown = guard.</p>
${one}${two}${three}
<h2>Checkpoints</h2>
<p>${c.completed} completed, ${c.failed} failed. Duration p50 ${n(c.durationMs.p50)} ms, p99 ${n(c.durationMs.p99)} ms, max ${n(c.durationMs.max)} ms. Size p50 ${n(c.sizeBytes.p50)} bytes, max ${n(c.sizeBytes.max)} bytes.</p>
${advisorHtml(r)}
<h2>Steady state</h2>
<p>Baseline before the first fault: ${n(r.baseline.throughput)} records/s, lag ${n(r.baseline.lagMs)} ms.${r.aborted ? ` <b class="bad">Aborted: ${esc(r.aborted.message)}</b>` : ''}</p>
${table(['check', 'phase', 'samples', 'violations', 'worst', 'result'], r.guards.map((g) => [g.check, g.phase, g.evaluated, g.violations, g.worst, g.ok ? 'ok' : 'VIOLATED']))}
<h2>Fault schedule</h2>
<ol>${r.faults.filter((f) => f.origin !== 'unplanned').map((f) => `<li>${esc(f.description)} <span class="muted">(${f.origin})</span></li>`).join('')}</ol>
<h2>Job and drill</h2>
<p>Job “${esc(r.job.name)}” ended <b>${esc(r.job.state)}</b>${r.job.error ? `: ${esc(r.job.error)}` : ''}; parallelism ${r.job.parallelism}. Workload: ${n(r.workload.count)} generated records (seed ${r.workload.seed}) at ${n(r.workload.rate)}/s over ${n(r.workload.keys)} keys${r.workload.kafka ? `, through Kafka topic ${esc(r.workload.kafka.inputTopic)} on ${esc(r.workload.kafka.brokers.join(','))}${r.workload.kafka.managed ? ' (a broker the drill started)' : ''}${r.workload.kafka.outputTopic ? `, output read read_committed from ${esc(r.workload.kafka.outputTopic)}` : ''}` : ''}.</p>
<h3>Drill spec</h3><pre>${esc(JSON.stringify(r.drillSpec, null, 2))}</pre>
<h3>Job spec (as run)</h3><pre>${esc(JSON.stringify(r.job.document, null, 2))}</pre>
<h2>Environment</h2>
<p>sluice ${esc(e.sluice)} · Node ${esc(e.node)} · ${esc(e.platform)} ${esc(e.arch)} · ${e.cpus} × ${esc(e.cpuModel)} · ${n(e.memoryMb)} MB · SQLite ${esc(e.sqlite)} · ECharts ${esc(e.echarts)}</p>
<p class="muted">Run ${esc(r.runId)}, ${esc(r.startedAt)} → ${esc(r.finishedAt)} (${n(r.durationMs)} ms); verification ${n(r.verificationMs)} ms. Report schema ${esc(r.schema)}.</p>
</body></html>
`;
}
