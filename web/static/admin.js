// admin.js — the administrator's screens: grid import (GeoJSON upload, the
// 422 naming the bad feature), power and responsibility lists (versions,
// draft, CSV/XLSX import, diff, publish, export, template, item search),
// the category tree with its time limits (the admin adds and edits them), the working-day calendar (a month
// grid with holidays and 调休 workdays; the admin toggles a day) with a
// deadline calculator, and the routing tester.
import { api, all, esc, fmtTime, fmtDate, has, can, state, toast, dialog, categories, categoryOptions, html, setHtml } from './core.js';

// ------------------------------------------------------------ grid import
export async function gridAdminView(main) {
  setHtml(main, html`<h2>网格管理</h2>
    <div class="card"><b>导入网格（GeoJSON）</b>
      <p class="muted">上传 FeatureCollection：带 <code>region_code</code> 的要素设置乡镇、村（社区）边界；其余为网格（<code>code</code>、<code>name</code>、<code>village_code</code>），按编码新增或更新。整体导入，任一要素有误则全部不导入。</p>
      <label class="btn upload">选择 GeoJSON 文件<input type="file" id="gj" accept=".geojson,.json,application/geo+json,application/json" class="hidden-input"></label>
      <div id="gjres" class="status"></div></div>
    <div class="card"><b>现有网格</b><div id="cells" class="loading">正在加载…</div></div>`);
  const drawCells = async () => {
    const fc = await api('GET', '/grid/cells');
    main.querySelector('#cells').className = '';
    setHtml(main.querySelector('#cells'), html`<p class="muted">共 ${fc.features.length} 个网格</p><div class="table-wrap"><table class="compact"><thead><tr><th>编码</th><th>名称</th><th>村（社区）</th><th>面积（km²）</th><th>网格员</th></tr></thead><tbody>
      ${html.join(fc.features.map((f) => { const p = f.properties; return html`<tr><td class="muted">${esc(p.code)}</td><td>${esc(p.name)}</td><td>${esc(p.village_name || '')}</td><td>${p.area_m2 ? (p.area_m2 / 1e6).toFixed(2) : ''}</td><td>${html.join((p.members || []).map((m) => esc(m.name)), '、')}</td></tr>`; }), '')}</tbody></table></div>`);
  };
  main.querySelector('#gj').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    const out = main.querySelector('#gjres');
    if (!file) return;
    out.className = 'status'; out.textContent = `正在导入 ${file.name}…`;
    try {
      const r = await api('POST', '/grid/import', { raw: await file.text(), type: 'application/json' });
      out.className = 'status ok';
      out.textContent = `导入成功：边界 ${r.shapes} 个，网格 ${r.cells} 个（新增 ${r.created}，更新 ${r.updated}）`;
      await drawCells();
    } catch (e) {
      out.className = 'status bad';
      out.textContent = `导入失败：${e.message}${e.field ? `（${e.field}）` : ''}`;
    }
    ev.target.value = '';
  });
  await drawCells();
}

