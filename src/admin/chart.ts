// Bar charts drawn on the server as inline SVG: no chart library, no script,
// nothing from another origin (docs/decisions.md, "Admin charts"). Only the
// bars are SVG, stretched to the width available; the labels are HTML, so
// they keep their size on a phone. The numbers are also a table.
import { html, type SafeHtml } from '../web/html.js';

export interface ChartPoint {
  /** What the bar stands for, as the table and the tooltip say it (a date). */
  label: string;
  /** Shorter, for the axis under the chart. */
  shortLabel: string;
  value: number;
}

export interface BarChartOptions {
  /** Unique on the page: the SVG's title and description are referred to by id. */
  id: string;
  title: string;
  /** The column heading of the numbers in the table ("Sign-ups"). */
  unit: string;
  points: ChartPoint[];
}

const WIDTH = 300;
const HEIGHT = 100;
/** Part of each bar's slot left empty between bars. */
const GAP = 0.2;

/** A round number at or above `max`, so the top gridline reads well (1, 2, 5, 10, 20, 50…). */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= max)!;
  return step * magnitude;
}

/** One sentence for screen readers: the span, the total and the busiest point. */
export function summarise(points: ChartPoint[]): string {
  if (points.length === 0) return 'No data.';
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const span = `From ${points[0]!.label} to ${points[points.length - 1]!.label}`;
  if (total === 0) return `${span}: none.`;
  const busiest = points.reduce((best, p) => (p.value > best.value ? p : best));
  return `${span}: ${total} in all; the most, ${busiest.value}, on ${busiest.label}.`;
}

export function barChart(o: BarChartOptions): SafeHtml {
  const top = niceCeiling(Math.max(0, ...o.points.map((p) => p.value)));
  const slot = WIDTH / Math.max(1, o.points.length);
  const bars = o.points.map((p, i) => {
    if (p.value === 0) return '';
    const height = (p.value / top) * HEIGHT;
    return html`<rect class="bar" x="${(i * slot + (slot * GAP) / 2).toFixed(2)}" y="${(HEIGHT - height).toFixed(2)}" width="${(slot * (1 - GAP)).toFixed(2)}" height="${height.toFixed(2)}"><title>${p.label}: ${p.value}</title></rect>`;
  });
  const first = o.points[0];
  const last = o.points[o.points.length - 1];
  return html`<div class="chart">
<div class="chart-plot">
<div class="chart-scale" aria-hidden="true"><span>${top}</span><span>${top % 2 === 0 ? top / 2 : ''}</span><span>0</span></div>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" focusable="false">
<title id="${o.id}-title">${o.title}</title>
<desc id="${o.id}-desc">${summarise(o.points)}</desc>
<line class="grid" x1="0" y1="0.5" x2="${WIDTH}" y2="0.5" vector-effect="non-scaling-stroke"></line>
<line class="grid" x1="0" y1="${HEIGHT / 2}" x2="${WIDTH}" y2="${HEIGHT / 2}" vector-effect="non-scaling-stroke"></line>
${bars}
<line class="axis" x1="0" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}" vector-effect="non-scaling-stroke"></line>
</svg>
<div class="chart-dates" aria-hidden="true"><span>${first?.shortLabel}</span><span>${last?.shortLabel}</span></div>
</div>
<details><summary>${o.title}: the numbers</summary>
<table class="admin"><thead><tr><th scope="col">Day</th><th scope="col">${o.unit}</th></tr></thead>
<tbody>${o.points.map((p) => html`<tr><td>${p.label}</td><td class="number">${p.value}</td></tr>`)}</tbody></table>
</details>
</div>`;
}
