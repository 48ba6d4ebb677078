"""The inline CSS and JavaScript of the HTML report (kept apart from the Python that fills it)."""

CHART_COLORS = ('#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1',
                '#ff9da7', '#9c755f', '#bab0ac')

PAGE_STYLE = '''
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #222; background: #fafafa; }
header { background: #24344d; color: #fff; padding: 12px 24px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header a { color: #cfe0ff; margin-right: 12px; }
header code { color: #fff; }
.meta { color: #888; font-size: 13px; }
header .meta { color: #cdd; }
main { padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px 16px;
          margin: 16px 0; overflow-x: auto; }
h2 { font-size: 17px; margin: 8px 0; }
h3 { font-size: 14px; margin: 12px 0 4px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f3f7; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.missing { color: #b03030; }
td.missing .why { font-size: 11px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 480px; }
pre.log { max-height: 260px; }
.controls { margin: 6px 0; font-size: 13px; }
.controls input { width: 240px; }
.scroll { max-height: 600px; overflow: auto; }
#details-table td { max-width: 480px; white-space: pre-wrap; word-break: break-word; }
tr.wrong td { background: #fff3f3; }
tr.right td { background: #f3fff4; }
'''

# Renders the per-sample details from the JSON block: pick a dataset, search, filter.
PAGE_SCRIPT = r'''
(function () {
  var data = JSON.parse(document.getElementById('details-data').textContent || '{}');
  var select = document.getElementById('details-select');
  var search = document.getElementById('details-search');
  var filter = document.getElementById('details-filter');
  var table = document.getElementById('details-table');
  var count = document.getElementById('details-count');
  var note = document.getElementById('details-note');
  var keys = Object.keys(data);
  if (!keys.length) { note.textContent = 'No per-sample details in the results.'; return; }
  keys.forEach(function (k) {
    var o = document.createElement('option'); o.value = k; o.textContent = k;
    select.appendChild(o);
  });
  function columns(rows) {
    var cols = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (c) {
      if (cols.indexOf(c) < 0) cols.push(c); }); });
    return cols;
  }
  function render() {
    var entry = data[select.value] || {rows: [], total: 0};
    var rows = entry.rows, cols = columns(rows);
    var q = search.value.toLowerCase(), mode = filter.value;
    var head = document.createElement('tr');
    cols.forEach(function (c) { var th = document.createElement('th');
      th.textContent = c; head.appendChild(th); });
    table.tHead.innerHTML = ''; table.tHead.appendChild(head);
    var body = table.tBodies[0]; body.innerHTML = '';
    var shown = 0;
    rows.forEach(function (r) {
      if (mode === 'correct' && r.correct !== true) return;
      if (mode === 'wrong' && r.correct !== false) return;
      if (q && JSON.stringify(r).toLowerCase().indexOf(q) < 0) return;
      var tr = document.createElement('tr');
      if (r.correct === true) tr.className = 'right';
      if (r.correct === false) tr.className = 'wrong';
      cols.forEach(function (c) { var td = document.createElement('td');
        var v = r[c]; td.textContent = v === undefined || v === null ? '' : String(v);
        tr.appendChild(td); });
      body.appendChild(tr); shown += 1;
    });
    count.textContent = shown + ' of ' + rows.length + ' sample(s) shown';
    note.textContent = entry.total > rows.length ?
      'Only the first ' + rows.length + ' of ' + entry.total + ' samples are embedded.' : '';
  }
  // a link may preselect the view: report.html#dataset=MODEL%20%2F%20DATA&q=text&show=wrong
  var params = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var i = kv.indexOf('=');
    if (i > 0) params[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
  });
  if (params.dataset && data[params.dataset]) select.value = params.dataset;
  if (params.q) search.value = params.q;
  if (params.show) filter.value = params.show;
  select.addEventListener('change', render);
  search.addEventListener('input', render);
  filter.addEventListener('change', render);
  render();
})();
'''