// ------------------------------------------------------------ power lists
const STATE_V = { published: ['green', '现行'], draft: ['yellow', '草稿'], superseded: ['', '已废止'] };
const DELEG = { none: '无', delegated: '赋权', entrusted: '委托' };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function listsView(main) {
  const admin = has('admin');
  setHtml(main, html`<h2>权责清单</h2>
    <div class="card"><div class="bar"><b>清单版本</b>${admin ? html`<button class="btn small" id="newdraft">新建草稿版本</button>` : ''}
      <span class="grow"></span><span class="muted">导入模板：</span><a href="/api/v1/lists/template?format=xlsx" download>XLSX</a> <a href="/api/v1/lists/template?format=csv" download>CSV</a></div>
      <div id="versions" class="loading">正在加载…</div><div id="vres" class="status"></div></div>
    <div id="diff"></div>
    <div class="card"><form class="bar" id="psearch"><b>权力事项</b><select name="version_id" id="pver" aria-label="清单版本"></select><input name="q" placeholder="按名称、编码、法律依据搜索" aria-label="按名称、编码、法律依据搜索" class="grow"><button class="btn small">搜索</button></form>
      <div id="powers"></div></div>`);
  let versions = [];
  const drawVersions = async (resetSel = false) => {
    versions = (await api('GET', '/lists/versions')).items;
    main.querySelector('#versions').className = '';
    setHtml(main.querySelector('#versions'), html`<div class="table-wrap"><table class="compact"><thead><tr><th>版本</th><th>状态</th><th>说明</th><th>事项</th><th>创建</th><th>发布</th><th>操作</th></tr></thead><tbody>
      ${html.join(versions.map((v) => html`<tr data-id="${v.id}"><td>第 ${v.number} 版</td><td><span class="tag ${STATE_V[v.state]?.[0] || ''}">${STATE_V[v.state]?.[1] || v.state}</span></td><td>${esc(v.note || '')}</td><td>${v.items}</td>
        <td>${fmtTime(v.created_at)}</td><td>${fmtTime(v.published_at)}</td><td class="actions-cell">
        <a href="/api/v1/lists/versions/${v.id}/export?format=xlsx" download>导出XLSX</a> <a href="/api/v1/lists/versions/${v.id}/export?format=csv" download>导出CSV</a>
        ${v.state !== 'published' ? html`<button class="btn small" data-diff="${v.id}">与现行版比较</button>` : ''}
        ${admin && v.state === 'draft' ? html`<label class="btn small upload">导入CSV/XLSX<input type="file" data-import="${v.id}" accept=".csv,.xlsx,text/csv,${XLSX}" class="hidden-input"></label>
          <button class="btn small primary-btn" data-publish="${v.id}">发布</button><button class="btn small" data-discard="${v.id}">删除草稿</button>` : ''}</td></tr>`), '')}</tbody></table></div>`);
    const sel = main.querySelector('#pver'), cur = sel.value;
    setHtml(sel, html.join(versions.map((v) => html`<option value="${v.id}">第 ${v.number} 版（${STATE_V[v.state]?.[1] || v.state}）</option>`), ''));
    sel.value = !resetSel && cur && versions.some((v) => String(v.id) === cur) ? cur : String(versions.find((v) => v.state === 'published')?.id || versions[0]?.id || '');
  };
  const out = main.querySelector('#vres');
  const say = (t, k) => { out.className = 'status ' + k; out.textContent = t; };
  const showDiff = async (id) => {
    const d = await api('GET', `/lists/versions/${id}/diff`);
    const box = main.querySelector('#diff');
    const FIELD = { name: '名称', kind: '类别', legal_basis: '法律依据', department_code: '实施部门', department_id: '实施部门', domain: '执法领域', delegation: '下放方式', resp_department_id: '责任部门', resp_department_code: '责任部门', duty: '责任事项', time_limit_days: '办理时限' };
    setHtml(box, html`<div class="card diff"><b>版本比较</b> <span class="muted">（草稿相对第 ${esc(d.against?.number ?? d.against ?? '')} 版）</span>
      <p><span class="tag green">新增 ${d.added.length}</span><span class="tag red">删除 ${d.removed.length}</span><span class="tag yellow">修改 ${d.changed.length}</span></p>
      <ul>${html.join(d.added.map((x) => html`<li class="add">＋ ${esc(x.code)} ${esc(x.name)}</li>`), '')}${html.join(d.removed.map((x) => html`<li class="del">－ ${esc(x.code)} ${esc(x.name)}</li>`), '')}
      ${html.join(d.changed.map((x) => html`<li class="chg">～ ${esc(x.code)} ${esc(x.name)}：${html.join(Object.entries(x.fields || {}).map(([k, v]) => html`${FIELD[k] || k} 「${esc(v.from)}」→「${esc(v.to)}」`), '；')}</li>`), '')}</ul>
      ${!d.added.length && !d.removed.length && !d.changed.length ? html`<p class="muted">与现行版本相同</p>` : ''}</div>`);
    box.scrollIntoView({ block: 'nearest' });
  };
  main.querySelector('#versions').addEventListener('click', async (ev) => {
    const t = ev.target;
    try {
      if (t.dataset.diff) await showDiff(t.dataset.diff);
      if (t.dataset.publish) {
        if (!(await dialog('发布清单版本', [{ name: 'x', label: '发布后该草稿成为现行版本，原版本废止；已派单问题保留原版本依据。', type: 'note' }], '发布'))) return;
        await api('POST', `/lists/versions/${t.dataset.publish}/publish`);
        say('已发布', 'ok'); await drawVersions(true); await drawPowers();
      }
      if (t.dataset.discard) {
        await api('DELETE', `/lists/versions/${t.dataset.discard}`);
        say('草稿已删除', 'ok'); setHtml(main.querySelector('#diff'), ''); await drawVersions();
      }
    } catch (e) { say(e.message, 'bad'); }
  });
  main.querySelector('#versions').addEventListener('change', async (ev) => {
    const id = ev.target.dataset.import, file = ev.target.files?.[0];
    if (!id || !file) return;
    const type = /\.xlsx$/i.test(file.name) ? XLSX : 'text/csv';
    say(`正在导入 ${file.name}…`, '');
    try {
      await api('POST', `/lists/versions/${id}/import`, { raw: await file.arrayBuffer(), type });
      say(`已导入 ${file.name}`, 'ok'); await drawVersions(); await showDiff(id); await drawPowers();
    } catch (e) { say(`导入失败：${e.message}${e.field ? `（${e.field}）` : ''}`, 'bad'); }
  });
  main.querySelector('#newdraft')?.addEventListener('click', async () => {
    const v = await dialog('新建草稿版本', [{ name: 'note', label: '版本说明', value: `${new Date().getFullYear()}年权责清单调整` }], '新建');
    if (!v) return;
    try { await api('POST', '/lists/versions', { note: v.note }); say('已新建草稿（复制自现行版本）', 'ok'); await drawVersions(); }
    catch (e) { say(e.code === 'draft_exists' ? '已有草稿版本，请先发布或删除' : e.message, 'bad'); }
  });
  const drawPowers = async () => {
    const f = main.querySelector('#psearch');
    const qs = new URLSearchParams({ limit: '500' });
    if (f.elements.version_id.value) qs.set('version_id', f.elements.version_id.value);
    if (f.elements.q.value.trim()) qs.set('q', f.elements.q.value.trim());
    const r = await api('GET', '/powers?' + qs);
    setHtml(main.querySelector('#powers'), html`<p class="muted">${r.items.length} 项${r.next ? '（仅显示前 500 项）' : ''}</p><div class="table-wrap"><table class="compact powers"><thead><tr><th>编码</th><th>名称</th><th>类别</th><th>执法领域</th><th>实施部门</th><th>下放</th><th>责任部门</th><th>责任事项</th><th>时限</th></tr></thead><tbody>
      ${html.join(r.items.map((p) => html`<tr><td class="muted nowrap">${esc(p.code)}</td><td>${esc(p.name)}<div class="muted small">${esc(p.legal_basis || '')}</div></td><td class="nowrap">${esc(p.kind)}</td><td>${esc(p.domain || '')}</td><td>${esc(p.department_name || '')}</td><td>${esc(DELEG[p.delegation] || p.delegation || '')}</td><td>${esc(p.resp_department_name || '')}</td><td>${esc(p.duty || '')}</td><td class="nowrap">${p.time_limit_days ? p.time_limit_days + ' 个工作日' : ''}</td></tr>`), '') || html`<tr><td colspan="9" class="muted">没有匹配的事项</td></tr>`}</tbody></table></div>`);
  };
  main.querySelector('#psearch').addEventListener('submit', (ev) => { ev.preventDefault(); drawPowers().catch((e) => toast(e.message, 'bad')); });
  main.querySelector('#pver').addEventListener('change', () => drawPowers());
  await drawVersions();
  await drawPowers();
}

