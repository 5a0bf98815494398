"""Small inline-SVG charts for the HTML report: no library, no script, no network.

Every chart is a function from plain data to an `<svg>` string. Axes are linear or logarithmic
(lags span milliseconds to the length of a partition, so they are drawn on a log scale).
"""

import math
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
FAULT_FILL = "#f2c94c"
MARGIN = {"left": 56, "right": 12, "top": 26, "bottom": 34}


class Scale:
    """Maps a data interval to a pixel interval, linearly or logarithmically."""

    def __init__(self, low, high, pixel_low, pixel_high, log=False):
        self.log = log
        if log:
            low, high = math.log10(max(low, 1e-9)), math.log10(max(high, 1e-9))
        if high <= low:
            high = low + 1
        self.low, self.high, self.pixel_low, self.pixel_high = low, high, pixel_low, pixel_high

    def __call__(self, value):
        if self.log:
            value = math.log10(max(value, 10 ** self.low))
        fraction = (value - self.low) / (self.high - self.low)
        return self.pixel_low + fraction * (self.pixel_high - self.pixel_low)

    def ticks(self):
        if self.log:
            candidates = [m * 10 ** e for e in range(-1, 7) for m in (1, 3)]
            return [t for t in candidates if self.low <= math.log10(t) <= self.high]
        step = _nice_step((self.high - self.low) / 6)
        first = math.ceil(self.low / step) * step
        return [first + i * step for i in range(int((self.high - first) / step) + 1)]


def lag_timeline(title, points, windows, latency_ms, x_max, y_max, width=460, height=200):
    """Lag (ms, log) against time (s): `points` [(t, lag_ms, during_fault)], fault `windows`
    [(start, end, label)] shaded, the imposed latency dashed."""
    x, y = _scales(width, height, 0, x_max, 10, y_max, log_y=True)
    parts = [_shade(x, y, windows, height)]
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(x_max):.1f}" y1="{y(latency_ms):.1f}" '
                 f'y2="{y(latency_ms):.1f}" stroke="#555" stroke-dasharray="4 3"/>')
    for t, lag_ms, faulted in points:
        color = PALETTE[4] if faulted else PALETTE[0]
        parts.append(f'<circle cx="{x(t):.1f}" cy="{y(max(lag_ms, 10)):.1f}" r="1.8" fill="{color}"/>')
    parts.append(_axes(x, y, "time since the writes started (s)", "lag (ms)", width, height))
    return _svg(title, width, height, parts)


def cdf(title, series, width=520, height=260):
    """Cumulative distributions: `series` [(label, values)], x on a log scale (ms)."""
    values = [v for _, vs in series for v in vs]
    x, y = _scales(width, height, max(1.0, min(values, default=1)), max(values, default=10) * 1.2,
                   0, 100, log_x=True)
    parts = []
    for i, (label, vs) in enumerate(series):
        ordered = sorted(vs)
        if not ordered:
            continue
        path = " ".join(f"{x(v):.1f},{y(100.0 * (k + 1) / len(ordered)):.1f}" for k, v in enumerate(ordered))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" '
                     f'stroke-width="1.6"/>')
    parts.append(_axes(x, y, "lag (ms, log scale)", "% of writes", width, height))
    parts.append(_legend([label for label, _ in series], width - MARGIN["right"] - 170,
                         height - MARGIN["bottom"] - 8 - 13 * len(series)))
    return _svg(title, width, height, parts)


def horizontal_bars(title, bars, unit, width=520):
    """`bars` [(label, value or None)]; None is drawn as 'never'."""
    height = MARGIN["top"] + 24 * len(bars) + MARGIN["bottom"]
    top = max([v for _, v in bars if v is not None] + [0.1])
    label_width = 190
    x = Scale(0, top * 1.15, label_width, width - MARGIN["right"])
    parts = []
    for i, (label, value) in enumerate(bars):
        row_y = MARGIN["top"] + 24 * i
        parts.append(f'<text x="{label_width - 6}" y="{row_y + 15}" text-anchor="end" font-size="11">'
                     f'{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{row_y + 15}" font-size="11" fill="{PALETTE[1]}">'
                         f'never</text>')
            continue
        parts.append(f'<rect x="{label_width}" y="{row_y + 4}" width="{max(1.0, x(value) - label_width):.1f}" '
                     f'height="15" fill="{PALETTE[2]}"/>')
        parts.append(f'<text x="{x(value) + 4:.1f}" y="{row_y + 15}" font-size="11">{value:.2f} {unit}</text>')
    return _svg(title, width, height, parts)


