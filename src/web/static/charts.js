// SPDX-License-Identifier: Apache-2.0
// Inline SVG charts built element by element (no markup strings): a bar
// sparkline for per-day counts and a labelled bar chart for weekly trends.
import {s} from './dom.js';

// counts: array of numbers (oldest first). A tiny chart with a <title>.
export function sparkline(counts, opts = {}) {
  const w = opts.width || 120, hgt = opts.height || 24;
  const n = counts.length || 1;
  const max = Math.max(1, ...counts);
  const bw = w / n;
  const bars = counts.map((c, i) => {
    const bh = c ? Math.max(1, (c / max) * (hgt - 2)) : 0;
    return s('rect', {x: (i * bw).toFixed(2), y: (hgt - bh).toFixed(2),
                      width: Math.max(1, bw - 1).toFixed(2), height: bh.toFixed(2),
                      class: 'bar'});
  });
  const total = counts.reduce((a, b) => a + b, 0);
  return s('svg', {class: 'spark', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`,
                   role: 'img', 'aria-label': opts.label || `${total} in ${n} days`},
           s('title', {}, opts.label || `${total} in ${n} days`),
           s('line', {x1: 0, y1: hgt - 0.5, x2: w, y2: hgt - 0.5, class: 'axis'}), bars);
}

// points: [{label, value (number or null)}]; fmt formats a value.
export function barChart(title, points, fmt) {
  const w = 360, hgt = 160, pad = {l: 44, r: 8, t: 22, b: 30};
  const vals = points.map((p) => (p.value === null || p.value === undefined ? null : Number(p.value)));
  const max = Math.max(0, ...vals.filter((v) => v !== null));
  const top = max > 0 ? max : 1;
  const iw = w - pad.l - pad.r, ih = hgt - pad.t - pad.b;
  const bw = iw / Math.max(1, points.length);
  const kids = [s('title', {}, title),
    s('text', {x: pad.l, y: 14, class: 'chart-title'}, title),
    s('line', {x1: pad.l, y1: pad.t + ih, x2: w - pad.r, y2: pad.t + ih, class: 'axis'}),
    s('text', {x: pad.l - 4, y: pad.t + 4, class: 'tick', 'text-anchor': 'end'}, fmt(top)),
    s('text', {x: pad.l - 4, y: pad.t + ih, class: 'tick', 'text-anchor': 'end'}, fmt(0))];
  points.forEach((p, i) => {
    const v = vals[i];
    const x = pad.l + i * bw;
    if (v !== null) {
      const bh = (v / top) * ih;
      kids.push(s('rect', {x: (x + 2).toFixed(2), y: (pad.t + ih - bh).toFixed(2),
                           width: Math.max(1, bw - 4).toFixed(2), height: bh.toFixed(2), class: 'bar'},
                  s('title', {}, `${p.label}: ${fmt(v)}`)));
    } else {
      kids.push(s('text', {x: (x + bw / 2).toFixed(2), y: pad.t + ih - 4, class: 'tick',
                           'text-anchor': 'middle'}, '–'));
    }
    if (points.length <= 12 || i % Math.ceil(points.length / 12) === 0) {
      kids.push(s('text', {x: (x + bw / 2).toFixed(2), y: hgt - 12, class: 'tick',
                           'text-anchor': 'middle'}, p.label.replace(/^\d{4}-/, '')));
    }
  });
  return s('svg', {class: 'chart', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img',
                   'aria-label': title}, kids);
}
