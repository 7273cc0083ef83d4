// bulletins.js — bulletins (通报, R7.2) and the units' own reports (R7.4):
// the archive; the office's (or a department's) editor — choose a period,
// compose, write the analysis, recompose, publish — and who has read it;
// the reader (every figure beside 上期/环比 and 去年同期/同比, the units
// ranked, hot spots, overdue and rework lists, joint enforcement, the units'
// reports); PDF and XLSX exports; and a unit's own periodic report.
import { html, setHtml, api, esc, has, state, toast, fmtTime, today } from './core.js';

const KIND_LABEL = { week: '周报', month: '月报', quarter: '季报', year: '年报', custom: '专报' };
const pad = (n) => String(n).padStart(2, '0');
const ymd = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

// periodOf: the last complete period of a kind, as [start, end] dates.
export function periodOf(kind) {
  const now = new Date(Date.now() + 8 * 3600000);
  const y = now.getUTCFullYear(), m = now.getUTCMonth();
  if (kind === 'week') {
    const wd = (now.getUTCDay() + 6) % 7;
    const mon = new Date(Date.UTC(y, m, now.getUTCDate() - wd - 7));
    return [ymd(mon), ymd(new Date(mon.getTime() + 6 * 86400000))];
  }
  if (kind === 'quarter') {
    const q = Math.floor(m / 3), sy = q === 0 ? y - 1 : y, sm = q === 0 ? 9 : (q - 1) * 3;
    return [ymd(new Date(Date.UTC(sy, sm, 1))), ymd(new Date(Date.UTC(sy, sm + 3, 0)))];
  }
  if (kind === 'year') return [`${y - 1}-01-01`, `${y - 1}-12-31`];
  return [ymd(new Date(Date.UTC(y, m - 1, 1))), ymd(new Date(Date.UTC(y, m, 0)))];
}

const fmtVal = (v, unit) => (v === null || v === undefined ? '—' : unit === '%' ? `${Number(v).toFixed(2)}%` : unit === '小时' ? `${v} 小时` : String(v));
const fmtChange = (v, unit) => {
  if (v === null || v === undefined) return html`<span class="muted">—</span>`;
  const cls = v > 0 ? 'up' : v < 0 ? 'down' : '';
  const s = unit === '件' ? `${v > 0 ? '+' : ''}${Number(v).toFixed(2)}%` : `${v > 0 ? '+' : ''}${Number(v).toFixed(2)}${unit === '%' ? '个百分点' : unit}`;
  return html`<span class="chg ${cls}">${esc(s)}</span>`;
};

export async function bulletinsView(main) {
  const composer = has('office', 'dept');
  const r = await api('GET', '/bulletins?limit=100');
  const [s, e] = periodOf('month');
  setHtml(main, html`<h2>通报</h2>
    ${composer ? html`<form id="compose" class="card row wrap">
      <label>类型 <select name="kind">${['month', 'week', 'quarter', 'year', 'custom'].map((k) => html`<option value="${k}">${KIND_LABEL[k]}</option>`)}</select></label>
      <label>起 <input type="date" name="period_start" value="${s}" required></label>
      <label>止 <input type="date" name="period_end" value="${e}" required></label>
      <button class="primary" type="submit" id="compose-btn">生成通报</button></form>` : ''}
    <table class="list" id="bulletins"><thead><tr><th>编号</th><th>标题</th><th>期间</th><th>状态</th><th>已读</th></tr></thead><tbody>
    ${html.join(r.items.map((b) => html`<tr data-id="${b.id}"><td>${esc(b.number || '（草稿）')}</td><td><a href="#/bulletin/${b.id}">${esc(b.title)}</a></td>
      <td>${esc(b.period_start)} 至 ${esc(b.period_end)}</td><td>${b.state === 'published' ? html`<span class="tag green">已发布</span>` : html`<span class="tag">草稿</span>`}</td><td>${esc(b.reads)}</td></tr>`)) || html`<tr><td colspan="5" class="muted">暂无通报</td></tr>`}
    </tbody></table>`);
  const form = main.querySelector('#compose');
  if (!form) return;
  form.kind.addEventListener('change', () => {
    if (form.kind.value === 'custom') return;
    const [a, b] = periodOf(form.kind.value);
    form.period_start.value = a; form.period_end.value = b;
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { period_start: form.period_start.value, period_end: form.period_end.value, kind: form.kind.value };
    if (state.me.township_id) body.township_id = state.me.township_id;
    try {
      const b = await api('POST', '/bulletins', body);
      location.hash = `#/bulletin/${b.id}`;
    } catch (err) { toast(err.message, 'error'); }
  });
}