// ------------------------------------------------------------ categories
export async function categoriesView(main) {
  const edit = has('admin') && can('list.write');
  const cats = (await api('GET', '/categories')).items;
  const byId = {};
  cats.forEach((c) => { byId[c.id] = c; (c.children || []).forEach((k) => { byId[k.id] = k; }); });
  const row = (c, lvl) => html`<tr class="${lvl ? '' : 'cat-top'}" data-id="${c.id}"><td class="indent-${lvl}">${esc(c.name)}</td><td class="muted">${esc(c.code)}</td><td>${c.accept_hours} 小时</td><td>${c.handle_days} 个工作日</td><td>${c.verify_days} 个工作日</td><td>${html.join((c.power_codes || []).map((x) => html`<span class="tag">${esc(x)}</span>`), '') || html`<span class="muted">—</span>`}</td>${edit ? html`<td><button class="btn small" data-edit="${c.id}">编辑</button></td>` : ''}</tr>`;
  setHtml(main, html`<h2>问题类别</h2><p class="muted">上报时选择的问题类别；每类对应权责清单中的权力事项（按顺序匹配责任单位）并规定受理、处置、核查时限。</p>
    ${edit ? html`<div class="actions"><button class="btn primary-btn" id="cat-add">新增类别</button></div>` : ''}
    <div class="table-wrap"><table class="compact" id="cats"><caption class="sr-only">问题类别与时限</caption><thead><tr><th>类别</th><th>编码</th><th>受理时限</th><th>处置时限</th><th>核查时限</th><th>对应权力事项</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>
    ${html.join(cats.map((c) => html`${row(c, 0)}${html.join((c.children || []).map((k) => row(k, 1)), '')}`), '')}</tbody></table></div>`);
  if (!edit) return;
  const { editDialog } = await import('./orgadmin.js');
  const int = (v) => (v === '' ? undefined : Number.isInteger(Number(v)) ? Number(v) : v);
  const form = async (c) => {
    const out = await editDialog(c ? `编辑类别：${c.name}` : '新增类别', [
      { name: 'parent_id', label: '上级类别', type: 'select', value: c?.parent_id || '', options: [['', '（一级类别）'], ...cats.filter((x) => x.id !== c?.id).map((x) => [x.id, x.name])] },
      { name: 'code', label: '编码', value: c?.code, required: true },
      { name: 'name', label: '名称', value: c?.name, required: true },
      { name: 'accept_hours', label: '受理时限（小时，1–720）', type: 'number', value: c?.accept_hours ?? 24, required: true },
      { name: 'handle_days', label: '处置时限（工作日，1–365）', type: 'number', value: c?.handle_days ?? 5, required: true },
      { name: 'verify_days', label: '核查时限（工作日，1–365）', type: 'number', value: c?.verify_days ?? 2, required: true },
      { name: 'power_codes', label: '对应权力事项编码（逗号分隔，按顺序匹配）', value: (c?.power_codes || []).join(',') },
    ], (v) => {
      const body = { code: v.code, name: v.name, accept_hours: int(v.accept_hours), handle_days: int(v.handle_days), verify_days: int(v.verify_days),
        power_codes: v.power_codes.split(/[,，、\s]+/).filter(Boolean), ...(v.parent_id ? { parent_id: Number(v.parent_id) } : {}) };
      if (c) { body.sort = c.sort ?? 0; body.version = c.version; }
      return c ? api('PUT', `/categories/${c.id}`, body) : api('POST', '/categories', body);
    });
    if (out) { toast(`已保存：${out.name}`); await categoriesView(main); }
  };
  main.querySelector('#cat-add').addEventListener('click', () => form(null));
  main.querySelector('#cats').addEventListener('click', (ev) => { const b = ev.target.closest('[data-edit]'); if (b) form(byId[b.dataset.edit]); });
}

