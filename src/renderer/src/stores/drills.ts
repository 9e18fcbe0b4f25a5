/**
 * Drills: the example drills the engine offers, the drill running in the engine (its
 * progress arrives as `drill` events through the one subscription), past runs from the
 * engine's drill history, the report of the selected run, two runs compared side by side,
 * report exports, and drills edited from an example's YAML (validated and run by the engine).
 */
import { defineStore } from 'pinia';
import { ApiError, type DrillComparison, type DrillInfo, type DrillProgress, type DrillReportFormat, type DrillReportInfo, type DrillRunSummaryInfo, type Params, type SpecErrorInfo } from '../../../shared/api';
import { api } from '../api/client';
import { exportReport } from '../api/report-download';
import { errorText } from './jobs';
import { useUiStore } from './ui';
import { into, load } from './load';


export const useDrillsStore = defineStore('drills', {
  state: () => ({
    drills: load<DrillInfo[]>(),
    runs: load<DrillRunSummaryInfo[]>(),
    report: load<DrillReportInfo>(),
    /** The run whose report is shown. */
    selected: null as string | null,
    /** The latest progress of the drill started or seen running in this session. */
    progress: null as DrillProgress | null,
    starting: null as string | null,
    startError: null as string | null,
    /** Runs ticked in the past-runs table for a comparison (at most two, oldest tick dropped). */
    picked: [] as string[],
    comparison: load<DrillComparison>(),
    /** The YAML of the example drill open in the editor. */
    source: load<{ name: string; text: string }>(),
    /** The export in progress (`<runId>:<format>`), for the button's busy state. */
    exporting: null as string | null,
  }),
  getters: {
    running: (s): boolean => s.starting !== null || s.progress?.phase === 'running',
  },
  actions: {
    fetchDrills() {
      return into(this.drills, () => api.listDrills({}));
    },
    fetchRuns() {
      return into(this.runs, () => api.listDrillRuns({}));
    },
    select(runId: string) {
      this.selected = runId;
      if (this.report.data?.runId !== runId) this.report.data = null;
      return into(this.report, () => api.getDrillRun({ runId }));
    },
    run(name: string) {
      return this.start(name, { name });
    },
    /** An example drill's YAML as shipped, into `source` (the editor's starting point). */
    fetchSource(name: string) {
      if (this.source.data?.name !== name) this.source.data = null;
      return into(this.source, () => api.getDrillSource({ name }));
    },
    /** Checks edited drill YAML; its relative paths resolve in the example's folder. */
    validate(text: string, example: string): Promise<{ ok: boolean; errors: SpecErrorInfo[] }> {
      return api.validateDrill({ text, example });
    },
    /** Runs edited drill YAML in a copy of the example's folder; returns the problems to show inline when refused. */
    runEdited(text: string, example: string): Promise<SpecErrorInfo[]> {
      return this.start(`${example} (edited)`, { text, example });
    },
    /** Starts a drill; its progress then arrives as events. Returns the spec problems when it was refused as invalid. */
    async start(label: string, params: Params<'runDrill'>): Promise<SpecErrorInfo[]> {
      this.starting = label;
      this.startError = null;
      try {
        const { runId } = await api.runDrill(params);
        if (this.progress?.runId !== runId) {
          const durationMs = 'name' in params ? (this.drills.data?.find((d) => d.name === params.name)?.durationMs ?? 0) : 0;
          this.progress = { runId, drill: label, phase: 'running', elapsedMs: 0, durationMs, faultsDone: 0, faultsTotal: 0, line: 'starting', verdict: null, error: null };
        }
        return [];
      } catch (e) {
        this.startError = errorText(e);
        useUiStore().toast('error', `Drill ${label} not started`, this.startError);
        return e instanceof ApiError ? (e.details ?? []) : [];
      } finally {
        this.starting = null;
      }
    },
    togglePick(runId: string) {
      const i = this.picked.indexOf(runId);
      if (i >= 0) this.picked.splice(i, 1);
      else this.picked = [...this.picked, runId].slice(-2);
    },
    compare(a: string, b: string) {
      const d = this.comparison.data;
      if (d !== null && (d.a.report.runId !== a || d.b.report.runId !== b)) this.comparison.data = null;
      return into(this.comparison, () => api.compareDrillRuns({ a, b }));
    },
    async exportReport(runId: string, format: DrillReportFormat) {
      this.exporting = `${runId}:${format}`;
      try {
        const where = await exportReport(runId, format);
        if (where !== null) useUiStore().toast('info', 'Report exported', where);
      } catch (e) {
        useUiStore().toast('error', 'Report not exported', errorText(e));
      } finally {
        this.exporting = null;
      }
    },
    /** A pushed `drill` event. */
    apply(p: DrillProgress) {
      this.progress = p;
      if (p.phase === 'running') return;
      void this.fetchRuns();
      if (p.phase === 'done') {
        void this.select(p.runId);
        useUiStore().toast(p.verdict === 'PASS' ? 'info' : 'error', `Drill ${p.drill}: ${p.verdict ?? ''}`, p.line);
      } else {
        useUiStore().toast('error', `Drill ${p.drill} could not run`, p.error ?? '');
      }
    },
  },
});
