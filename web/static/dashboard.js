// dashboard.js — statistics for the office, the leadership group, the
// competent departments and the administrator: counts by state, channel,
// category and unit, the on-time rate, overdue problems and the 30-day
// trend, drawn with the bundled ECharts (animation off under WebDriver so
// test screenshots are stable), and a hot-spot map colouring each grid
// cell by its number of problems. A period picker bounds every figure; a
// click on a figure (a card, a unit's bar, a cell) lists the problems
// behind it (/indicators/records); the list exports as XLSX or CSV.
import { html, setHtml, addHtml, api, esc, can, loadECharts, STATE_LABEL, STATES, CHANNEL_LABEL, fmtTime, today, plusDays } from './core.js';
import { loadGrid, gridMap } from './map.js';

const PALETTE = ['#8b1a1a', '#3e6fb0', '#e9a100', '#1a9847', '#7a4fb0', '#d9622b', '#2a9d9f', '#667085', '#c2185b', '#5d7d2a'];

// The period of the screen, kept across renders: dates, inclusive.
const period = { from: plusDays(-29), to: today() };
const isoFrom = () => `${period.from}T00:00:00+08:00`;
const isoTo = () => new Date(Date.parse(`${period.to}T00:00:00+08:00`) + 86400000).toISOString();
const qs = (o) => Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

// drill: the problems behind a figure, in a panel under the cards.
async function drill(main, title, args) {
  const box = main.querySelector('#drill');
  setHtml(box, html`<p class="loading">正在加载…</p>`);
  try {
    const r = await api('GET', `/indicators/records?${qs({ from: isoFrom(), to: isoTo(), limit: 200, ...args })}`);
    setHtml(box, html`<div class="card"><b>${esc(title)}</b>（${r.items.length}${r.next ? '+' : ''} 件）<button id="drill-close" class="small">关闭</button>
      <table class="list" id="drill-list"><thead><tr><th>编号</th><th>问题</th><th>状态</th><th>上报时间</th></tr></thead><tbody>
      ${html.join(r.items.map((p) => html`<tr><td><a href="#/problem/${p.id}">${esc(p.id)}</a></td><td>${esc(p.description)}</td><td>${esc(STATE_LABEL[p.state] || p.state)}</td><td>${esc(fmtTime(p.created_at))}</td></tr>`)) || html`<tr><td colspan="4" class="muted">无</td></tr>`}
      </tbody></table></div>`);
    box.querySelector('#drill-close').addEventListener('click', () => { setHtml(box, ''); });
  } catch (e) { setHtml(box, html`<p class="error">${esc(e.message)}</p>`); }
}