// ------------------------------------------------------------ calendar
const WEEK = ['一', '二', '三', '四', '五', '六', '日'];
export async function calendarView(main) {
  const admin = has('admin');
  const year0 = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('year')) || 2026;
  setHtml(main, html`<h2>工作日历</h2>
    <div class="card bar"><label for="cy">年份</label><select id="cy">${html.join([year0 - 1, year0, year0 + 1].map((y) => html`<option ${y === year0 ? 'selected' : ''}>${y}</option>`), '')}</select>
      <span class="cal-legend"><span class="day holiday">休</span>法定节假日 <span class="day workday">班</span>调休上班 <span class="day weekend">六</span>周末</span>
      ${admin ? html`<span class="muted">点击日期可设为节假日、调休上班或恢复普通日。</span>` : ''}</div>
    <div class="card"><b>期限计算器</b><form class="bar" id="dl"><label for="cal-from">起算时间</label><input id="cal-from" type="datetime-local" name="from" required>
      <label for="cal-amount">时长</label><input id="cal-amount" type="number" name="amount" value="5" min="0" max="365" class="narrow"><select name="unit" aria-label="时长单位"><option value="working_days">个工作日</option><option value="days">个自然日</option><option value="hours">小时</option><option value="end_of_day">天（当日末）</option></select>
      <button class="btn small">计算</button><span id="dlres" class="status"></span></form></div>
    <div id="months" class="months"></div>`);
  const pad = (n) => String(n).padStart(2, '0');
  const now = new Date(Date.now() + 8 * 3600000);
  main.querySelector('#dl').elements.from.value = `${now.toISOString().slice(0, 16)}`;
  let year = year0;
  const draw = async () => {
    const r = await api('GET', `/calendar?year=${year}`);
    const ex = Object.fromEntries(r.days.map((d) => [d.date, d]));
    const months = [];
    for (let m = 1; m <= 12; m++) {
      const first = new Date(Date.UTC(year, m - 1, 1));
      const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
      const lead = (first.getUTCDay() + 6) % 7;
      const cells = Array.from({ length: lead }, () => html`<span class="blank"></span>`);
      for (let d = 1; d <= days; d++) {
        const date = `${year}-${pad(m)}-${pad(d)}`;
        const wd = (lead + d - 1) % 7;
        const e = ex[date];
        const cls = e ? e.kind : wd >= 5 ? 'weekend' : '';
        cells.push(html`<button type="button" class="day ${cls}" data-date="${date}" title="${esc(fmtDate(date))}${e ? html`${' ' }${ esc(e.name || '')}` : ''}">${d}${e ? html`<small>${e.kind === 'holiday' ? esc((e.name || '休').slice(0, 3)) : '班'}</small>` : ''}</button>`);
      }
      months.push(html`<div class="month card"><b>${year}年${m}月</b><div class="grid7">${html.join(WEEK.map((w) => html`<span class="wk">${w}</span>`), '')}${cells}</div></div>`);
    }
    const named = [...new Set(r.days.filter((d) => d.kind === 'holiday').map((d) => d.name))].filter(Boolean);
    setHtml(main.querySelector('#months'), html`${html`<p class="muted holidays">${year}年法定节假日：${html.join(named.map(esc), '、') || '（未设置）'}；调休上班 ${r.days.filter((d) => d.kind === 'workday').length} 天。</p>` }${ months}`);
  };
  main.querySelector('#cy').addEventListener('change', (ev) => { year = Number(ev.target.value); draw(); });
  main.querySelector('#months').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-date]');
    if (!b || !admin) return;
    const date = b.dataset.date;
    const cur = b.classList.contains('holiday') ? 'holiday' : b.classList.contains('workday') ? 'workday' : '';
    const v = await dialog(`设置 ${fmtDate(date)}`, [
      { name: 'kind', label: '类型', type: 'select', value: cur, options: [['', '普通日（按星期）'], ['holiday', '法定节假日（休息）'], ['workday', '调休上班']] },
      { name: 'name', label: '名称（如：国庆节、国庆节调休上班）', value: b.title.split(' ').slice(1).join(' ') }], '保存');
    if (!v) return;
    try {
      if (v.kind) await api('PUT', `/calendar/days/${date}`, { kind: v.kind, ...(v.name.trim() ? { name: v.name.trim() } : {}) });
      else await api('DELETE', `/calendar/days/${date}`).catch((e) => { if (e.status !== 404) throw e; });
      toast(`已更新 ${fmtDate(date)}`); await draw();
    } catch (e) { toast(e.message, 'bad'); }
  });
  main.querySelector('#dl').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target, out = main.querySelector('#dlres');
    try {
      const from = f.elements.from.value.length === 16 ? f.elements.from.value + ':00+08:00' : f.elements.from.value;
      const r = await api('GET', `/calendar/deadline?from=${encodeURIComponent(from)}&amount=${f.elements.amount.value}&unit=${f.elements.unit.value}`);
      out.className = 'status ok'; out.textContent = `截止：${fmtTime(r.due_at)}`;
    } catch (e) { out.className = 'status bad'; out.textContent = e.message; }
  });
  await draw();
}

