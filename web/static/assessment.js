// assessment.js — the assessment of dispatched units and staff (R8, issue
// 12): the office's scheme editor (parts with weights and scoring rules,
// the sum shown as it is typed), the leader's approval, the scoreboard per
// unit and per person with every point drilling down to its records, the
// daily rating form (phone-sized), the flags board of 不作为、慢作为、乱作为,
// and the annual results with the township's grade and the department's
// final grade side by side, exported as XLSX and PDF.
import { html, setHtml, addHtml, api, esc, fmtTime, has, dialog, toast, state } from './core.js';

const GRADES = ['优秀', '称职', '基本称职', '不称职'];
const SCHEME_ACT = { submit: '提交审批', approve: '批准', return: '退回修改', close: '结束' };
const RESULT_ACT = { finalise: '乡镇评定', send: '审定并报送', return: '退回重评', department_final: '确定年度考核结果' };
const FLAG_ACT = { supervise: '领导督办', close: '办结' };
const year = () => new Date(Date.now() + 8 * 3600000).getUTCFullYear();
const fmt = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : esc(v));
const stTag = (s, label) => html`<span class="tag as-st-${esc(s)}">${esc(label || s)}</span>`;

let catalogue = null;
async function indicators() {
  catalogue ||= await api('GET', '/assessment/indicators');
  return catalogue;
}

// #/assessment            the schemes (and the editor for the office)
// #/assessment/{id}       one scheme: scoreboard, drill-down, rating form
export async function assessmentView(main, [id] = []) {
  if (id) return schemeView(main, Number(id));
  const r = await api('GET', '/assessment/schemes');
  setHtml(main, html`<h2>考核办法</h2>
    ${has('office') ? html`<div class="bar"><button class="btn primary-btn" id="as-new">新建考核办法</button></div><div id="as-editor"></div>` : ''}
    <div id="as-list">${r.items.length ? r.items.map(schemeCard) : html`<p class="muted">尚无考核办法</p>`}</div>`);
  main.querySelector('#as-new')?.addEventListener('click', () => editor(main.querySelector('#as-editor')));
  bindSchemeActions(main, () => assessmentView(main, []));
}

function schemeCard(s) {
  return html`<div class="card as-scheme" data-id="${s.id}"><b><a href="#/assessment/${s.id}">${esc(s.name)}</a></b> ${stTag(s.state, s.state_label)}
    <span class="muted">${esc(s.period_start)} 至 ${esc(s.period_end)} · 第${s.scheme_version}版</span>
    ${s.return_reason && s.state === 'draft' ? html`<p class="muted">退回理由：${esc(s.return_reason)}</p>` : ''}
    <div class="muted">${html.join((s.parts || []).map((p) => html`${esc(p.kind === 'rating' ? '日常管理评价' : p.indicator)} ${fmt(p.weight)}分`), '；')}</div>
    <div class="actions" data-scheme="${s.id}"></div></div>`;
}

// allowed actions are asked per scheme (the list does not carry them)
async function bindSchemeActions(main, reload) {
  for (const box of main.querySelectorAll('.actions[data-scheme]')) {
    const s = await api('GET', `/assessment/schemes/${box.dataset.scheme}`);
    setHtml(box, (s.allowed_actions || []).map((a) => html`<button class="btn ${a.action === 'approve' || a.action === 'submit' ? 'primary-btn' : ''}" data-act="${a.action}">${esc(a.label)}</button>`));
    box.addEventListener('click', async (ev) => {
      const act = ev.target.dataset?.act;
      if (!act) return;
      const body = { action: act };
      if (act === 'return') {
        const v = await dialog('退回考核办法', [{ name: 'reason', label: '退回理由', type: 'textarea', required: true }], '退回');
        if (!v) return;
        body.reason = v.reason;
      }
      try { await api('POST', `/assessment/schemes/${s.id}/actions`, body); toast(`已${SCHEME_ACT[act] || act}`); reload(); }
      catch (e) { toast(e.message, 'error'); }
    });
  }
}