def lines(title, series, windows, x_max, y_label, width=520, height=220):
    """Step-free line chart: `series` [(label, [(t, value)])], fault `windows` shaded."""
    values = [v for _, pts in series for _, v in pts]
    x, y = _scales(width, height, 0, x_max, 0, max(values, default=1) * 1.1)
    parts = [_shade(x, y, windows, height)]
    for i, (label, pts) in enumerate(series):
        if pts:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" '
                         f'stroke-width="1.6"/>')
    parts.append(_axes(x, y, "time since the writes started (s)", y_label, width, height))
    parts.append(_legend([label for label, _ in series], MARGIN["left"] + 8, MARGIN["top"] + 14))
    return _svg(title, width, height, parts)


def _scales(width, height, x_low, x_high, y_low, y_high, log_x=False, log_y=False):
    x = Scale(x_low, x_high, MARGIN["left"], width - MARGIN["right"], log=log_x)
    y = Scale(y_low, y_high, height - MARGIN["bottom"], MARGIN["top"], log=log_y)
    return x, y


def _shade(x, y, windows, height):
    parts = []
    for start, end, label in windows:
        left, right = x(start), x(end)
        parts.append(f'<rect x="{left:.1f}" y="{MARGIN["top"]}" width="{max(1.0, right - left):.1f}" '
                     f'height="{height - MARGIN["top"] - MARGIN["bottom"]}" fill="{FAULT_FILL}" '
                     f'opacity="0.45"><title>{escape(label)}</title></rect>')
        parts.append(f'<text x="{left + 2:.1f}" y="{MARGIN["top"] + 10}" font-size="9" fill="#7a5c00">'
                     f'{escape(label)}</text>')
    return "".join(parts)


def _axes(x, y, x_label, y_label, width, height):
    bottom, left = height - MARGIN["bottom"], MARGIN["left"]
    parts = [f'<line x1="{left}" x2="{width - MARGIN["right"]}" y1="{bottom}" y2="{bottom}" stroke="#333"/>',
             f'<line x1="{left}" x2="{left}" y1="{MARGIN["top"]}" y2="{bottom}" stroke="#333"/>']
    for t in x.ticks():
        parts.append(f'<text x="{x(t):.1f}" y="{bottom + 13}" font-size="10" text-anchor="middle">{_num(t)}</text>')
    for t in y.ticks():
        parts.append(f'<line x1="{left}" x2="{width - MARGIN["right"]}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y(t) + 3:.1f}" font-size="10" text-anchor="end">{_num(t)}</text>')
    parts.append(f'<text x="{(left + width) / 2:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{(MARGIN["top"] + bottom) / 2:.1f}" font-size="10" text-anchor="middle" '
                 f'transform="rotate(-90 12 {(MARGIN["top"] + bottom) / 2:.1f})">{escape(y_label)}</text>')
    return "".join(parts)


def _legend(labels, x, top):
    parts = []
    for i, label in enumerate(labels):
        y = top + 13 * i
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="3" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{y + 5}" font-size="10">{escape(label)}</text>')
    return "".join(parts)


def _svg(title, width, height, parts):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" role="img">'
            f'<title>{escape(title)}</title>'
            f'<text x="{MARGIN["left"]}" y="15" font-size="12" font-weight="bold">{escape(title)}</text>'
            + "".join(parts) + "</svg>")


def _nice_step(raw):
    if raw <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _num(value):
    if value >= 1000 and value % 1000 == 0:
        return f"{value / 1000:g}k"
    return f"{value:g}"