function table(heads, rows) {
  return html`<table class="list"><thead><tr>${heads.map((h) => html`<th>${esc(h)}</th>`)}</tr></thead><tbody>${html.join(rows) || html`<tr><td colspan="${heads.length}" class="muted">无</td></tr>`}</tbody></table>`;
}

export async function bulletinView(main, [id]) {
  const b = await api('GET', `/bulletins/${id}`);
  const c = b.content || {};
  const draft = b.state === 'draft';
  const composer = !!b.readers;
  const figs = (c.figures || []).map((f) => html`<tr data-code="${esc(f.code)}"><td>${esc(f.name)}</td><td class="num">${fmtVal(f.value, f.unit)}</td>
    <td class="num">${fmtVal(f.previous, f.unit)}</td><td class="num">${fmtChange(f.mom, f.unit)}</td><td class="num">${fmtVal(f.last_year, f.unit)}</td><td class="num">${fmtChange(f.yoy, f.unit)}</td></tr>`);
  const units = (c.units || []).map((u) => html`<tr><td>${esc(u.rank)}</td><td>${esc(u.name)}</td><td class="num">${esc(u.reported)}</td><td class="num">${esc(u.closed)}</td><td class="num">${fmtVal(u.on_time_closing_rate, '%')}</td><td class="num">${esc(u.overdue)}</td></tr>`);
  const hot = (c.hotspots || []).map((h) => html`<tr><td>${esc(h.name)}</td><td class="num">${esc(h.n)}</td><td>${html.join((h.repeated || []).map((r) => html`${esc(r.name)}×${esc(r.n)}`), '、')}</td></tr>`);
  const plist = (rows) => (rows || []).map((p) => html`<tr><td><a href="#/problem/${p.id}">${esc(p.id)}</a></td><td>${esc(p.description)}</td><td>${esc(fmtTime(p.due_at || p.handled_at))}</td></tr>`);
  const j = c.joint || {};
  const jv = (k) => fmtVal(j[k]?.value, k.endsWith('rate') ? '%' : '件');
  const reports = (c.unit_reports || []).map((r) => html`<tr><td>${esc(r.unit_name)}</td><td>${esc(r.analysis)}</td></tr>`);
  setHtml(main, html`<h2>${esc(b.title)}</h2>
    <p class="muted" id="b-number">${esc(b.number || '草稿（未发布）')} · ${esc(KIND_LABEL[b.period_kind] || '')} ${esc(b.period_start)} 至 ${esc(b.period_end)}${b.published_at ? ' · 发布于 ' + esc(fmtTime(b.published_at)) : ''}</p>
    <div class="row wrap">
      <a class="button" id="b-pdf" href="/api/v1/bulletins/${b.id}/bulletin.pdf" download>导出PDF</a>
      <a class="button" id="b-xlsx" href="/api/v1/bulletins/${b.id}/bulletin.xlsx" download>导出XLSX</a>
      ${composer && draft ? html`<button id="b-recompose">重新计算</button><button class="primary" id="b-publish">发布</button>` : ''}
    </div>
    <h3>一、总体情况</h3>${table(['指标', '本期', '上期', '环比', '去年同期', '同比'], figs)}
    <h3>二、各派驻机构办理情况</h3>${table(['名次', '派驻机构', '上报', '结案', '按期结案率', '超期'], units)}
    <h3>三、热点问题</h3>${table(['网格', '问题数', '重复问题（同类≥3次）'], hot)}
    <h3>四、超期未办结问题</h3>${table(['编号', '问题', '时限'], plist(c.overdue))}
    <h3>五、返工问题</h3>${table(['编号', '问题', '反馈时间'], plist(c.rework))}
    <h3>六、联合执法</h3><p>常规 ${jv('joint_routine')}，专项 ${jv('joint_special')}，应急 ${jv('joint_emergency')}；专项申请按时转呈率 ${jv('special_forward_rate')}；互动告知当日反馈率 ${jv('notice_same_day_rate')}。</p>
    <h3>七、派驻机构报告</h3>${table(['派驻机构', '报告'], reports)}
    <h3>八、分析研判</h3>
    ${composer && draft ? html`<form id="b-analysis"><textarea name="analysis" rows="6" style="width:100%" aria-label="分析">${esc(b.analysis)}</textarea><button type="submit">保存分析</button></form>` : html`<p id="b-analysis-text">${b.analysis ? esc(b.analysis) : html`<span class="muted">无</span>`}</p>`}
    ${composer && !draft ? html`<h3>阅读情况</h3>${table(['人员', '派驻机构', '阅读时间'], b.readers.map((r) => html`<tr><td>${esc(r.display_name)}</td><td>${esc(r.unit_name || '')}</td><td>${r.read_at ? esc(fmtTime(r.read_at)) : html`<span class="tag red">未读</span>`}</td></tr>`))}` : ''}`);
  const act = async (action) => {
    try { await api('POST', `/bulletins/${b.id}/actions`, { action }); toast(action === 'publish' ? '已发布' : '已重新计算'); bulletinView(main, [id]); } catch (e) { toast(e.message, 'error'); }
  };
  main.querySelector('#b-publish')?.addEventListener('click', () => act('publish'));
  main.querySelector('#b-recompose')?.addEventListener('click', () => act('recompose'));
  main.querySelector('#b-analysis')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await api('PUT', `/bulletins/${b.id}`, { version: b.version, analysis: ev.target.analysis.value }); toast('已保存'); bulletinView(main, [id]); } catch (e) { toast(e.message, 'error'); }
  });
}