function partRow(cat, p = {}) {
  const opts = cat.items.map((i) => html`<option value="${esc(i.code)}" ${i.code === p.indicator ? 'selected' : ''}>${esc(i.name)}（${i.subjects.map((s) => (s === 'unit' ? '单位' : '个人')).join('、')}）</option>`);
  return html`<div class="row2 as-part"><select class="as-ind">${opts}</select><input class="as-w narrow" type="number" min="1" max="100" step="any" value="${p.weight ?? 10}" aria-label="权重">
    <select class="as-rule"><option value="">默认规则</option><option value="linear">线性（达标满分）</option><option value="per_event">按次计分（封顶）</option></select>
    <input class="as-a narrow" type="number" step="any" placeholder="达标值/每次" aria-label="达标值或每次分值"><input class="as-b narrow" type="number" step="any" placeholder="零分值/封顶" aria-label="零分值或封顶"><button type="button" class="btn as-del">删除</button></div>`;
}

async function editor(box) {
  const cat = await indicators();
  const y = year();
  setHtml(box, html`<form class="card" id="as-form"><b>新建考核办法</b>
    <label for="as-name">名称</label><input id="as-name" required value="${y}年度派驻机构和派驻人员考核办法">
    <div class="row2"><div><label for="as-start">考核期间自</label><input id="as-start" type="date" required value="${y}-01-01"></div>
    <div><label for="as-end">至</label><input id="as-end" type="date" required value="${y}-12-31"></div></div>
    <label>考核指标（来自指标目录，线性规则：达标值满分、零分值零分；按次规则：每次分值与封顶）</label>
    <div id="as-parts">${partRow(cat, { indicator: 'on_time_handling_rate', weight: 30 })}${partRow(cat, { indicator: 'rework_rate', weight: 20 })}${partRow(cat, { indicator: 'overdue', weight: 10 })}${partRow(cat, { indicator: 'joint_actions', weight: 10 })}</div>
    <button type="button" class="btn" id="as-add">增加指标</button>
    <label for="as-rating">日常管理评价权重</label><input id="as-rating" type="number" min="0" max="100" step="any" value="30">
    <p>权重合计：<b id="as-sum"></b>（须为100）</p><div class="error" id="as-err"></div>
    <button class="btn primary-btn" id="as-save" type="submit">保存草稿</button></form>`);
  const form = box.querySelector('#as-form');
  const sum = () => {
    const s = [...form.querySelectorAll('.as-w')].reduce((a, i) => a + Number(i.value || 0), 0) + Number(form.querySelector('#as-rating').value || 0);
    form.querySelector('#as-sum').textContent = String(Math.round(s * 100) / 100);
    form.querySelector('#as-sum').className = Math.abs(s - 100) < 1e-9 ? 'green' : 'red';
  };
  sum();
  form.addEventListener('input', sum);
  form.querySelector('#as-add').addEventListener('click', () => { addHtml(form.querySelector('#as-parts'), 'beforeend', partRow(cat)); sum(); });
  form.addEventListener('click', (ev) => { if (ev.target.classList.contains('as-del')) { ev.target.closest('.as-part').remove(); sum(); } });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const parts = [...form.querySelectorAll('.as-part')].map((row) => {
      const p = { indicator: row.querySelector('.as-ind').value, weight: Number(row.querySelector('.as-w').value) };
      const rule = row.querySelector('.as-rule').value, a = row.querySelector('.as-a').value, b = row.querySelector('.as-b').value;
      if (rule) p.rule = rule;
      if (rule === 'linear') { if (a !== '') p.good = Number(a); if (b !== '') p.bad = Number(b); }
      if (rule === 'per_event') { if (a !== '') p.per = Number(a); if (b !== '') p.cap = Number(b); }
      return p;
    });
    const rw = Number(form.querySelector('#as-rating').value || 0);
    if (rw > 0) parts.push({ kind: 'rating', weight: rw });
    try {
      const s = await api('POST', '/assessment/schemes', { township_id: state.me.township_id, name: form.querySelector('#as-name').value, period_start: form.querySelector('#as-start').value, period_end: form.querySelector('#as-end').value, parts });
      toast('已保存考核办法草稿');
      location.hash = `#/assessment/${s.id}`;
    } catch (e) { form.querySelector('#as-err').textContent = e.field ? `${e.message}（${e.field}）` : e.message; }
  });
}

