/** ECharts with only the parts the console uses (smaller bundle; no eval, so a strict CSP holds). */
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent, MarkLineComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, MarkLineComponent, CanvasRenderer]);

export { echarts };
export type EChartsOption = echarts.EChartsCoreOption;

export interface Palette {
  text: string;
  muted: string;
  grid: string;
  ok: string;
  low: string;
  high: string;
  series: string[];
}

export function palette(dark: boolean): Palette {
  return dark
    ? { text: '#e6e8eb', muted: '#9aa3ad', grid: '#2c3440', ok: '#3fb950', low: '#d29922', high: '#f85149', series: ['#58a6ff', '#3fb950', '#d29922', '#bc8cff', '#f778ba', '#39c5cf'] }
    : { text: '#1f2328', muted: '#59636e', grid: '#e4e7eb', ok: '#1a7f37', low: '#9a6700', high: '#cf222e', series: ['#0969da', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#1b7c83'] };
}