// The unit's own periodic report (R7.4), and for the office who has filed.
export async function unitReportsView(main) {
  const [s, e] = periodOf('month');
  setHtml(main, html`<h2>派驻机构报告</h2>
    <form id="period" class="card row wrap"><label>起 <input type="date" name="period_start" value="${s}"></label>
      <label>止 <input type="date" name="period_end" value="${e}" max="${today()}"></label><button type="submit">查看</button></form>
    <div id="reports"></div>`);
  const form = main.querySelector('#period');
  const load = async () => {
    const q = `period_start=${form.period_start.value}&period_end=${form.period_end.value}`;
    const r = await api('GET', `/unit-reports?${q}`);
    const mine = has('contact', 'staff');
    setHtml(main.querySelector('#reports'), html`<p>已报送 <b id="filed">${r.filed}</b> 个，未报送 <b id="missing">${r.missing}</b> 个</p>
      ${table(['派驻机构', '状态', '报送时间', '分析'], r.items.map((i) => html`<tr><td>${esc(i.unit_name)}</td><td>${i.report_id ? html`<span class="tag green">已报送</span>` : html`<span class="tag red">未报送</span>`}</td><td>${esc(i.filed_at ? fmtTime(i.filed_at) : '')}</td><td>${esc(i.analysis || '')}</td></tr>`))}
      ${mine ? html`<form id="file" class="card"><p>本单位报告（本单位期内数据将自动填入）</p><textarea name="analysis" rows="5" style="width:100%" required aria-label="本单位报告分析"></textarea><button class="primary" type="submit">报送</button></form>` : ''}`);
    main.querySelector('#file')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try { await api('POST', '/unit-reports', { period_start: form.period_start.value, period_end: form.period_end.value, analysis: ev.target.analysis.value }); toast('已报送'); load(); } catch (err) { toast(err.message, 'error'); }
    });
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  await load();
}
