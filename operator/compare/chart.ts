/**
 * The report's chart as a standalone SVG (no browser or library needed to make or view it): L1 gas
 * per transfer against batch size, both axes logarithmic, one line per system. Filled markers are
 * sizes at which a transaction of that size was sent in the run; hollow ones are derived from
 * measured parts (the method is in the report's table).
 */
import type { ScalingPoint } from "./types";

export interface ChartSeries {
  label: string;
  color: string;
  points: readonly ScalingPoint[];
}

const WIDTH = 820;
const HEIGHT = 440;
const MARGIN = { left: 78, right: 240, top: 40, bottom: 58 };

/** Powers of ten covering [min, max]. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function tickLabel(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

/** Renders the series; throws on a non-positive value (it cannot sit on a log axis). */
export function scalingChart(title: string, series: readonly ChartSeries[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error("nothing to chart");
  for (const p of all)
    if (!(p.size > 0 && p.gasPerTransfer > 0))
      throw new Error(
        `a log chart needs positive values (size ${p.size}, gas ${p.gasPerTransfer})`,
      );
  const xs = decades(Math.min(...all.map((p) => p.size)), Math.max(...all.map((p) => p.size)));
  const ys = decades(
    Math.min(...all.map((p) => p.gasPerTransfer)),
    Math.max(...all.map((p) => p.gasPerTransfer)),
  );
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lx = (v: number): number =>
    MARGIN.left +
    ((Math.log10(v) - Math.log10(xs[0])) / (Math.log10(xs.at(-1)!) - Math.log10(xs[0]) || 1)) *
      plotW;
  const ly = (v: number): number =>
    MARGIN.top +
    plotH -
    ((Math.log10(v) - Math.log10(ys[0])) / (Math.log10(ys.at(-1)!) - Math.log10(ys[0]) || 1)) *
      plotH;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const x of xs) {
    out.push(
      `<line x1="${f(lx(x))}" y1="${MARGIN.top}" x2="${f(lx(x))}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`,
      `<text x="${f(lx(x))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${tickLabel(x)}</text>`,
    );
  }
  for (const y of ys) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${f(ly(y))}" x2="${MARGIN.left + plotW}" y2="${f(ly(y))}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${f(ly(y) + 4)}" text-anchor="end">${tickLabel(y)}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">transfers per batch, block or channel lifetime (log)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">L1 gas per transfer (log)</text>`,
  );
  for (const [i, s] of series.entries()) {
    const pts = [...s.points].sort((a, b) => a.size - b.size);
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${f(lx(p.size))},${f(ly(p.gasPerTransfer))}`).join(" ")}"/>`,
    );
    for (const p of pts) {
      const measured = p.method.startsWith("measured");
      out.push(
        `<circle cx="${f(lx(p.size))}" cy="${f(ly(p.gasPerTransfer))}" r="4" stroke="${s.color}" stroke-width="2" fill="${measured ? s.color : "white"}"><title>${escape(`${s.label}: ${p.gasPerTransfer.toLocaleString("en-US")} gas per transfer at ${p.size.toLocaleString("en-US")} (${p.method})`)}</title></circle>`,
      );
    }
    const ly0 = MARGIN.top + 10 + i * 22;
    const lx0 = MARGIN.left + plotW + 16;
    out.push(
      `<line x1="${lx0}" y1="${ly0}" x2="${lx0 + 22}" y2="${ly0}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx0 + 28}" y="${ly0 + 4}">${escape(s.label)}</text>`,
    );
  }
  const ky = MARGIN.top + 10 + series.length * 22 + 10;
  const kx = MARGIN.left + plotW + 16;
  out.push(
    `<circle cx="${kx + 11}" cy="${ky}" r="4" fill="#555" stroke="#555" stroke-width="2"/>`,
    `<text x="${kx + 28}" y="${ky + 4}">measured</text>`,
    `<circle cx="${kx + 11}" cy="${ky + 20}" r="4" fill="white" stroke="#555" stroke-width="2"/>`,
    `<text x="${kx + 28}" y="${ky + 24}">derived from measured parts</text>`,
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}
