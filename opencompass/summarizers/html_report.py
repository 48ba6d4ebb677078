"""``summary/report_<timestamp>.html``: one self-contained page about a run.

No network access is needed to view it (no CDN, no external fonts): the score
table, an inline-SVG bar chart of scores per model and dataset, an optional
comparison with another run, timings per task, sample and token counts, the
failures with the end of their logs, the run's configuration (secrets redacted),
and per-sample details with search and filter (inline JavaScript).
"""
from __future__ import annotations

import html
import json
import os
import pprint
from typing import Any

from ..runners.records import load_records
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_text, read_json, read_json_cached
from ..utils.serialize import redact
from .html_assets import CHART_COLORS, PAGE_SCRIPT, PAGE_STYLE
from .missing import OutputListing, tail, token_counts

MAX_SAMPLES = 500      # per model and dataset, in the details section
MAX_TEXT = 2000        # characters per detail field


def esc(value: Any) -> str:
    return html.escape('' if value is None else str(value), quote=True)


def write_html_report(run_dir: str, cfg: dict[str, Any], header: list[str],
                      rows: list[list[Any]], missing: dict[tuple[str, str], Any],
                      time_str: str, compare: dict[str, Any] | None = None) -> str:
    """Write the report; return its path."""
    records = load_records(run_dir)
    sections = [
        ('scores', 'Scores', score_table(header, rows, missing)),
        ('chart', 'Chart', bar_chart(header, rows)),
    ]
    if compare:
        sections.append(('compare', f"Compared with {esc(compare['other'])}",
                         plain_table(compare['header'], compare['rows'])))
    sections += [
        ('timings', 'Timings per task', timings_table(records)),
        ('samples', 'Samples and tokens', samples_table(run_dir, cfg)),
        ('failures', 'Failures', failures_section(records, missing, run_dir)),
        ('details', 'Per-sample details', details_section()),
        ('config', 'Configuration', f'<pre>{esc(_config_text(cfg))}</pre>'),
    ]
    nav = ' '.join(f'<a href="#{sid}">{title}</a>' for sid, title, _ in sections)
    body = '\n'.join(f'<section id="{sid}"><h2>{title}</h2>\n{content}</section>'
                     for sid, title, content in sections)
    data = json.dumps(collect_details(run_dir, cfg), ensure_ascii=False).replace('</', '<\\/')
    name = os.path.basename(run_dir.rstrip(os.sep))
    page = f'''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation report {esc(name)}</title>
<style>{PAGE_STYLE}</style></head>
<body>
<header><h1>Evaluation report</h1>
<p class="meta">run <code>{esc(run_dir)}</code> &middot; report written {esc(time_str)} &middot;
{len(cfg.get('models', []))} model(s) &times; {len(cfg.get('datasets', []))} dataset(s)</p>
<nav>{nav}</nav></header>
<main>
{body}
</main>
<script type="application/json" id="details-data">{data}</script>
<script>{PAGE_SCRIPT}</script>
</body></html>
'''
    path = os.path.join(run_dir, 'summary', f'report_{time_str}.html')
    atomic_write_text(path, page)
    return path


def score_table(header: list[str], rows: list[list[Any]],
                missing: dict[tuple[str, str], Any]) -> str:
    if not rows:
        return '<p>No scores.</p>'
    out = ['<table id="score-table" class="scores"><thead><tr>']
    out += [f'<th>{esc(h)}</th>' for h in header]
    out.append('</tr></thead><tbody>')
    for row in rows:
        out.append('<tr>')
        for col, value in enumerate(row):
            why = missing.get((str(row[0]), header[col])) if col >= 4 else None
            if value == '-' and why is not None:
                out.append(f'<td class="missing" title="{esc(why.detail)}">- '
                           f'<span class="why">{esc(why.short)}</span></td>')
            else:
                cls = ' class="num"' if col >= 4 else ''
                out.append(f'<td{cls}>{esc(value)}</td>')
        out.append('</tr>')
    out.append('</tbody></table>')
    return ''.join(out)