// ------------------------------------------------------------ routing tester
export async function routingView(main) {
  const [cats, regions] = await Promise.all([categories(), all('/regions')]);
  const towns = regions.filter((r) => r.level === 'township');
  setHtml(main, html`<h2>派单测试</h2><p class="muted">按现行权责清单计算某类问题在某乡镇的责任单位（与上报时自动派单的规则相同）。</p>
    <form class="card bar" id="rt"><label for="rt-cat">问题类别</label><select id="rt-cat" name="category" required>${categoryOptions(cats)}</select>
      <label for="rt-town">乡镇（街道）</label><select id="rt-town" name="township">${html.join(towns.map((t) => html`<option value="${t.id}">${esc(t.name)}</option>`), '')}</select>
      <button class="btn">计算责任单位</button></form><div id="rtres"></div>`);
  const f = main.querySelector('#rt');
  if (state.me.township_id) f.elements.township.value = String(state.me.township_id);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = main.querySelector('#rtres');
    try {
      const r = await api('GET', `/routing?category=${encodeURIComponent(f.elements.category.value)}&township=${f.elements.township.value}`);
      setHtml(out, html`<div class="card route-ok"><p>责任单位：<b class="unit">${esc(r.unit_name)}</b>（${esc(r.department_name || '')}）</p>
        <p>权力事项：${esc(r.power_item?.code || '')} ${esc(r.power_item?.name || '')}　<span class="muted">第 ${esc(r.list_version)} 版清单</span></p><p class="reason">${esc(r.reason)}</p></div>`);
    } catch (e) {
      setHtml(out, html`<div class="card route-bad"><p class="error">${esc(e.message)}</p>${e.code === 'no_responsible_unit' ? html`<p class="muted">该类问题由执法办公室人工指定责任单位。</p>` : ''}</div>`);
    }
  });
}