async function schemeView(main, id) {
  const s = await api('GET', `/assessment/schemes/${id}`);
  const inUse = s.state === 'approved' || s.state === 'closed';
  setHtml(main, html`<h2>${esc(s.name)} ${stTag(s.state, s.state_label)}</h2>
    <p class="muted">考核期间 ${esc(s.period_start)} 至 ${esc(s.period_end)}　<a href="#/assessment">返回考核办法</a>　<a href="#/assessment-flags">预警</a>　<a href="#/assessment-results">年度结果</a></p>
    <div class="actions" data-scheme="${s.id}"></div>
    ${inUse ? html`<div class="tabs" id="as-tabs"><a href="#" data-subject="unit" class="active">派驻机构</a><a href="#" data-subject="person">派驻人员</a></div>
    <div class="table-wrap"><table class="compact" id="as-scores"><tbody><tr><td class="loading">正在计算…</td></tr></tbody></table></div>
    <div id="as-records"></div>
    ${has('office', 'leader') && s.state === 'approved' ? rateForm() : ''}
    ${has('office') ? html`<div class="bar"><button class="btn primary-btn" id="as-generate">生成年度考核结果</button></div>` : ''}` : html`<p class="muted">考核办法批准后显示得分。</p>`}`);
  bindSchemeActions(main, () => schemeView(main, id));
  if (!inUse) return;
  let subject = 'unit';
  let items = [];
  const load = async () => {
    const r = await api('GET', `/assessment/scores?scheme_id=${id}&subject=${subject}`);
    items = r.items;
    const parts = s.parts;
    setHtml(main.querySelector('#as-scores'), html`<thead><tr><th>${subject === 'unit' ? '派驻机构' : '派驻人员'}</th><th>总分</th>${parts.map((p) => html`<th>${esc(p.kind === 'rating' ? '日常管理评价' : (catalogue?.items.find((i) => i.code === p.indicator)?.name || p.indicator))}（${fmt(p.weight)}）</th>`)}</tr></thead>
      <tbody>${items.map((it) => html`<tr data-id="${it.subject.id}"><td>${esc(it.subject.name)}</td><td><b>${fmt(it.total)}</b></td>${it.parts.map((p) => html`<td class="pts" data-ind="${esc(p.indicator)}" title="${p.applies ? html`值 ${fmt(p.value)}，分子 ${fmt(p.numerator)}，分母 ${fmt(p.denominator)}` : '不适用'}"><a href="#" data-ind="${esc(p.indicator)}">${p.applies ? fmt(p.points) : '—'}</a><span class="muted"> ${p.applies ? fmt(p.value) : ''}</span></td>`)}</tr>`)}</tbody>`);
    const sel = main.querySelector('#r-subject');
    if (sel && main.querySelector('#r-kind').value === subject) setHtml(sel, items.map((it) => html`<option value="${it.subject.id}">${esc(it.subject.name)}</option>`));
  };
  await indicators();
  await load();
  main.querySelector('#as-tabs').addEventListener('click', async (ev) => {
    const a = ev.target.closest('a');
    if (!a) return;
    ev.preventDefault();
    subject = a.dataset.subject;
    main.querySelectorAll('#as-tabs a').forEach((x) => x.classList.toggle('active', x === a));
    setHtml(main.querySelector('#as-records'), '');
    await load();
  });
  main.querySelector('#as-scores').addEventListener('click', async (ev) => {
    const a = ev.target.closest('a[data-ind]');
    if (!a) return;
    ev.preventDefault();
    const sid = a.closest('tr').dataset.id, ind = a.dataset.ind;
    const box = main.querySelector('#as-records');
    try {
      const r = await api('GET', `/assessment/scores/records?scheme_id=${id}&subject=${subject}&id=${sid}&indicator=${encodeURIComponent(ind)}`);
      const name = items.find((i) => String(i.subject.id) === sid)?.subject.name || '';
      setHtml(box, html`<div class="card"><b>${esc(name)} · ${esc(ind === 'rating' ? '日常管理评价' : ind)}：${r.items.length} 条记录</b>
        <table class="compact"><tbody>${html.join(r.items.map((x) => recordRow(r.kind, x))) || html`<tr><td class="muted">没有记录</td></tr>`}</tbody></table></div>`);
    } catch (e) { setHtml(box, html`<div class="card muted">${esc(e.message)}</div>`); }
  });
  main.querySelector('#as-generate')?.addEventListener('click', async () => {
    try { const r = await api('POST', '/assessment/results', { scheme_id: id }); toast(`已生成 ${r.items.length} 条年度考核结果`); location.hash = `#/assessment-results?scheme_id=${id}`; }
    catch (e) { toast(e.message, 'error'); }
  });
  const rf = main.querySelector('#as-rate');
  if (rf) {
    rf.querySelector('#r-kind').addEventListener('change', async (ev) => {
      const r = await api('GET', `/assessment/scores?scheme_id=${id}&subject=${ev.target.value}`);
      setHtml(rf.querySelector('#r-subject'), r.items.map((it) => html`<option value="${it.subject.id}">${esc(it.subject.name)}</option>`));
    });
    rf.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { scheme_id: id, subject: rf.querySelector('#r-kind').value, subject_id: Number(rf.querySelector('#r-subject').value), score: Number(rf.querySelector('#r-score').value) };
      const remarks = rf.querySelector('#r-remarks').value.trim();
      const ek = rf.querySelector('#r-event-kind').value, eid = Number(rf.querySelector('#r-event').value || 0);
      if (remarks) body.remarks = remarks;
      if (ek && eid) { body.event_kind = ek; body.event_id = eid; }
      try { await api('POST', '/assessment/ratings', body); toast('已记录日常评价'); rf.reset(); await load(); }
      catch (e) { rf.querySelector('#r-err').textContent = e.message; }
    });
  }
}