def plain_table(header: list[str], rows: list[list[Any]], table_id: str = '') -> str:
    if not rows:
        return '<p>Nothing to show.</p>'
    attr = f' id="{table_id}"' if table_id else ''
    head = ''.join(f'<th>{esc(h)}</th>' for h in header)
    body = ''.join('<tr>' + ''.join(f'<td>{esc(v)}</td>' for v in row) + '</tr>' for row in rows)
    return f'<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def bar_chart(header: list[str], rows: list[list[Any]]) -> str:
    """Grouped bars: one group per dataset row, one bar per model (inline SVG)."""
    models = header[4:]
    groups = []
    for row in rows:
        values = [_number(v) for v in row[4:]]
        if any(v is not None for v in values):
            groups.append((str(row[0]), str(row[2]), values))
    if not groups:
        return '<p>No numeric scores to chart.</p>'
    top = max(v for _, _, vals in groups for v in vals if v is not None)
    ymax = 100.0 if top <= 100 else top * 1.1
    bar, gap, left, plot_h, top_pad = 22, 26, 48, 240, 20
    group_w = len(models) * bar + gap
    width = max(480, left + len(groups) * group_w + 20)
    height = top_pad + plot_h + 110 + 16 * ((len(models) - 1) // 6)
    parts = [f'<svg id="score-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="scores per model and dataset">']
    for i in range(6):
        y = top_pad + plot_h - plot_h * i / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{ymax * i / 5:.0f}</text>')
    for g, (name, metric, values) in enumerate(groups):
        x0 = left + gap / 2 + g * group_w
        for m, value in enumerate(values):
            if value is None:
                continue
            h = plot_h * max(0.0, value) / ymax
            x, y = x0 + m * bar, top_pad + plot_h - h
            color = CHART_COLORS[m % len(CHART_COLORS)]
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar - 2}" '
                         f'height="{h:.1f}" fill="{color}"><title>{esc(models[m])} on '
                         f'{esc(name)} ({esc(metric)}): {value:.2f}</title></rect>')
            parts.append(f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 3:.1f}" font-size="9" '
                         f'text-anchor="middle">{value:.0f}</text>')
        label_x = x0 + len(models) * bar / 2
        label_y = top_pad + plot_h + 14  # rotated, so long names do not overlap
        parts.append(f'<text x="{label_x:.1f}" y="{label_y}" font-size="11" text-anchor="end" '
                     f'transform="rotate(-35 {label_x:.1f} {label_y})">{esc(name[:24])}</text>')
    for m, model in enumerate(models):
        x = left + (m % 6) * 130
        y = top_pad + plot_h + 100 + (m // 6) * 16
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                     f'fill="{CHART_COLORS[m % len(CHART_COLORS)]}"/>'
                     f'<text x="{x + 14}" y="{y}" font-size="11">{esc(model[:18])}</text>')
    parts.append('</svg>')
    return '<div class="chart">' + ''.join(parts) + '</div>'


def timings_table(records: list[dict[str, Any]]) -> str:
    if not records:
        return '<p>No task records (status/tasks.json) in this run.</p>'
    rows = [[r.get('stage'), r.get('short_name') or r.get('name'),
             'ok' if r.get('ok') else f"failed (exit {r.get('returncode')})", r.get('attempts'),
             f"{float(r.get('seconds') or 0):.1f}", r.get('log_path')]
            for r in sorted(records, key=lambda r: (r.get('stage') != 'infer',
                                                    -float(r.get('seconds') or 0)))]
    total = sum(float(r.get('seconds') or 0) for r in records)
    return (plain_table(['stage', 'task', 'status', 'attempts', 'seconds', 'log'], rows,
                        'timings-table') + f'<p>Task time in total: {total:.1f} s.</p>')


