// promctl's web page: expression browser (table + graph), alerts, targets, config.
// Plain JavaScript, no build step; charts with uPlot. Everything user-supplied is escaped.
'use strict';

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const COLORS = ['#e6522c', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#d62728'];

async function api(path, params) {
  const body = params ? new URLSearchParams(params) : undefined;
  const res = await fetch('/api/v1/' + path, body ? { method: 'POST', body } : undefined);
  let json;
  try {
    json = await res.json();
  } catch {
    throw new Error(`${res.status} ${res.statusText}`);
  }
  if (json.status !== 'success') throw new Error(json.error || 'request failed');
  return json;
}

function metricName(m) {
  const name = m.__name__ || '';
  const labels = Object.keys(m)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${m[k]}"`);
  return labels.length ? `${name}{${labels.join(', ')}}` : name || '{}';
}

// ---- routing
function show(page) {
  document.querySelectorAll('.page').forEach((p) => (p.hidden = p.id !== 'page-' + page));
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === page));
  if (page === 'targets') loadTargets();
  if (page === 'alerts') loadAlerts();
  if (page === 'config') loadConfig();
}

function route() {
  const [path, qs] = location.hash.replace(/^#\/?/, '').split('?');
  const page = ['graph', 'alerts', 'targets', 'config'].includes(path) ? path : 'graph';
  show(page);
  if (page === 'graph' && qs) {
    const p = new URLSearchParams(qs);
    if (p.get('expr') !== null && p.get('expr') !== $('#expr').value) {
      $('#expr').value = p.get('expr');
      if (p.get('tab')) setTab(p.get('tab'));
      if (p.get('range')) $('#range').value = p.get('range');
      run();
    }
  }
}
window.addEventListener('hashchange', route);

// ---- expression box with metric-name completion
let metricNames = [];
let completionIndex = -1;
async function loadMetricNames() {
  try {
    metricNames = (await api('label/__name__/values')).data;
  } catch {
    metricNames = [];
  }
}

function currentWord() {
  const el = $('#expr');
  const upto = el.value.slice(0, el.selectionStart);
  const m = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(upto);
  return m ? { word: m[0], start: upto.length - m[0].length } : null;
}

function updateCompletions() {
  const list = $('#completions');
  const w = currentWord();
  if (!w || w.word.length < 1) return (list.hidden = true);
  const lower = w.word.toLowerCase();
  const hits = metricNames.filter((n) => n.toLowerCase().includes(lower) && n !== w.word).slice(0, 30);
  if (!hits.length) return (list.hidden = true);
  completionIndex = -1;
  list.innerHTML = hits.map((h) => `<li role="option">${esc(h)}</li>`).join('');
  list.hidden = false;
}

function accept(text) {
  const el = $('#expr');
  const w = currentWord();
  if (!w) return;
  el.value = el.value.slice(0, w.start) + text + el.value.slice(el.selectionStart);
  el.selectionStart = el.selectionEnd = w.start + text.length;
  $('#completions').hidden = true;
  el.focus();
}

$('#expr').addEventListener('input', updateCompletions);
$('#expr').addEventListener('keydown', (e) => {
  const list = $('#completions');
  const items = [...list.querySelectorAll('li')];
  if (!list.hidden && items.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    e.preventDefault();
    completionIndex = (completionIndex + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
    items.forEach((li, i) => li.classList.toggle('sel', i === completionIndex));
    return;
  }
  if (!list.hidden && completionIndex >= 0 && (e.key === 'Enter' || e.key === 'Tab')) {
    e.preventDefault();
    return accept(items[completionIndex].textContent);
  }
  if (e.key === 'Escape') list.hidden = true;
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    list.hidden = true;
    run();
  }
});
$('#completions').addEventListener('mousedown', (e) => {
  if (e.target.tagName === 'LI') {
    e.preventDefault();
    accept(e.target.textContent);
  }
});

// ---- tabs
let tab = 'table';
function setTab(t) {
  tab = t === 'graph' ? 'graph' : 'table';
  document.querySelectorAll('.tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === tab));
  $('#result-table').hidden = tab !== 'table';
  $('#result-graph').hidden = tab !== 'graph';
}
document.querySelectorAll('.tabs button').forEach((b) =>
  b.addEventListener('click', () => {
    setTab(b.dataset.tab);
    if ($('#expr').value.trim()) run();
  }),
);
$('#range').addEventListener('change', () => tab === 'graph' && run());
$('#query-form').addEventListener('submit', (e) => {
  e.preventDefault();
  run();
});

// ---- running queries
let chart = null;
async function run() {
  const expr = $('#expr').value.trim();
  $('#error').hidden = true;
  $('#warnings').hidden = true;
  if (!expr) return;
  const state = new URLSearchParams({ expr, tab, range: $('#range').value });
  history.replaceState(null, '', '#/graph?' + state);
  const started = performance.now();
  try {
    let res;
    if (tab === 'table') {
      res = await api('query', { query: expr });
      renderTable(res.data);
    } else {
      const end = Date.now() / 1000;
      const range = Number($('#range').value);
      const step = Math.max(1, Math.round(range / 250));
      res = await api('query_range', { query: expr, start: end - range, end, step });
      renderGraph(res.data);
    }
    const warn = [...(res.warnings || []), ...(res.infos || [])];
    if (warn.length) {
      $('#warnings').textContent = warn.join('\n');
      $('#warnings').hidden = false;
    }
    $('#stats').textContent = `Load time: ${Math.round(performance.now() - started)}ms`;
  } catch (err) {
    $('#error').textContent = err.message;
    $('#error').hidden = false;
    $('#stats').textContent = '';
  }
}

function renderTable(data) {
  const el = $('#result-table');
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    el.innerHTML = `<table><tr><th>${data.resultType}</th><td class="value">${esc(data.result[1])}</td></tr></table>`;
    return;
  }
  const rows = data.resultType === 'vector'
    ? data.result.map((s) => [metricName(s.metric), esc(s.value[1])])
    : data.result.map((s) => [metricName(s.metric), s.values.map((v) => `${esc(v[1])} @${v[0]}`).join('<br>')]);
  el.innerHTML = rows.length
    ? `<table><thead><tr><th>Series</th><th>Value</th></tr></thead><tbody>${rows
        .map(([m, v]) => `<tr><td class="series">${esc(m)}</td><td class="value">${v}</td></tr>`)
        .join('')}</tbody></table><p class="muted">${rows.length} series</p>`
    : '<p class="muted">Empty query result</p>';
}

function renderGraph(data) {
  const wrap = $('#chart');
  if (chart) {
    chart.destroy();
    chart = null;
  }
  wrap.innerHTML = '';
  $('#legend').innerHTML = '';
  if (data.resultType !== 'matrix') {
    wrap.innerHTML = '<p class="muted">The result is not a range vector.</p>';
    return;
  }
  if (!data.result.length) {
    wrap.innerHTML = '<p class="muted">Empty query result</p>';
    return;
  }
  const times = [...new Set(data.result.flatMap((s) => s.values.map((v) => v[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const cols = data.result.map((s) => {
    const col = new Array(times.length).fill(null);
    for (const [t, v] of s.values) col[index.get(t)] = Number(v);
    return col;
  });
  const series = [{}, ...data.result.map((s, i) => ({ label: metricName(s.metric), stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false }))];
  chart = new uPlot(
    { width: Math.max(300, wrap.clientWidth || 900), height: 360, series, legend: { show: false }, scales: { x: { time: true } } },
    [times, ...cols],
    wrap,
  );
  $('#legend').innerHTML = data.result
    .slice(0, 50)
    .map((s, i) => `<div><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(metricName(s.metric))}</div>`)
    .join('');
}

// ---- targets, alerts, config
async function loadTargets() {
  const el = $('#targets');
  try {
    const { data } = await api('targets');
    const pools = new Map();
    for (const t of data.activeTargets) {
      if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
      pools.get(t.scrapePool).push(t);
    }
    el.innerHTML = [...pools]
      .map(([pool, ts]) => {
        const up = ts.filter((t) => t.health === 'up').length;
        return `<div class="card"><h3>${esc(pool)} <span class="muted">(${up}/${ts.length} up)</span></h3><table><thead><tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Duration</th><th>Error</th></tr></thead><tbody>${ts
          .map(
            (t) => `<tr><td class="mono">${esc(t.scrapeUrl)}</td><td><span class="badge ${esc(t.health)}">${esc(t.health.toUpperCase())}</span></td><td>${Object.entries(t.labels)
              .map(([k, v]) => `<span class="label">${esc(k)}="${esc(v)}"</span>`)
              .join('')}</td><td>${t.lastScrape && !t.lastScrape.startsWith('0001') ? esc(ago(t.lastScrape)) : 'never'}</td><td>${(t.lastScrapeDuration * 1000).toFixed(1)}ms</td><td class="mono">${esc(t.lastError || '')}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
      })
      .join('') || '<p class="muted">No targets.</p>';
  } catch (err) {
    el.innerHTML = `<div class="error">${esc(err.message)}</div>`;
  }
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

async function loadAlerts() {
  const el = $('#alerts');
  try {
    const { data } = await api('rules?type=alert'); // GET: /api/v1/rules takes no POST, as in Prometheus
    const rules = data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    el.innerHTML = rules.length
      ? rules
          .map(
            (r) => `<div class="card"><h3><span class="badge ${esc(r.state)}">${esc(r.state.toUpperCase())}</span> ${esc(r.name)} <span class="muted">(${esc(r.group)}, ${r.alerts.length} active)</span></h3><table><tbody><tr><td class="mono">${esc(r.query)}</td></tr>${r.alerts
              .map(
                (a) => `<tr><td>${Object.entries(a.labels)
                  .map(([k, v]) => `<span class="label">${esc(k)}="${esc(v)}"</span>`)
                  .join('')} <span class="badge ${esc(a.state)}">${esc(a.state)}</span> ${esc(a.annotations.summary || a.annotations.description || '')}</td></tr>`,
              )
              .join('')}</tbody></table></div>`,
          )
          .join('')
      : '<p class="muted">No alerting rules.</p>';
  } catch (err) {
    el.innerHTML = `<div class="error">${esc(err.message)}</div>`;
  }
}

async function loadConfig() {
  try {
    $('#config').textContent = (await api('status/config')).data.yaml;
  } catch (err) {
    $('#config').textContent = err.message;
  }
}

loadMetricNames();
route();
$('#expr').focus();