function rateForm() {
  return html`<form class="card" id="as-rate"><b>日常管理评价</b>
    <div class="row2"><select id="r-kind" aria-label="评价对象类别"><option value="unit">派驻机构</option><option value="person">派驻人员</option></select><select id="r-subject" aria-label="评价对象"></select></div>
    <label for="r-score">评分（0–100）</label><input id="r-score" type="number" min="0" max="100" step="any" required inputmode="decimal">
    <label for="r-remarks">评价意见</label><textarea id="r-remarks" rows="2"></textarea>
    <div class="row2"><select id="r-event-kind" aria-label="所涉事件"><option value="">不涉及具体事件</option><option value="problem">问题</option><option value="joint_action">联合执法行动</option><option value="notice">互动告知</option></select><input id="r-event" type="number" min="1" placeholder="编号"></div>
    <div class="error" id="r-err"></div><button class="btn primary-btn" id="r-submit" type="submit">提交评价</button></form>`;
}

function recordRow(kind, x) {
  if (kind === 'problem') return html`<tr><td><a href="#/problem/${x.id}">#${x.id}</a></td><td>${esc(x.description)}</td><td>${esc(x.state)}</td><td>${fmtTime(x.created_at)}</td></tr>`;
  if (kind === 'joint_action') return html`<tr><td><a href="#/joint-action/${x.id}">#${x.id}</a></td><td>${esc(x.title)}</td><td>${esc(x.state)}</td><td>${fmtTime(x.planned_start || x.created_at)}</td></tr>`;
  if (kind === 'notice') return html`<tr><td>告知 #${x.id}</td><td>${esc(x.description)}</td><td>${fmtTime(x.issued_at)}</td><td>${x.answered_at ? fmtTime(x.answered_at) : '未反馈'}</td></tr>`;
  return html`<tr><td>${fmt(x.score)}</td><td>${esc(x.remarks)}</td><td>${esc(x.rater_name)}</td><td>${fmtTime(x.created_at)}</td></tr>`;
}

// spotlight: the record a message opened (#/assessment-flags/ID,
// #/assessment-results/ID) marked and scrolled to.
function spotlight(main, sel) {
  const el = sel && main.querySelector(sel);
  if (el) { el.classList.add('spotlight'); el.scrollIntoView({ block: 'center' }); }
}

// #/assessment-flags — the board of 不作为、慢作为、乱作为
export async function flagsView(main, [focus] = []) {
  const r = await api('GET', `/assessment/flags?township_id=${state.me.township_id || ''}`);
  setHtml(main, html`<h2>不作为、慢作为、乱作为预警</h2><div id="as-flags">${r.items.length ? r.items.map((f) => html`<div class="card as-flag" data-id="${f.id}">
    <span class="tag red">${esc(f.rule_info?.sign)}</span> <b>${esc(f.unit_name)}：${esc(f.rule_info?.name)}</b> ${stTag(f.state, f.state_label)}
    <p class="muted">${esc(f.rule_info?.description)}（发现于 ${fmtTime(f.found_at)}）</p>
    <div>证据（${f.count} 条）：${html.join(f.evidence.ids.map((i) => (f.evidence.kind === 'problem' ? html`<a href="#/problem/${i}">#${i}</a>` : html`告知 #${i}`)), '、')}</div>
    ${f.note ? html`<p>说明：${esc(f.note)}</p>` : ''}
    <div class="actions">${(f.allowed_actions || []).map((a) => html`<button class="btn" data-act="${a.action}">${esc(a.label)}</button>`)}</div></div>`) : html`<p class="muted">暂无预警</p>`}</div>`);
  spotlight(main, focus && `.as-flag[data-id="${Number(focus)}"]`);
  main.querySelector('#as-flags').addEventListener('click', async (ev) => {
    const act = ev.target.dataset?.act;
    if (!act) return;
    const id = ev.target.closest('.as-flag').dataset.id;
    const v = await dialog(FLAG_ACT[act] || act, [{ name: 'note', label: act === 'supervise' ? '督办意见' : '办结说明', type: 'textarea', required: true }]);
    if (!v) return;
    try { await api('POST', `/assessment/flags/${id}/actions`, { action: act, note: v.note }); toast('已处理'); flagsView(main); }
    catch (e) { toast(e.message, 'error'); }
  });
}