def samples_table(run_dir: str, cfg: dict[str, Any]) -> str:
    rows = []
    for m in cfg.get('models', []):
        for d in cfg.get('datasets', []):
            res = _result(run_dir, m, d)
            if res is None:
                continue
            tokens = token_counts(res)
            rows.append([model_abbr(m), dataset_abbr(d), res.get('num_samples', '-'),
                         res.get('num_failed', 0), tokens.get('prompt_tokens', 'unknown'),
                         tokens.get('completion_tokens', 'unknown')])
    return plain_table(['model', 'dataset', 'samples', 'failed samples', 'prompt tokens',
                        'completion tokens'], rows)


def failures_section(records: list[dict[str, Any]], missing: dict[tuple[str, str], Any],
                     run_dir: str) -> str:
    failed = [r for r in records if not r.get('ok')]
    out = []
    if missing:
        items = ''.join(f'<li><b>{esc(model)} / {esc(ds)}</b>: {esc(why.detail)}'
                        + (f' &mdash; <code>{esc(why.log_path)}</code>' if why.log_path else '')
                        + '</li>' for (ds, model), why in missing.items())
        out.append(f'<p>Why scores are missing:</p><ul>{items}</ul>')
    for r in failed:
        lines = '\n'.join(tail(r.get('log_path', ''), 15))
        out.append(f"<h3>{esc(r.get('name'))} (exit {esc(r.get('returncode'))})</h3>"
                   f"<p>{esc(r.get('error'))}<br>log: <code>{esc(r.get('log_path'))}</code></p>"
                   f'<pre class="log">{esc(lines)}</pre>')
    return ''.join(out) or '<p>No failures.</p>'


def details_section() -> str:
    return ('<div class="controls"><label>dataset <select id="details-select"></select></label>'
            ' <label>search <input id="details-search" type="search" '
            'placeholder="text in any field"></label>'
            ' <label>show <select id="details-filter"><option value="all">all</option>'
            '<option value="correct">correct</option><option value="wrong">wrong</option>'
            '</select></label> <span id="details-count"></span></div>'
            '<p id="details-note" class="meta"></p>'
            '<div class="scroll"><table id="details-table"><thead></thead><tbody></tbody>'
            '</table></div>')


def collect_details(run_dir: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """``{'MODEL / DATASET': {'rows': [...], 'total': n}}`` for results with details."""
    out: dict[str, Any] = {}
    listing = OutputListing()
    for m in cfg.get('models', []):
        for d in cfg.get('datasets', []):
            res = _result(run_dir, m, d)
            details = res.get('details') if res else None
            if not isinstance(details, list) or not details:
                continue
            prompts = _prompts(run_dir, model_abbr(m), dataset_abbr(d), listing)
            rows = []
            for i, item in enumerate(details[:MAX_SAMPLES]):
                item = item if isinstance(item, dict) else {'value': item}
                sid = str(item.get('id', i))
                row = {'id': sid}
                if sid in prompts:
                    row['prompt'] = prompts[sid]
                row.update({k: _short(v) for k, v in item.items() if k != 'id'})
                rows.append(row)
            out[f'{model_abbr(m)} / {dataset_abbr(d)}'] = {'rows': rows, 'total': len(details)}
    return out


def _prompts(run_dir: str, model: str, dataset: str, listing: OutputListing) -> dict[str, str]:
    folder = os.path.join(run_dir, 'predictions', model)
    prompts: dict[str, str] = {}
    for name in listing.files(folder, dataset, '.json'):
        try:
            data = read_json(os.path.join(folder, name))
        except (OSError, ValueError):
            continue
        for sid, rec in (data.items() if isinstance(data, dict) else ()):
            if isinstance(rec, dict) and 'origin_prompt' in rec:
                prompts[str(sid)] = _short(rec['origin_prompt'])
    return prompts


def _short(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + ' [...]'


def _result(run_dir: str, model: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any] | None:
    try:
        res = read_json_cached(os.path.join(run_dir, 'results', model_abbr(model),
                                     f'{dataset_abbr(dataset)}.json'))
    except (OSError, ValueError):
        return None
    return res if isinstance(res, dict) else None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _config_text(cfg: dict[str, Any]) -> str:
    return '\n'.join(f'{k} = {pprint.pformat(v, width=100, sort_dicts=False)}'
                     for k, v in redact(cfg).items())