// ------------------------------------------------------------ Open311 systems
// The administrator registers outside systems (12345 hotline, media desk,
// video analytics) for the Open311 interface; the key is shown once.
const O311_CHANNEL = { complaint: '投诉举报', media: '媒体曝光', video: '视频监控', transfer: '案件移送' };
export async function open311View(main) {
  const towns = (await all('/regions')).filter((r) => r.level === 'township');
  const townName = Object.fromEntries(towns.map((t) => [t.id, t.name]));
  setHtml(main, html`<h2>系统对接（Open311）</h2><p class="muted">外部系统通过 Open311 GeoReport v2 接口（<code>/open311/v2/</code>）报送问题并跟踪办理结果；每次调用以系统名称记入审计日志。</p>
    <form class="card bar" id="o311new"><label for="o311-name">系统名称</label><input id="o311-name" name="name" required maxlength="200" placeholder="如：12345政务服务热线">
      <label for="o311-channel">渠道</label><select id="o311-channel" name="channel">${Object.entries(O311_CHANNEL).map(([k, v]) => html`<option value="${k}">${v}</option>`)}</select>
      <label>可报送乡镇</label><span>${html.join(towns.map((t) => html`<label class="nowrap"><input type="checkbox" name="town" value="${t.id}">${esc(t.name)}</label>`), ' ')}</span>
      <label for="o311-rate">每分钟调用上限</label><input id="o311-rate" name="rate" type="number" min="1" max="100000" value="60">
      <button class="btn">登记并生成密钥</button></form>
    <div id="o311key"></div><div class="card" id="o311list">正在加载…</div>`);
  const draw = async () => {
    const r = await api('GET', '/open311/clients');
    setHtml(main.querySelector('#o311list'), html`<div class="bar"><label class="nowrap"><input type="checkbox" id="o311pub" ${r.public_read ? html`checked` : ''}> 无密钥也可查询（公开读取）</label></div>
      <div class="table-wrap"><table class="compact"><thead><tr><th>系统</th><th>渠道</th><th>密钥前缀</th><th>可报送乡镇</th><th>限速</th><th>状态</th><th></th></tr></thead><tbody>
      ${html.join(r.items.map((c) => html`<tr><td>${esc(c.name)}</td><td>${esc(O311_CHANNEL[c.channel] || c.channel)}</td><td class="muted">${esc(c.key_prefix)}…</td><td>${c.townships.length ? c.townships.map((t) => townName[t] || t).join('、') : '全县（区）'}</td><td>${c.rate_per_minute}/分钟</td><td>${c.revoked ? html`已吊销 ${fmtTime(c.revoked_at)}` : '有效'}</td><td>${c.revoked ? '' : html`<button class="btn small" data-revoke="${c.id}">吊销</button>`}</td></tr>`)) || html`<tr><td colspan="7" class="muted">尚未登记外部系统</td></tr>`}</tbody></table></div>`);
    main.querySelector('#o311pub').addEventListener('change', async (ev) => {
      try { await api('PUT', '/open311/settings', { public_read: ev.target.checked }); toast(ev.target.checked ? '已允许无密钥查询' : '查询须提供密钥'); } catch (e) { toast(e.message, 'bad'); }
    });
    main.querySelectorAll('[data-revoke]').forEach((b) => b.addEventListener('click', async () => {
      if (!confirm('吊销后该系统的密钥立即失效，确定吊销？')) return;
      try { await api('POST', `/open311/clients/${b.dataset.revoke}/revoke`); toast('已吊销'); await draw(); } catch (e) { toast(e.message, 'bad'); }
    }));
  };
  main.querySelector('#o311new').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      const c = await api('POST', '/open311/clients', { name: f.elements.name.value, channel: f.elements.channel.value, rate_per_minute: Number(f.elements.rate.value) || 60, townships: [...f.querySelectorAll('[name=town]:checked')].map((x) => Number(x.value)) });
      setHtml(main.querySelector('#o311key'), html`<div class="card route-ok"><p>已登记「${esc(c.name)}」。API 密钥只显示这一次，请立即交给对方系统：</p><p><code class="o311-key">${esc(c.api_key)}</code></p></div>`);
      f.reset();
      await draw();
    } catch (e) { toast(e.message, 'bad'); }
  });
  await draw();
}