// #/assessment-results — the year's results; the department's final form
export async function resultsView(main, [focus] = []) {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const sid = q.get('scheme_id');
  const r = await api('GET', `/assessment/results${sid ? `?scheme_id=${sid}` : ''}`);
  const schemes = [...new Map(r.items.map((x) => [x.scheme_id, x.scheme_name])).entries()];
  setHtml(main, html`<h2>年度考核结果</h2>
    <p class="muted">${html.join(schemes.map(([id, name]) => html`${esc(name)}：<a href="/api/v1/assessment/results/export.xlsx?scheme_id=${id}" download>导出XLSX</a> · <a href="/api/v1/assessment/results/export.pdf?scheme_id=${id}" download>导出PDF</a>`), html`<br>`)}</p>
    <div class="table-wrap"><table class="compact" id="as-results"><thead><tr><th>年度</th><th>乡镇</th><th>考核对象</th><th>所属单位</th><th>总分</th><th>乡镇评定</th><th>主管部门确定</th><th>状态</th><th></th></tr></thead>
    <tbody>${html.join(r.items.map((x) => html`<tr data-id="${x.id}"><td data-l="年度">${x.year}</td><td data-l="乡镇">${esc(x.township_name)}</td><td data-l="考核对象">${esc(x.subject_name)}<span class="muted">（${x.subject_kind === 'unit' ? '机构' : '人员'}）</span></td><td data-l="所属单位">${esc(x.unit_name)}</td><td data-l="总分">${fmt(x.total)}</td>
      <td data-l="乡镇评定">${esc(x.township_grade || '—')}${x.township_remarks ? html`<br><span class="muted">${esc(x.township_remarks)}</span>` : ''}</td>
      <td class="dept-grade" data-l="主管部门确定">${esc(x.department_grade || '—')}${x.department_remarks ? html`<br><span class="muted">${esc(x.department_remarks)}</span>` : ''}</td>
      <td data-l="状态">${stTag(x.state, x.state_label)}</td><td>${(x.allowed_actions || []).map((a) => html`<button class="btn" data-act="${a.action}">${esc(a.label)}</button>`)}</td></tr>`)) || html`<tr><td colspan="9" class="muted">暂无考核结果</td></tr>`}</tbody></table></div>`);
  spotlight(main, focus && `#as-results tr[data-id="${Number(focus)}"]`);
  main.querySelector('#as-results').addEventListener('click', async (ev) => {
    const act = ev.target.dataset?.act;
    if (!act) return;
    const id = ev.target.closest('tr').dataset.id;
    const body = { action: act };
    if (act === 'finalise' || act === 'department_final') {
      const v = await dialog(RESULT_ACT[act], [{ name: 'grade', label: '考核等次', type: 'select', options: GRADES.map((g) => [g, g]), value: '称职', required: true },
        { name: 'remarks', label: act === 'finalise' ? '乡镇评语' : '主管部门意见（依据乡镇通报情况）', type: 'textarea' }]);
      if (!v) return;
      body.grade = v.grade;
      if (v.remarks) body.remarks = v.remarks;
    } else if (act === 'return') {
      const v = await dialog('退回重评', [{ name: 'reason', label: '理由', type: 'textarea', required: true }]);
      if (!v) return;
      body.reason = v.reason;
    }
    try { await api('POST', `/assessment/results/${id}/actions`, body); toast(`已${RESULT_ACT[act] || act}`); resultsView(main); }
    catch (e) { toast(e.message, 'error'); }
  });
}