export async function dashboardView(main) {
  // the hot-spot map is built from problems: only for who may read them
  const readsProblems = can('problem.read');
  setHtml(main, html`<h2>统计分析</h2>
    <form id="period" class="card row wrap"><label>起 <input type="date" name="from" value="${esc(period.from)}"></label>
      <label>止 <input type="date" name="to" value="${esc(period.to)}"></label>
      <button type="submit">统计</button><button type="button" data-p="month">本月</button><button type="button" data-p="year">本年</button>
      <span class="grow"></span><a class="button" id="export-xlsx" href="/api/v1/problems/export.xlsx" download>导出问题清单XLSX</a> <a class="button" id="export-csv" href="/api/v1/problems/export.csv" download>CSV</a></form>
    <div id="figs" class="kpis"></div><div id="drill"></div><div id="kpi" class="kpis"></div>
    <div class="charts">
      <div class="card chart-card"><b>按状态</b><div class="chart" id="c-state"></div></div>
      <div class="card chart-card"><b>按来源渠道</b><div class="chart" id="c-channel"></div></div>
      <div class="card chart-card wide"><b>近30天上报与结案趋势</b><div class="chart" id="c-trend"></div></div>
      <div class="card chart-card"><b>问题类别（前10）</b><div class="chart" id="c-cat"></div></div>
      <div class="card chart-card"><b>责任单位（期内上报，点击查看问题）</b><div class="chart" id="c-unit"></div></div>
      ${readsProblems ? html`<div class="card chart-card wide"><b>问题热点（按网格，期内上报）</b><div class="map" id="c-heat"></div></div>` : ''}
    </div>`);
  const pf = main.querySelector('#period');
  pf.addEventListener('submit', (ev) => { ev.preventDefault(); period.from = pf.from.value; period.to = pf.to.value; dashboardView(main); });
  pf.querySelectorAll('[data-p]').forEach((b) => b.addEventListener('click', () => {
    const t = today();
    period.from = b.dataset.p === 'month' ? `${t.slice(0, 8)}01` : `${t.slice(0, 5)}01-01`;
    period.to = t;
    dashboardView(main);
  }));
  const codes = ['reported', 'closed', 'on_time_closing_rate', 'overdue', 'supervised', 'rework_rate'];
  const [s, v, byUnit] = await Promise.all([
    api('GET', `/stats/problems?${qs({ from: isoFrom(), to: isoTo() })}`),
    api('GET', `/indicators/values?${qs({ codes: codes.join(','), from: isoFrom(), to: isoTo() })}`),
    api('GET', `/indicators/values?${qs({ codes: 'reported,overdue', from: isoFrom(), to: isoTo(), group_by: 'unit' })}`),
    loadECharts()]);
  const catalog = await api('GET', '/indicators');
  const names = Object.fromEntries(catalog.items.map((i) => [i.code, i]));
  const vals = v.items[0]?.values || {};
  setHtml(main.querySelector('#figs'), codes.map((c) => {
    const x = vals[c] || {};
    const shown = x.value === null || x.value === undefined ? '—' : names[c]?.unit === '%' ? `${x.value}%` : x.value;
    return html`<button type="button" class="card kpi figure" data-code="${c}" title="${esc(names[c]?.formula || '')}"><span class="muted">${esc(names[c]?.name || c)}</span><b>${esc(shown)}</b>${x.denominator ? html`<small class="muted">${esc(x.numerator)} / ${esc(x.denominator)}</small>` : ''}</button>`;
  }));
  main.querySelectorAll('#figs .figure').forEach((el) => el.addEventListener('click', () => drill(main, names[el.dataset.code]?.name || el.dataset.code, { code: el.dataset.code })));
  const E = window.echarts;
  const anim = !navigator.webdriver;
  const total = Object.values(s.by_state || {}).reduce((a, b) => a + b, 0);
  const open = Object.entries(s.by_state || {}).filter(([k]) => !['closed', 'rejected', 'merged'].includes(k)).reduce((a, [, b]) => a + b, 0);
  const rate = s.on_time_rate == null ? '—' : (s.on_time_rate * 100).toFixed(1) + '%';
  setHtml(main.querySelector('#kpi'), [
    ['问题总数', total, ''], ['未办结', open, ''], ['超期', s.overdue ?? 0, 'red'], ['按期办结率', rate, 'green'],
    ['近30天上报', (s.trend || []).reduce((a, d) => a + (d.reported || 0), 0), ''], ['近30天结案', (s.trend || []).reduce((a, d) => a + (d.closed || 0), 0), ''],
  ].map(([l, v, c]) => html`<div class="card kpi ${c}"><span class="muted">${l}</span><b>${esc(v)}</b></div>`));
  const charts = [];
  const chart = (id, opt) => {
    const el = main.querySelector('#' + id);
    const c = E.init(el, null, { renderer: 'canvas' });
    c.setOption({ animation: anim, color: PALETTE, textStyle: { fontFamily: 'Noto Sans CJK SC, sans-serif' }, ...opt });
    charts.push(c);
  };
  const grid = { left: 8, right: 16, top: 24, bottom: 8, containLabel: true };
  const st = Object.entries(s.by_state || {}).filter(([, n]) => n).sort((a, b) => STATES.indexOf(a[0]) - STATES.indexOf(b[0]));
  chart('c-state', { tooltip: { trigger: 'axis' }, grid, xAxis: { type: 'category', data: st.map(([k]) => STATE_LABEL[k] || k), axisLabel: { interval: 0, rotate: st.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'bar', data: st.map(([, n]) => n), label: { show: true, position: 'top' }, itemStyle: { color: '#3e6fb0' } }] });
  chart('c-channel', { tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' }, legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'], label: { formatter: '{b}\n{c}' }, data: Object.entries(s.by_channel || {}).map(([k, n]) => ({ name: CHANNEL_LABEL[k] || k, value: n })) }] });
  const trend = s.trend || [];
  chart('c-trend', { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { ...grid, top: 32 }, xAxis: { type: 'category', data: trend.map((d) => d.day.slice(5).replace('-', '/')) },
    yAxis: { type: 'value', minInterval: 1 }, series: [{ name: '上报', type: 'line', data: trend.map((d) => d.reported), itemStyle: { color: '#8b1a1a' } }, { name: '结案', type: 'line', data: trend.map((d) => d.closed), itemStyle: { color: '#1a9847' } }] });
  const cat = (s.by_category || []).slice().sort((a, b) => b.n - a.n).slice(0, 10).reverse();
  chart('c-cat', { tooltip: { trigger: 'axis' }, grid, xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: cat.map((c) => c.name) },
    series: [{ type: 'bar', data: cat.map((c) => c.n), label: { show: true, position: 'right' }, itemStyle: { color: '#e9a100' } }] });
  const units = byUnit.items.filter((u) => u.values.reported.value).sort((a, b) => b.values.reported.value - a.values.reported.value).slice(0, 12);
  chart('c-unit', { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { ...grid, top: 32 }, xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: units.map((u) => (u.group.name || '未派遣').replace(/^.{2,4}镇/, '')) },
    series: [{ name: '上报', type: 'bar', data: units.map((u) => u.values.reported.value), itemStyle: { color: '#3e6fb0' } }, { name: '超期', type: 'bar', data: units.map((u) => u.values.overdue.value || 0), itemStyle: { color: '#d92d20' } }] });
  charts[charts.length - 1].on('click', (p) => {
    const u = units[p.dataIndex];
    if (u) drill(main, `${u.group.name}：${p.seriesName}`, { code: p.seriesName === '超期' ? 'overdue' : 'reported', unit_id: u.group.id || undefined });
  });
  const onResize = () => { if (!document.body.contains(main.querySelector('#c-state'))) { window.removeEventListener('resize', onResize); return; } charts.forEach((c) => c.resize()); };
  window.addEventListener('resize', onResize);

  // hot spots: problems reported per cell in the period, counted by the server
  if (!readsProblems) return;
  try {
    const [{ cells, shapes }, hot] = await Promise.all([loadGrid(), api('GET', `/indicators/hotspots?${qs({ from: isoFrom(), to: isoTo() })}`)]);
    const heat = Object.fromEntries(hot.items.map((h) => [h.cell_id, h.n]));
    await gridMap(main.querySelector('#c-heat'), { cells, shapes, heat, onCell: (p) => drill(main, `${p.name}：期内上报`, { code: 'reported', cell_id: p.id }) });
    const top = hot.items.slice(0, 3);
    addHtml(main.querySelector('#c-heat'), 'afterend', html`<p class="muted" id="hot-top">问题最多的网格：${html.join(top.map((h) => html`${esc(h.name)}（${h.n} 件${h.repeated.length ? html`，${html.join(h.repeated.map((r) => html`${esc(r.name)}重复${r.n}次`), '、')}` : ''}）`), '、') || '暂无'}</p>`);
  } catch (e) {
    setHtml(main.querySelector('#c-heat'), html`<p class="error">${esc(e.message)}</p>`);
  }
}
