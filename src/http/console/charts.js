// Line charts drawn as inline SVG, for the console's throughput and lag (app.js). No library: a
// chart is a few axes, grid lines and one polyline per series.
'use strict';

window.CrdtdbCharts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 720, HEIGHT = 220;
  const LEFT = 56, RIGHT = 12, TOP = 12, BOTTOM = 26;

  function node(tag, attributes, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    if (text !== undefined) element.textContent = text;
    return element;
  }

  // 1, 2 or 5 times a power of ten, at least `value`: round numbers for the top of the y axis.
  function niceCeiling(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  }

  function label(value) {
    const short = (v) => String(parseFloat(v.toFixed(2)));
    if (value >= 1e6) return short(value / 1e6) + 'M';
    if (value >= 1e3) return short(value / 1e3) + 'k';
    return short(value);
  }

  // Draws `series` ([{name, points: [[time_ms, value], ...]}]) into `svg` over the `span_ms`
  // before `now_ms`, and lists the series in `legend`. Points without a value (null) break the line.
  function draw(svg, legend, series, now_ms, span_ms) {
    svg.replaceChildren();
    legend.replaceChildren();
    const plotWidth = WIDTH - LEFT - RIGHT, plotHeight = HEIGHT - TOP - BOTTOM;
    let max = 0;
    for (const s of series) for (const [, v] of s.points) if (v !== null && v > max) max = v;
    svg.dataset.max = max;  // the largest value drawn, for a reader or a test
    const top = niceCeiling(max);
    const x = (t) => LEFT + plotWidth * (1 - (now_ms - t) / span_ms);
    const y = (v) => TOP + plotHeight * (1 - v / top);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      svg.append(node('line', {class: 'grid', x1: LEFT, x2: WIDTH - RIGHT, y1: y(v), y2: y(v)}));
      svg.append(node('text', {x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end'}, label(v)));
    }
    const minutes = Math.round(span_ms / 60000);
    for (let m = 0; m <= minutes; m++) {
      const t = now_ms - m * 60000;
      svg.append(node('text', {x: x(t), y: HEIGHT - 8, 'text-anchor': 'middle'},
                      m === 0 ? 'now' : '-' + m + ' min'));
    }
    svg.append(node('line', {class: 'axis', x1: LEFT, x2: LEFT, y1: TOP, y2: TOP + plotHeight}));
    svg.append(node('line', {class: 'axis', x1: LEFT, x2: WIDTH - RIGHT, y1: TOP + plotHeight,
                             y2: TOP + plotHeight}));
    series.forEach((s, index) => {
      const cls = 'series-' + (index % 6);
      let run = [];
      const flush = () => {
        if (run.length === 1) {  // a point alone: a dot, as a line needs two
          const [cx, cy] = run[0].split(',');
          svg.append(node('circle', {class: cls, cx, cy, r: 1.5}));
        } else if (run.length > 1) {
          svg.append(node('polyline', {class: cls, points: run.join(' ')}));
        }
        run = [];
      };
      for (const [t, v] of s.points) {
        if (v === null || now_ms - t > span_ms) { flush(); continue; }
        run.push(x(t).toFixed(1) + ',' + y(v).toFixed(1));
      }
      flush();
      const latest = s.points.length ? s.points[s.points.length - 1][1] : null;
      const entry = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.className = cls;
      entry.append(swatch, s.name + (latest === null ? '' : ': ' + label(latest)));
      legend.append(entry);
    });
  }

  return {draw};
})();
