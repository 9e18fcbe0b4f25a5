/** The Markdown summary of a drill report: verdict first, then recovery, checkpoints, faults. */
import { adviceRows } from '../advisor/checkpoint-advisor.js';
import type { DrillReport } from './report.js';

const n = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : String(v));

export function renderMarkdownReport(r: DrillReport): string {
  const rec = r.records;
  const out: string[] = [];
  out.push(`# Drill "${r.drill.name}": ${r.verdict}`, '');
  if (r.drill.description) out.push(r.drill.description, '');
  out.push(`**${r.verdict}** under **${r.guarantee}**${r.testOnlySink ? ` (test-only sink: ${r.testOnlySink})` : ''}.`, '');
  for (const why of r.verdictReasons) out.push(`- ${why}`);
  if (r.verdictReasons.length) out.push('');
  out.push('| expected | produced | lost | duplicated | mismatched | input records |', '|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${rec.expected} | ${rec.produced} | ${rec.lost} | ${rec.duplicated} | ${rec.mismatched} | ${rec.input} |`, '');
  for (const kind of ['lost', 'duplicated', 'mismatched'] as const) {
    const ex = r.examples[kind];
    if (ex.length === 0) continue;
    out.push(`Examples (${kind}, up to 20):`, '');
    for (const e of ex) out.push(`- \`${e.id}\`: expected ${JSON.stringify(e.expected)}, produced ${JSON.stringify(e.produced)}`);
    out.push('');
  }
  out.push('## Recovery', '', '| # | fault | at (ms) | worker | detect (ms) | restart (ms) | restore (ms) | restore (bytes) | from checkpoint | caught up (ms) | replayed |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const f of r.faults) {
    out.push(
      `| ${f.seq} | ${f.type}${f.skipped ? ` (skipped: ${f.skipped})` : ''} | ${n(f.atMs)} | ${n(f.worker)} | ${n(f.detectMs)} | ${n(f.restartMs)} | ${n(f.restoreMs)} | ${n(f.restoreBytes)} | ${n(f.restoredFrom)} | ${n(f.caughtUpMs)} | ${n(f.recordsReplayed)} |`,
    );
  }
  const fallbacks = r.faults.flatMap((f) => f.fallback);
  if (fallbacks.length) out.push('', ...fallbacks.map((l) => `- ${l}`));
  const c = r.checkpoints;
  out.push('', '## Checkpoints', '', `${c.completed} completed, ${c.failed} failed; duration p50 ${n(c.durationMs.p50)} ms, p99 ${n(c.durationMs.p99)} ms, max ${n(c.durationMs.max)} ms; size p50 ${n(c.sizeBytes.p50)} bytes.`, '');
  if (r.checkpointAdvice) {
    const a = adviceRows(r.checkpointAdvice);
    out.push('## Checkpoint advisor', '', a.summary, '', `| ${a.header.join(' | ')} |`, `|${a.header.map(() => '---:').join('|')}|`, ...a.rows.map((row) => `| ${row.join(' | ')} |`), '');
    if (r.checkpointAdvice.notes.length) out.push(...r.checkpointAdvice.notes.map((x) => `- ${x}`), '');
  }
  out.push('## Steady state', '', `Baseline: ${n(r.baseline.throughput)} records/s, lag ${n(r.baseline.lagMs)} ms.`, '');
  for (const g of r.guards) out.push(`- ${g.ok ? 'ok' : 'VIOLATED'}: ${g.check} (${g.phase}; ${g.evaluated} samples, ${g.violations} violations, worst ${n(g.worst)})`);
  if (r.aborted) out.push('', `Aborted: ${r.aborted.message}`);
  out.push('', '## Fault schedule', '', ...r.faults.filter((f) => f.origin !== 'unplanned').map((f) => `- ${f.seq} (${f.origin}): ${f.description}`));
  out.push('', '## Run', '', `- run ${r.runId}, ${r.startedAt} → ${r.finishedAt} (${r.durationMs} ms), seed ${r.drill.seed}`);
  out.push(`- job "${r.job.name}" ended ${r.job.state}, parallelism ${r.job.parallelism}; workload ${r.workload.count} records at ${r.workload.rate}/s over ${r.workload.keys} keys${r.workload.kafka ? ` through Kafka topic ${r.workload.kafka.inputTopic} on ${r.workload.kafka.brokers.join(',')}` : ''}`);
  const e = r.environment;
  out.push(`- sluice ${e.sluice}, Node ${e.node}, ${e.platform} ${e.arch}, ${e.cpus} × ${e.cpuModel}, ${e.memoryMb} MB, SQLite ${e.sqlite}, ECharts ${e.echarts}`, '');
  return out.join('\n');
}
