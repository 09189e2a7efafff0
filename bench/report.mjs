// Statistics, Markdown tables and the herd chart for run.mjs. No dependencies.

export const median = (values) => {
  const sorted = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const finite = (values) => values.filter((v) => typeof v === "number" && Number.isFinite(v));

/** { median, min, max } of the finite values (undefined fields when there are none). */
export function summary(values) {
  const ok = finite(values);
  return { median: median(ok), min: ok.length ? Math.min(...ok) : undefined, max: ok.length ? Math.max(...ok) : undefined, n: ok.length };
}

/** The p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The largest number of sorted times (ms) inside any window of `width` ms. */
export function peakInWindow(sorted, width) {
  let peak = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= width) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

// ---- formatting -------------------------------------------------------------

export const fmtInt = (n) => (n === undefined ? "—" : Math.round(n).toLocaleString("en-US"));
export const fmtFixed = (n, digits = 1) => (n === undefined ? "—" : n.toFixed(digits));
export const fmtBytes = (n) => (n === undefined ? "—" : `${(n / 1024).toFixed(2)} kB`);
export const fmtRatio = (n) => (n === undefined || !Number.isFinite(n) ? "—" : `${n.toFixed(2)}×`);
export const fmtSeconds = (ms) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);

/** "median (min–max)" with one formatter. */
export function fmtRange(s, fmt) {
  if (!s || s.median === undefined) return "—";
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function table(head, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

// ---- the herd chart ---------------------------------------------------------

const COLORS = { lifeline: "#2563eb", partysocket: "#dc2626", "reconnecting-websocket": "#d97706" };

function niceCeiling(n) {
  for (let magnitude = 1; magnitude <= 1e6; magnitude *= 10) {
    for (const step of [1, 2, 5]) if (step * magnitude >= n) return step * magnitude;
  }
  return n;
}

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);

/**
 * Reconnects per 100 ms over time, one step line per library.
 * series: Array<{ lib, label, note?, times }>, times in ms since the restart.
 */
export function herdSvg(series, { title, binMs = 100 }) {
  const W = 800;
  const H = 380;
  const m = { left: 60, right: 250, top: 40, bottom: 50 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const lastTime = Math.max(1000, ...series.flatMap((s) => s.times));
  const xMax = Math.ceil(lastTime / 1000 + 0.25) * 1000;
  const bins = Math.ceil(xMax / binMs);
  const counts = series.map((s) => {
    const c = new Array(bins).fill(0);
    for (const t of s.times) c[Math.min(bins - 1, Math.max(0, Math.floor(t / binMs)))]++;
    return c;
  });
  const yMax = niceCeiling(Math.max(10, ...counts.flat()));
  const x = (ms) => m.left + (ms / xMax) * pw;
  const y = (n) => m.top + ph - (n / yMax) * ph;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="22" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
  );
  // grid and axes
  const xStep = xMax > 10_000 ? 2000 : xMax > 5_000 ? 1000 : 500;
  for (let t = 0; t <= xMax; t += xStep) {
    out.push(`<line x1="${x(t)}" y1="${m.top}" x2="${x(t)}" y2="${m.top + ph}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${x(t)}" y="${m.top + ph + 16}" text-anchor="middle" fill="#374151">${t / 1000}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const n = (yMax / 5) * i;
    out.push(`<line x1="${m.left}" y1="${y(n)}" x2="${m.left + pw}" y2="${y(n)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${y(n) + 4}" text-anchor="end" fill="#374151">${n}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#9ca3af"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle" fill="#111827">seconds since the server came back</text>`);
  out.push(
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#111827">reconnects per ${binMs} ms</text>`,
  );
  // one step line per library
  series.forEach((s, k) => {
    const color = COLORS[s.lib] ?? "#4b5563";
    let d = `M${x(0).toFixed(1)},${y(0).toFixed(1)}`;
    counts[k].forEach((n, i) => {
      d += ` L${x(i * binMs).toFixed(1)},${y(n).toFixed(1)} L${x((i + 1) * binMs).toFixed(1)},${y(n).toFixed(1)}`;
    });
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.75" stroke-linejoin="round"/>`);
    const ly = m.top + 10 + k * 40;
    out.push(`<line x1="${m.left + pw + 16}" y1="${ly}" x2="${m.left + pw + 40}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + pw + 46}" y="${ly + 4}" fill="#111827">${escapeXml(s.label)}</text>`);
    if (s.note) out.push(`<text x="${m.left + pw + 46}" y="${ly + 20}" fill="#4b5563" font-size="11">${escapeXml(s.note)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
