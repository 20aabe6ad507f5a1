import { esc } from './escape';

/** Drawing helpers for the page's SVG charts (charts.ts). Numbers are rounded, so output is stable. */

export interface Chart {
  name: string;
  heading: string;
  /** One line for screen readers: what the chart shows, in numbers. */
  summary: string;
  svg: string;
  /** The same numbers as a table (`<table>…</table>`). */
  table: string;
  /** A line under the chart, if any (already HTML). */
  note?: string;
}

export const fmt = (value: number) => String(Math.round(value * 10) / 10);

/** The smallest "nice" number (1, 2, 5 × 10^n) at or above `max`, and at least 1. */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

export function svgOpen(name: string, width: number, height: number, title: string, summary: string): string {
  const id = `chart-${name}`;
  return (
    `<svg data-chart="${name}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(summary)}</desc>`
  );
}

export function dataTable(
  caption: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const head = header.map((cell) => `<th scope="col">${esc(cell)}</th>`).join('');
  const body = rows
    .map(
      ([first, ...rest]) =>
        `<tr><th scope="row">${esc(first ?? '')}</th>${rest.map((cell) => `<td>${esc(cell)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table class="data"><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function rect(
  attrs: { x: number; y: number; width: number; height: number },
  extra: string,
  title: string,
) {
  return (
    `<rect x="${fmt(attrs.x)}" y="${fmt(attrs.y)}" width="${fmt(attrs.width)}" height="${fmt(attrs.height)}" ${extra}>` +
    `<title>${esc(title)}</title></rect>`
  );
}

export const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Gridlines at zero, half and the top of the scale, labelled on the left. */
export function axis(left: number, top: number, plotWidth: number, plotHeight: number, max: number): string {
  const ticks = max % 2 === 0 ? [0, max / 2, max] : [0, max];
  return ticks
    .map((tick) => {
      const y = top + plotHeight - (tick / max) * plotHeight;
      return (
        `<line class="grid" x1="${left}" x2="${left + plotWidth}" y1="${fmt(y)}" y2="${fmt(y)}"/>` +
        `<text class="tick" x="${left - 6}" y="${fmt(y + 4)}" text-anchor="end">${fmt(tick)}</text>`
      );
    })
    .join('');
}
