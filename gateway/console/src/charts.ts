/**
 * Two small inline SVG charts (no chart library): horizontal bars with their values written beside them, and a step
 * line of a quantity over time with its axis extremes labelled. Each is `role="img"` with a title and a description
 * that states the data, so the chart says the same to a screen reader as to the eye; the data is also in a table
 * or list next to it on the page.
 */
import { s } from './dom';
import { fmtInt, fmtTime } from './dom';
import { t } from './i18n';

/** One bar. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A CSS class giving the bar its colour (contrast ≥ 3:1 against white for graphics, text is separate). */
  readonly tone: 'ok' | 'bad' | 'warn' | 'info';
}

let chartIds = 0;

function frame(title: string, description: string, width: number, height: number): { svg: SVGSVGElement } {
  const id = `chart-${++chartIds}`;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    preserveAspectRatio: 'xMinYMin meet',
  });
  svg.appendChild(s('title', { id: `${id}-title` }, title));
  svg.appendChild(s('desc', { id: `${id}-desc` }, description));
  return { svg };
}

/**
 * Horizontal bars.
 *
 * @param title - What the chart shows.
 * @param bars - The bars, top to bottom.
 */
export function barChart(title: string, bars: readonly Bar[]): SVGSVGElement {
  const width = 480;
  const rowHeight = 34;
  const labelWidth = 130;
  const valueWidth = 80;
  const height = bars.length * rowHeight + 8;
  const { svg } = frame(title, bars.map((b) => `${b.label}: ${b.value}`).join(', '), width, height);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const span = width - labelWidth - valueWidth;
  bars.forEach((bar, i) => {
    const y = 4 + i * rowHeight;
    const w = bar.value === 0 ? 0 : Math.max(2, Math.round((bar.value / max) * span));
    svg.appendChild(s('text', { x: 0, y: y + 21, class: 'chart-label' }, bar.label));
    svg.appendChild(
      s('rect', { x: labelWidth, y: y + 4, width: w, height: rowHeight - 10, rx: 3, class: `bar bar-${bar.tone}` }),
    );
    svg.appendChild(s('text', { x: labelWidth + w + 8, y: y + 21, class: 'chart-value' }, fmtInt(bar.value)));
  });
  return svg;
}

/** A point of a series. */
export interface Point {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly value: number;
}

/**
 * A step line (the value holds until the next point), e.g. a balance after each movement.
 *
 * @param title - What the chart shows.
 * @param points - In time order.
 * @param timeLabels - Label the time axis with date-times (true) or with seconds since the first point (false).
 */
export function stepChart(title: string, points: readonly Point[], timeLabels = true): SVGSVGElement {
  const width = 560;
  const height = 200;
  const left = 56;
  const right = 48; // room for the last value beside the end of the line
  const top = 12;
  const bottom = 40;
  const first = points[0];
  const last = points[points.length - 1];
  const describe =
    first === undefined || last === undefined
      ? t('chart.empty')
      : `${points.length} points; from ${fmtInt(first.value)} to ${fmtInt(last.value)}; ` +
        `min ${fmtInt(Math.min(...points.map((p) => p.value)))}, max ${fmtInt(Math.max(...points.map((p) => p.value)))}`;
  const { svg } = frame(title, describe, width, height);
  if (first === undefined || last === undefined) {
    svg.appendChild(s('text', { x: left, y: height / 2, class: 'chart-label' }, t('chart.empty')));
    return svg;
  }
  const values = points.map((p) => p.value);
  const lo = Math.min(0, ...values);
  const hi = Math.max(1, ...values);
  const t0 = first.at;
  const t1 = Math.max(last.at, t0 + 1);
  const x = (at: number) => left + ((at - t0) / (t1 - t0)) * (width - left - right);
  const y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);

  // Axes and the extremes of each.
  svg.appendChild(s('line', { x1: left, y1: top, x2: left, y2: height - bottom, class: 'axis' }));
  svg.appendChild(s('line', { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: 'axis' }));
  svg.appendChild(s('text', { x: left - 6, y: y(hi) + 4, class: 'chart-tick', 'text-anchor': 'end' }, fmtInt(hi)));
  svg.appendChild(s('text', { x: left - 6, y: y(lo) + 4, class: 'chart-tick', 'text-anchor': 'end' }, fmtInt(lo)));
  const startLabel = timeLabels ? fmtTime(new Date(t0).toISOString()) : '0 s';
  const endLabel = timeLabels ? fmtTime(new Date(t1).toISOString()) : `${Math.round((t1 - t0) / 1000)} s`;
  svg.appendChild(s('text', { x: left, y: height - bottom + 18, class: 'chart-tick' }, startLabel));
  svg.appendChild(
    s('text', { x: width - right, y: height - bottom + 34, class: 'chart-tick', 'text-anchor': 'end' }, endLabel),
  );

  let d = `M ${x(first.at).toFixed(1)} ${y(first.value).toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i]!;
    d += ` H ${x(p.at).toFixed(1)} V ${y(p.value).toFixed(1)}`;
  }
  d += ` H ${x(t1).toFixed(1)}`;
  svg.appendChild(s('path', { d, class: 'line' }));
  const end = s('circle', { cx: x(t1), cy: y(last.value), r: 4, class: 'dot' });
  svg.appendChild(end);
  svg.appendChild(s('text', { x: x(t1) + 8, y: y(last.value) + 5, class: 'chart-value' }, fmtInt(last.value)));
  return svg;
}
