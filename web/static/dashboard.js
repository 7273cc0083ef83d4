// dashboard.js — statistics for the office, the leadership group, the
// competent departments and the administrator: counts by state, channel,
// category and unit, the on-time rate, overdue problems and the 30-day
// trend, drawn with the bundled ECharts (animation off under WebDriver so
// test screenshots are stable), and a hot-spot map colouring each grid
// cell by its number of problems.
import { api, esc, loadECharts, STATE_LABEL, STATES, CHANNEL_LABEL, can, html, setHtml, addHtml } from './core.js';
import { loadGrid, gridMap } from './map.js';

const PALETTE = ['#8b1a1a', '#3e6fb0', '#e9a100', '#1a9847', '#7a4fb0', '#d9622b', '#2a9d9f', '#667085', '#c2185b', '#5d7d2a'];

export async function dashboardView(main) {
  setHtml(main, html`<h2>统计分析</h2><div id="kpi" class="kpis"></div>
    <div class="charts">
      <div class="card chart-card"><b>按状态</b><div class="chart" id="c-state"></div></div>
      <div class="card chart-card"><b>按来源渠道</b><div class="chart" id="c-channel"></div></div>
      <div class="card chart-card wide"><b>近30天上报与结案趋势</b><div class="chart" id="c-trend"></div></div>
      <div class="card chart-card"><b>问题类别（前10）</b><div class="chart" id="c-cat"></div></div>
      <div class="card chart-card"><b>责任单位（办理量与超期）</b><div class="chart" id="c-unit"></div></div>
      ${can('problem.read') ? html`<div class="card chart-card wide"><b>问题热点（按网格）</b><div class="map" id="c-heat"></div></div>` : ''}
    </div>`);
  const [s] = await Promise.all([api('GET', '/stats/problems'), loadECharts()]);
  const E = window.echarts;
  const anim = !navigator.webdriver;
  const total = Object.values(s.by_state || {}).reduce((a, b) => a + b, 0);
  const open = Object.entries(s.by_state || {}).filter(([k]) => !['closed', 'rejected', 'merged'].includes(k)).reduce((a, [, b]) => a + b, 0);
  const rate = s.on_time_rate == null ? '—' : (s.on_time_rate * 100).toFixed(1) + '%';
  setHtml(main.querySelector('#kpi'), html.join([
    ['问题总数', total, ''], ['未办结', open, ''], ['超期', s.overdue ?? 0, 'red'], ['按期办结率', rate, 'green'],
    ['近30天上报', (s.trend || []).reduce((a, d) => a + (d.reported || 0), 0), ''], ['近30天结案', (s.trend || []).reduce((a, d) => a + (d.closed || 0), 0), ''],
  ].map(([l, v, c]) => html`<div class="card kpi ${c}"><span class="muted">${l}</span><b>${esc(v)}</b></div>`), ''));
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
  const units = (s.by_unit || []).slice(0, 12);
  chart('c-unit', { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { ...grid, top: 32 }, xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: units.map((u) => (u.name || '未派遣').replace(/^.{2,4}镇/, '')) },
    series: [{ name: '办理量', type: 'bar', data: units.map((u) => u.n), itemStyle: { color: '#3e6fb0' } }, { name: '超期', type: 'bar', data: units.map((u) => u.overdue || 0), itemStyle: { color: '#d92d20' } }] });
  const onResize = () => { if (!document.body.contains(main.querySelector('#c-state'))) { window.removeEventListener('resize', onResize); return; } charts.forEach((c) => c.resize()); };
  window.addEventListener('resize', onResize);

  // hot spots: problems per cell (for the roles that may read problems)
  if (!main.querySelector('#c-heat')) return;
  try {
    const [{ cells, shapes }, probs] = await Promise.all([loadGrid(), api('GET', '/problems?limit=500')]);
    const heat = {};
    probs.items.forEach((p) => { if (p.cell_id) heat[p.cell_id] = (heat[p.cell_id] || 0) + 1; });
    await gridMap(main.querySelector('#c-heat'), { cells, shapes, heat });
    const top = cells.features.map((f) => [f.properties, heat[f.properties.id] || 0]).sort((a, b) => b[1] - a[1]).slice(0, 3).filter(([, n]) => n);
    addHtml(main.querySelector('#c-heat'), 'afterend', html`<p class="muted">问题最多的网格：${html.join(top.map(([p, n]) => html`${esc(p.village_name || '')}${esc(p.name)}（${n} 件）`), '、') || '暂无'}</p>`);
  } catch (e) {
    setHtml(main.querySelector('#c-heat'), html`<p class="error">${esc(e.message)}</p>`);
  }
}
