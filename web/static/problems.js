// problems.js — the closed loop in the browser: the office's queue (tabs by
// state, warning-light counts, filters, live refresh from the event
// stream), a problem's page (history timeline, evidence, masked reporter,
// the actions the caller may take), the dispatched unit's tasks, the grid
// member's own reports and verification tasks, the leader's supervision
// page and the inbox.
import { api, all, esc, fmtTime, fmtShort, has, state, toast, dialog, categories, categoryOptions, lightTag, stateTag, plusDays,
  STATE_LABEL, STATES, CHANNEL_LABEL, ACTION_LABEL, kindLabel, html, setHtml, addHtml } from './core.js';
import { jointPending } from './joint.js';

const OPEN = ['reported', 'accepted', 'dispatched', 'in_hand', 'handled', 'verified', 'escalated', 'taken_up'];
const hashQuery = () => new URLSearchParams(location.hash.split('?')[1] || '');

// liveRefresh: call fn(detail) on each `problem` event while el stays on
// the page. The event names the problem (id, state, kind); a `resync`
// (the stream lost events) has no id and means "reload everything".
function liveRefresh(el, fn, alive = () => document.body.contains(el)) {
  const on = (ev) => {
    if (!alive()) { window.removeEventListener('xz:problem', on); return; }
    fn(ev.detail || {});
  };
  window.addEventListener('xz:problem', on);
}

// probe: a list's own row for one problem, or null when the problem is not
// (or no longer) in that list: the list's query at that id (the cursor is
// the id: the first row below id + 1), one row. A live update costs one
// small answer instead of the whole list again.
async function probe(qs, id) {
  const r = await api('GET', `/problems?${qs}${qs ? '&' : ''}limit=1&cursor=${Number(id) + 1}`);
  const p = r.items[0];
  return p && p.id === Number(id) ? p : null;
}

// patchRows: put `row` (or nothing, when null) in place of problem id among
// the elements [data-id] under box, in descending id order. A problem older
// than the last loaded one, with more pages to load, is left to paging.
function patchRows(box, id, markup, hasMore) {
  const old = box.querySelector(`[data-id="${id}"]`);
  if (!markup) { old?.remove(); return; }
  if (old) { addHtml(old, 'afterend', markup); old.remove(); return; }
  const items = [...box.querySelectorAll(':scope > [data-id]')];
  if (hasMore && items.length && id < Number(items[items.length - 1].dataset.id)) return;
  const after = items.find((x) => Number(x.dataset.id) < id);
  if (after) addHtml(after, 'beforebegin', markup);
  else if (items.length) addHtml(items[items.length - 1], 'afterend', markup);
  else { box.querySelector('.empty')?.remove(); addHtml(box, 'beforeend', markup); }
}

const place = (p) => html.join([p.township_name, p.cell_name, p.address].filter(Boolean).map(esc), ' · ') || html`<span class="muted">未定位</span>`;
const dueCell = (p) => p.due_at ? html`<span class="due ${esc(p.light || '')}">${fmtShort(p.due_at)}</span>` : '';

// ---------------------------------------------------------------- queue
export async function queueView(main) {
  const q = hashQuery();
  const f = { state: q.get('state') || '', channel: q.get('channel') || '', category: q.get('category') || '', unit_id: q.get('unit_id') || '',
    cell_id: q.get('cell_id') || '', overdue: q.get('overdue') || '', light: q.get('light') || '', q: q.get('q') || '' };
  const [cats, units] = await Promise.all([categories().catch(() => []), all('/units').catch(() => [])]);
  setHtml(main, html`<h2>问题受理与派遣</h2>
    <div class="tabs" id="tabs"></div>
    <form class="filters card" id="filters">
      <select name="channel" aria-label="来源渠道"><option value="">全部渠道</option>${html.join(Object.entries(CHANNEL_LABEL).map(([k, v]) => html`<option value="${k}">${v}</option>`), '')}</select>
      <select name="category" aria-label="问题类别"><option value="">全部类别</option>${categoryOptions(cats)}</select>
      <select name="unit_id" aria-label="责任单位"><option value="">全部责任单位</option>${html.join(units.map((u) => html`<option value="${u.id}">${esc(u.name)}</option>`), '')}</select>
      <select name="light" aria-label="预警灯"><option value="">全部预警</option><option value="red">红灯（超期）</option><option value="yellow">黄灯（临期）</option><option value="green">绿灯</option></select>
      <label class="check"><input type="checkbox" name="overdue" value="1"> 仅超期</label>
      <input name="q" placeholder="搜索描述、地址、编号" aria-label="搜索描述、地址、编号" class="grow">
      <button class="btn" type="submit">查询</button>
    </form>
    ${has('office') ? html`<section id="esc-requests" class="card hidden" aria-labelledby="esc-h"></section>` : ''}
    <div class="lights" id="lights"></div>
    <div id="live" class="muted live"></div>
    <div class="table-wrap"><table class="queue"><thead><tr><th></th><th>编号</th><th>类别</th><th>描述</th><th>位置</th><th>渠道</th><th>状态</th><th>责任单位</th><th>时限</th><th>上报时间</th></tr></thead><tbody id="rows"><tr><td colspan="10" class="loading">正在加载…</td></tr></tbody></table></div>
    <div class="more"><button class="btn hidden" id="more">加载更多</button></div>`);
  const form = main.querySelector('#filters');
  for (const k of ['channel', 'category', 'unit_id', 'light', 'q']) form.elements[k].value = f[k];
  form.elements.overdue.checked = f.overdue === '1';
  let next = null;

  const params = () => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    return p;
  };
  const row = (p) => html`<tr data-id="${p.id}" class="clickable"><td>${lightTag(p.light)}</td><td><a href="#/problem/${p.id}">#${p.id}</a></td><td>${esc(p.category_name || p.category)}</td>
    <td class="desc">${esc(p.description)}${p.supervised ? html` <span class="tag red">督办</span>` : ''}</td><td>${place(p)}</td><td>${esc(CHANNEL_LABEL[p.channel] || p.channel)}</td>
    <td>${stateTag(p.state)}</td><td>${esc(p.unit_name || '')}</td><td>${dueCell(p)}</td><td>${fmtShort(p.created_at)}</td></tr>`;

  async function counts() {
    const tabs = main.querySelector('#tabs');
    let by = {};
    try { by = (await api('GET', '/stats/problems')).by_state || {}; } catch {}
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    const tab = (s, label) => html`<a href="#" data-state="${s}" class="${f.state === s ? 'active' : ''}">${label}${s ? (by[s] !== undefined ? html` <b>${by[s]}</b>` : '') : (total ? html` <b>${total}</b>` : '')}</a>`;
    setHtml(tabs, html`${tab('', '全部')}${STATES.map((s) => tab(s, STATE_LABEL[s]))}`);
  }
  function lightsLine() {
    const tbody = main.querySelector('#rows');
    const lights = { red: 0, yellow: 0, green: 0 };
    tbody.querySelectorAll('tr[data-id] .light').forEach((el) => { for (const k of Object.keys(lights)) if (el.classList.contains(k)) lights[k]++; });
    setHtml(main.querySelector('#lights'), html`本页：<span class="light red"></span>红灯 <b>${lights.red}</b>　<span class="light yellow"></span>黄灯 <b>${lights.yellow}</b>　<span class="light green"></span>绿灯 <b>${lights.green}</b>　共 ${tbody.querySelectorAll('tr[data-id]').length} 件${next ? '（还有更多）' : ''}`);
  }
  async function load(append = false) {
    const p = params();
    p.set('limit', '100');
    if (append && next) p.set('cursor', next);
    const tbody = main.querySelector('#rows');
    try {
      const r = await api('GET', '/problems?' + p.toString());
      next = r.next;
      const rows = r.items.map(row);
      if (append) addHtml(tbody, 'beforeend', rows);
      else setHtml(tbody, rows.length ? rows : html`<tr class="empty"><td colspan="10" class="muted">没有符合条件的问题</td></tr>`);
      main.querySelector('#more').classList.toggle('hidden', !next);
      lightsLine();
    } catch (e) {
      setHtml(tbody, html`<tr><td colspan="10" class="error">${esc(e.message)}</td></tr>`);
    }
  }
  const apply = () => {
    history.replaceState(null, '', '#/queue' + (params().toString() ? '?' + params().toString() : ''));
    counts(); load();
  };
  main.querySelector('#tabs').addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-state]');
    if (!a) return;
    ev.preventDefault(); f.state = a.dataset.state; apply();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const k of ['channel', 'category', 'unit_id', 'light', 'q']) f[k] = form.elements[k].value.trim();
    f.overdue = form.elements.overdue.checked ? '1' : '';
    apply();
  });
  form.addEventListener('change', (ev) => { if (ev.target.name !== 'q') form.requestSubmit(); });
  main.querySelector('#rows').addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr[data-id]');
    if (tr && !ev.target.closest('a')) location.hash = '#/problem/' + tr.dataset.id;
  });
  main.querySelector('#more').addEventListener('click', () => load(true));
  // the units' requests for joint enforcement wait for the office's decision (R5.3)
  const escBox = main.querySelector('#esc-requests');
  let escItems = [];
  // requests: the list, read whole (id absent) or, on a live event, only
  // the problem it names (the list's own query at that id, one row)
  async function requests(id) {
    if (!escBox) return;
    if (!id) {
      try { escItems = (await api('GET', '/problems?escalation_requested=1&limit=50')).items; } catch { escItems = []; }
    } else {
      const p = await probe('escalation_requested=1', id).catch(() => undefined);
      if (p === undefined) return;
      escItems = escItems.filter((x) => x.id !== Number(id));
      if (p) escItems = [p, ...escItems].sort((a, b) => b.id - a.id);
    }
    escBox.classList.toggle('hidden', !escItems.length);
    setHtml(escBox, escItems.length ? html`<h3 id="esc-h">派驻机构申请提请联合执法 <span class="count">${escItems.length}</span></h3>
      ${html.join(escItems.map((p) => html`<div class="esc-item" data-id="${p.id}"><a href="#/problem/${p.id}">#${p.id} ${esc(p.category_name || p.category)}</a> ${esc(p.unit_name || '')} <span class="muted">${fmtShort(p.escalation_requested_at)}申请</span>
        <span class="desc">${esc(p.description)}</span><span class="actions"><button class="btn small act-escalate" data-act="escalate">转联合执法</button><button class="btn small act-decline_escalation" data-act="decline_escalation">不同意</button></span></div>`), '')}` : '');
  }
  escBox?.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const p = escItems.find((x) => x.id === Number(b.closest('[data-id]').dataset.id));
    b.disabled = true;
    if (await runAction(p, b.dataset.act)) { await requests(); await Promise.all([counts(), load()]); } else b.disabled = false;
  });
  await Promise.all([counts(), load(), requests()]);
  liveRefresh(main.querySelector('#rows'), async (ev) => {
    requests(ev.id);
    if (!ev.id) await Promise.all([counts(), load()]);
    else {
      const qs = params(); qs.delete('q');
      const p = f.q ? null : await probe(qs.toString(), ev.id).catch(() => undefined);
      if (f.q) await load(); // a search is matched by the server only
      else if (p !== undefined) { patchRows(main.querySelector('#rows'), ev.id, p && row(p), !!next); lightsLine(); }
      counts();
    }
    const live = main.querySelector('#live');
    if (live) live.textContent = `列表已于 ${fmtShort(new Date().toISOString())} 自动更新`;
  });
}

// ------------------------------------------------------------- actions
const STEP_LABEL = { accept: '受理时限', handle: '处置时限', verify: '核查时限', dispatch: '派遣时限', supervise: '督办期限' };
const FINAL_NOTE = { accept: '确认受理该问题？', take: '确认签收该任务？', close: '确认结案？' };

const REASON_LABEL = { return: '退回理由（非本单位职责的说明）', take_up: '上提理由（县级执法直接查处的原因）', hand_back: '交回理由（由乡镇闭环处置的原因）',
  request_escalation: '申请理由（本单位无法单独纠正的原因）', decline_escalation: '不同意的理由', escalate: '理由' };

// deadlineBody: the department's deadline (交办期限) from a form: working
// days when given, else the date (its end in Shanghai); null when neither.
export function deadlineBody(v) {
  const days = String(v.days || '').trim();
  if (days) return { due_days: Number(days) };
  return v.due ? { due_at: v.due } : null;
}

// askDeadline: assigning a problem of the line down with a deadline.
async function askDeadline(p) {
  const v = await dialog(`限期交办乡镇 · #${p.id}`, [
    { name: 'due', label: '办结期限（日期，不超过90日）', type: 'date', value: plusDays(10) },
    { name: 'days', label: '或按工作日计（填写则以工作日为准，1–60）', type: 'number', min: 1, max: 60 },
    { name: 'note', label: '交办意见（可选）', type: 'textarea' },
  ], '交办');
  if (!v) return null;
  const d = deadlineBody(v);
  if (!d) { toast('须给出办结期限', 'bad'); return null; }
  return { action: 'assign', ...d, ...(v.note.trim() ? { note: v.note.trim() } : {}) };
}

// askAction: the form an action needs; answers the request body or null.
async function askAction(p, action) {
  switch (action) {
    case 'accept': case 'take': case 'close': {
      const v = await dialog(`${ACTION_LABEL[action]} · #${p.id}`, [{ name: 'note', label: `${FINAL_NOTE[action]} 备注（可选）`, type: 'textarea' }], ACTION_LABEL[action]);
      return v && (v.note.trim() ? { action, note: v.note.trim() } : { action });
    }
    case 'reject': case 'return': case 'escalate': case 'take_up': case 'hand_back': case 'request_escalation': case 'decline_escalation': {
      const v = await dialog(`${ACTION_LABEL[action] || action} · #${p.id}`, [{ name: 'reason', label: REASON_LABEL[action] || '理由', type: 'textarea', required: true }], ACTION_LABEL[action] || '确定');
      return v && { action, reason: v.reason.trim() };
    }
    case 'conclude': {
      const v = await dialog(`办结并反馈结果 · #${p.id}`, [{ name: 'result', label: '办理结果（乡镇将在办理过程中看到）', type: 'textarea', required: true }], '办结');
      return v && { action, result: v.result.trim() };
    }
    case 'assign': return askDeadline(p);
    case 'merge': {
      let dup = [];
      if (p.lon != null) { try { dup = (await api('GET', `/problems/duplicates?category=${encodeURIComponent(p.category)}&lon=${p.lon}&lat=${p.lat}`)).items.filter((x) => x.id !== p.id); } catch {} }
      const v = await dialog(`合并重复问题 · #${p.id}`, dup.length
        ? [{ name: 'into_id', label: '合并到（附近同类未办结问题）', type: 'select', options: dup.map((x) => [x.id, `#${x.id} ${x.description.slice(0, 24)}`]) }]
        : [{ name: 'into_id', label: '合并到问题编号', type: 'number', required: true }], '合并');
      return v && { action, into_id: Number(v.into_id) };
    }
    case 'dispatch': {
      const units = await all(`/units?township_id=${p.township_id}`).catch(() => []);
      const def = p.routing?.unit_id ?? p.unit_id ?? '';
      const v = await dialog(`派遣 · #${p.id}`, [{ name: 'unit_id', label: '责任单位（默认按权责清单计算）', type: 'select', value: def,
        options: units.map((u) => [u.id, u.name + (u.id === p.routing?.unit_id ? '（清单责任单位）' : '')]) }], '派遣');
      return v && { action, unit_id: Number(v.unit_id) };
    }
    case 'handle': {
      const v = await dialog(`处置反馈 · #${p.id}`, [{ name: 'feedback', label: '处置情况', type: 'textarea', required: true },
        { name: 'photos', label: '处置照片（可多张）', type: 'file' }], '提交反馈');
      return v && { action, feedback: v.feedback.trim(), files: v.photos };
    }
    case 'verify': {
      const v = await dialog(`现场核查 · #${p.id}`, [{ name: 'passed', label: '核查结果', type: 'select', options: [['true', '通过（问题已解决）'], ['false', '不通过（退回返工）']] },
        { name: 'note', label: '核查说明', type: 'textarea' }], '提交核查');
      if (v && v.passed === 'false' && !v.note.trim()) { toast('核查不通过须写明原因', 'bad'); return null; }
      return v && { action, passed: v.passed === 'true', note: v.note.trim() };
    }
    case 'evaluate': {
      const v = await dialog(`评价 · #${p.id}`, [{ name: 'score', label: '满意度', type: 'select', value: '5', options: [[5, '5 分 非常满意'], [4, '4 分 满意'], [3, '3 分 基本满意'], [2, '2 分 不满意'], [1, '1 分 非常不满意']] },
        { name: 'comment', label: '评价意见', type: 'textarea' }], '提交评价');
      return v && { action, score: Number(v.score), comment: v.comment.trim() };
    }
    case 'supervise': {
      const v = await dialog(`督办 · #${p.id}`, [{ name: 'note', label: '督办意见', type: 'textarea', required: true }, { name: 'due', label: '督办期限（可选）', type: 'datetime-local' }], '督办');
      if (!v) return null;
      const body = { action, note: v.note.trim() };
      if (v.due) body.due_at = v.due + ':00+08:00';
      return body;
    }
    default:
      return (await dialog(`${ACTION_LABEL[action] || action} · #${p.id}`, [], '确定')) ? { action } : null;
  }
}

export async function uploadEvidence(id, file) {
  const fd = new FormData();
  fd.append('file', file, file.name || 'photo.jpg');
  return api('POST', `/problems/${id}/evidence`, { raw: fd });
}

// runAction: ask, upload photos first when the action carries them, post
// the action; answers true when it was done.
export async function runAction(p, action) {
  const body = await askAction(p, action);
  if (!body) return false;
  try {
    const files = body.files ? Array.from(body.files) : [];
    delete body.files;
    for (const file of files) await uploadEvidence(p.id, file);
    await api('POST', `/problems/${p.id}/actions`, body);
    toast(`已${ACTION_LABEL[action] || action}：#${p.id}`);
    return true;
  } catch (e) {
    toast(e.code === 'invalid_transition' ? `当前状态不能${ACTION_LABEL[action] || action}（${e.message}）` : e.message, 'bad');
    return false;
  }
}

// ------------------------------------------------------------- problem page
// steps written by joint enforcement (joint_work.c), which carry no label of their own
const HISTORY_LABEL = { joint_action: '纳入联合执法行动', joint_close: '经联合执法结案', joint_return: '联合执法未解决，退回', merged_in: '合并问题' };

// linkage: where the problem went beyond the township's loop — taken up by
// the county department (and its outcome), a unit's pending request for
// joint enforcement, the joint actions that took it up.
function linkage(p) {
  const hist = p.history || [];
  const up = hist.map((h, i) => [h, i]).filter(([h]) => h.action === 'take_up').pop();
  let out = '';
  if (up) {
    const [h, i] = up;
    const after = hist.slice(i + 1).find((x) => ['conclude', 'hand_back', 'assign'].includes(x.action));
    const dept = h.data?.department?.name || '县级主管部门';
    out = html`<dt>县乡联动</dt><dd id="linkage">${p.state === 'taken_up' ? html`<span class="tag st-taken_up">已上提</span> 由<b>${esc(dept)}</b>直接查处（${fmtTime(h.at)}）`
      : html`曾上提至<b>${esc(dept)}</b>（${fmtTime(h.at)}）`}${h.note ? html`<br><span class="muted">上提理由：</span>${esc(h.note)}` : ''}
      ${after ? html`<br><span class="muted">${after.action === 'conclude' ? '办理结果' : after.action === 'assign' ? '交办乡镇' : '交回乡镇'}（${fmtTime(after.at)}）：</span><b class="outcome">${esc(after.note || (after.action === 'conclude' ? '已办结' : '由乡镇闭环处置'))}</b>` : ''}</dd>`;
  }
  if (p.escalation_requested_at) out = html`${out}<dt>联合执法申请</dt><dd id="esc-request"><span class="tag yellow">待执法办公室决定</span> 派驻机构于${fmtTime(p.escalation_requested_at)}申请提请联合执法</dd>`;
  if ((p.joint_actions || []).length) out = html`${out}<dt>联合执法行动</dt><dd>${html.join(p.joint_actions.map((a) => html`<a href="#/joint-action/${a.id}">#${a.id} ${esc(a.title || '')}</a>`), '、')}</dd>`;
  return out;
}

export async function problemView(main, [id]) {
  const draw = async () => {
    const p = await api('GET', `/problems/${encodeURIComponent(id)}`);
    const acts = p.allowed_actions || [];
    const rep = p.reporter ? html`${esc(p.reporter.name || '')} ${esc(p.reporter.phone || '')}` : html`<span class="muted">无（非投诉渠道或未留）</span>`;
    setHtml(main, html`<p><a href="javascript:history.back()" id="back">← 返回</a></p>
      <h2>${lightTag(p.light)} 问题 #${p.id} · ${esc(p.category_name || p.category)} ${stateTag(p.state)} ${p.supervised ? html`<span class="tag red">督办</span>` : ''}${p.evaluated ? html`<span class="tag green">已评价</span>` : ''}</h2>
      <div class="cols">
      <div class="col-main">
        <div class="card"><dl class="kv">
          <dt>问题描述</dt><dd class="desc-full">${esc(p.description)}</dd>
          <dt>来源渠道</dt><dd>${esc(CHANNEL_LABEL[p.channel] || p.channel)}</dd>
          <dt>位置</dt><dd>${place(p)}${p.lon != null ? html` <span class="muted">（${Number(p.lon).toFixed(5)}, ${Number(p.lat).toFixed(5)}）</span>` : ''}</dd>
          <dt>责任单位</dt><dd>${esc(p.unit_name || '未派遣')}</dd>
          <dt>派单依据</dt><dd>${p.routing?.reason ? esc(p.routing.reason) : html`<span class="muted">—</span>`}${p.routing?.list_version ? html` <span class="muted">（第 ${esc(p.routing.list_version)} 版清单）</span>` : ''}</dd>
          <dt>当前时限</dt><dd>${p.due_at ? html`<span class="due ${esc(p.light || '')}">${fmtTime(p.due_at)}</span>${STEP_LABEL[p.step] ? html` <span class="muted">（${STEP_LABEL[p.step]}）</span>` : ''}${p.overdue ? html` <span class="tag red">已超期</span>` : ''}` : '—'}</dd>
          ${p.assigned_due_at ? html`<dt>交办期限</dt><dd id="assigned"><b>${fmtTime(p.assigned_due_at)}</b> <span class="muted">（${esc(p.assigned_by_department_name || '县级主管部门')}限期交办）</span></dd>` : ''}
          ${linkage(p)}
          <dt>上报时间</dt><dd>${fmtTime(p.created_at)}</dd>
          <dt>举报人</dt><dd id="reporter">${rep}${p.reporter && has('office') ? html` <button class="btn small" id="showrep">查看完整信息</button>` : ''}</dd>
        </dl></div>
        <div class="card"><b>操作</b><div class="actions" id="actions">${acts.length ? html.join(acts.map((a) => html`<button class="btn act act-${a}" data-act="${a}">${ACTION_LABEL[a] || a}</button>`), '') : html`<span class="muted">当前没有您可执行的操作</span>`}</div></div>
        <div class="card"><b>证据材料</b> <span class="muted">（${(p.evidence || []).length} 件；SHA-256 供日后核验）</span>
          <div class="evidence">${html.join((p.evidence || []).map((e) => html`<figure>${/^image\//.test(e.mime) ? html`<a href="/api/v1/evidence/${e.id}" target="_blank"><img src="/api/v1/evidence/${e.id}" alt="证据 ${e.id}" loading="lazy"></a>` : html`<a class="file" href="/api/v1/evidence/${e.id}" target="_blank">${esc(e.mime)}</a>`}
            <figcaption>${fmtShort(e.created_at)} · ${Math.ceil((e.size || 0) / 1024)} KB<br><code title="${esc(e.sha256)}">${esc((e.sha256 || '').slice(0, 16))}…</code></figcaption></figure>`), '') || html`<span class="muted">暂无</span>`}</div>
          ${OPEN.includes(p.state) ? html`<label class="btn small upload">添加证据<input type="file" id="addev" accept="image/*,video/*,application/pdf" class="hidden-input"></label>` : ''}
        </div>
      </div>
      <div class="col-side card"><b>办理过程</b><ol class="timeline" id="history">${html.join((p.history || []).map((h) => html`<li class="tl-${esc(h.action)}">
          <div class="tl-head"><b>${esc(h.data?.label || ACTION_LABEL[h.action] || HISTORY_LABEL[h.action] || h.action)}</b>${h.to_state ? html` → ${esc(STATE_LABEL[h.to_state] || h.to_state)}` : ''}</div>
          <div class="muted">${fmtTime(h.at)} · ${esc(h.user_name || '系统')}</div>${h.data?.department?.name ? html`<div class="tl-note">县级部门：${esc(h.data.department.name)}${h.data.due_at ? html`，办结期限 ${fmtTime(h.data.due_at)}` : ''}</div>` : ''}${h.note ? html`<div class="tl-note">${esc(h.note)}</div>` : ''}</li>`), '')}</ol></div>
      </div>`);
    main.querySelector('#back').addEventListener('click', (ev) => { ev.preventDefault(); history.length > 1 ? history.back() : (location.hash = '#/home'); });
    main.querySelector('#actions').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-act]');
      if (!b) return;
      b.disabled = true;
      if (await runAction(p, b.dataset.act)) await draw(); else b.disabled = false;
    });
    main.querySelector('#showrep')?.addEventListener('click', async () => {
      const v = await dialog('查看举报人完整信息', [{ name: 'reason', label: '查看事由（将记入审计日志）', type: 'textarea', required: true }], '查看');
      if (!v) return;
      try {
        const r = await api('GET', `/problems/${p.id}/reporter?reason=${encodeURIComponent(v.reason.trim())}`);
        setHtml(main.querySelector('#reporter'), html`<b>${esc(r.name)}</b> ${esc(r.phone)} <span class="tag yellow">已记录查看事由</span>`);
      } catch (e) { toast(e.message, 'bad'); }
    });
    main.querySelector('#addev')?.addEventListener('change', async (ev) => {
      const file = ev.target.files[0];
      if (!file) return;
      try { await uploadEvidence(p.id, file); toast('证据已上传'); await draw(); } catch (e) { toast(e.message, 'bad'); }
    });
  };
  await draw();
  const here = location.hash;
  liveRefresh(main, async () => {
    if (!document.querySelector('.modal')) await draw().catch(() => {});
  }, () => main.isConnected && location.hash === here);
}

// ---------------------------------------------------------------- cards
// A problem as a card for phone-sized lists, with quick action buttons.
function card(p, buttons = []) {
  return html`<div class="card pcard" data-id="${p.id}"><div class="pc-head">${lightTag(p.light)}<a href="#/problem/${p.id}"><b>#${p.id} ${esc(p.category_name || p.category)}</b></a> ${stateTag(p.state)}</div>
    <div class="pc-desc">${esc(p.description)}</div>
    <div class="muted">${place(p)}</div>
    <div class="muted">上报 ${fmtShort(p.created_at)}${p.due_at ? html` · 时限 ${dueCell(p)}` : ''}${p.unit_name ? html` · ${esc(p.unit_name)}` : ''}</div>
    ${buttons.length ? html`<div class="actions">${html.join(buttons.map(([a, l]) => html`<button class="btn act act-${a}" data-act="${a}">${l}</button>`), '')}</div>` : ''}</div>`;
}

// cardList: lists of problem cards whose buttons run actions. Each section
// is a list query (qs) and an optional filter; sections with the same query
// share its pages (50 at a time, "加载更多" for the next). An action or a
// live event re-reads only the problem concerned (probe) and patches the
// sections; a resync reloads them.
const PAGE = 50;
async function cardList(main, title, intro, sections) {
  setHtml(main, html`<h2>${title}</h2>${intro ? html`<p class="muted">${intro}</p>` : ''}<div id="lists"></div>`);
  const box = main.querySelector('#lists');
  let pages = new Map(); // qs -> { items, next }
  const queries = [...new Set(sections.map((s) => s.qs))];
  const more = async (qs) => {
    const pg = pages.get(qs) || { items: [], next: null };
    const r = await api('GET', `/problems?${qs}&limit=${PAGE}${pg.next ? '&cursor=' + encodeURIComponent(pg.next) : ''}`);
    pg.items.push(...r.items); pg.next = r.next;
    pages.set(qs, pg);
  };
  const errors = {};
  const load = async () => {
    pages = new Map();
    await Promise.all(queries.map((qs) => more(qs).catch((e) => { errors[qs] = e.message; })));
  };
  const draw = () => {
    setHtml(box, html.join(sections.map((s, i) => {
      if (errors[s.qs]) return html`<h3>${s.title}</h3><p class="error">${esc(errors[s.qs])}</p>`;
      const pg = pages.get(s.qs);
      const items = pg.items.filter(s.filter || (() => true));
      return html`<section data-sec="${i}"><h3>${s.title} <span class="count">${items.length}${pg.next ? '+' : ''}</span></h3>
        ${html.join(items.map((p) => card(p, s.buttons ? s.buttons(p) : [])), '') || html`<p class="muted empty">${s.empty || '暂无'}</p>`}
        ${pg.next ? html`<button class="btn small" data-more="${esc(s.qs)}">加载更多</button>` : ''}</section>`;
    }), ''));
  };
  // patch: the problem id re-read in every query, the sections redrawn
  const patch = async (id) => {
    await Promise.all(queries.map(async (qs) => {
      const pg = pages.get(qs);
      if (!pg) return;
      const p = await probe(qs, id);
      const at = pg.items.findIndex((x) => x.id === id);
      if (at >= 0) pg.items.splice(at, 1);
      if (!p || (pg.next && pg.items.length && id < pg.items[pg.items.length - 1].id)) return;
      const pos = pg.items.findIndex((x) => x.id < id);
      pg.items.splice(pos < 0 ? pg.items.length : pos, 0, p);
    }));
    draw();
  };
  box.addEventListener('click', async (ev) => {
    const m = ev.target.closest('button[data-more]');
    if (m) { m.disabled = true; await more(m.dataset.more).catch((e) => toast(e.message, 'bad')); draw(); return; }
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const id = Number(b.closest('[data-id]').dataset.id);
    const p = [...pages.values()].flatMap((pg) => pg.items).find((x) => x.id === id);
    b.disabled = true;
    if (await runAction(p, b.dataset.act)) await patch(id); else b.disabled = false;
  });
  await load();
  draw();
  liveRefresh(box, async (ev) => {
    if (ev.id) await patch(Number(ev.id)).catch(() => {});
    else { await load(); draw(); }
  });
}

export async function tasksView(main) {
  const u = state.me.unit_id;
  await cardList(main, '本单位任务', html`${esc(state.me.unit_name || '')}：执法办公室派遣给本单位的问题。签收后处置并反馈（可附照片）；不属于本单位职责的，写明理由退回。`, [
    { title: '待签收', qs: `unit_id=${u}&state=dispatched`, buttons: () => [['take', '签收'], ['return', '退回']], empty: '没有待签收的任务' },
    { title: '处置中', qs: `unit_id=${u}&state=in_hand`, buttons: () => [['handle', '处置反馈'], ['return', '退回']], empty: '没有处置中的任务' },
    { title: '已反馈待核查', qs: `unit_id=${u}&state=handled`, empty: '暂无' },
  ]);
}

export async function mineView(main) {
  await cardList(main, '我的上报', '您上报的问题及办理进度；点编号查看办理过程。', [
    { title: '办理中', qs: 'mine=1', filter: (p) => OPEN.includes(p.state), empty: '没有办理中的问题' },
    { title: '已办结', qs: 'mine=1', filter: (p) => !OPEN.includes(p.state), empty: '暂无' },
  ]);
}

export async function verifyTasksView(main) {
  await cardList(main, '待核查', '责任单位已反馈处置结果的问题，请到现场核查：通过则可结案，不通过退回返工。', [
    { title: '待核查', qs: 'state=handled', buttons: () => [['verify', '现场核查']], empty: '没有待核查的问题' },
  ]);
}

export async function superviseView(main) {
  await cardList(main, '督办与审批', '超期未办结的问题可督办（写明意见与期限）；联合执法行动的审批、书面决定和专项申请的转报列在最前，各带时限。', [
    { title: '超期问题', qs: 'overdue=1', buttons: () => [['supervise', '督办']], empty: '没有超期问题' },
    { title: '临期问题（黄灯）', qs: 'light=yellow', buttons: () => [['supervise', '督办']], empty: '没有临期问题' },
  ]);
  const jp = document.createElement('div');
  jp.id = 'joint-pending';
  main.querySelector('#lists').before(jp);
  await jointPending(jp);
}

// ---------------------------------------------------------------- inbox
// codesToWords: the scheduler's messages name the state by its code
// ("问题 #9（in_hand）"): shown in words.
// the joint enforcement's kinds, while the server's labels name only the closed loop's
const JOINT_KINDS = { notice: '协同通知', notice_alarm: '通知未响应', notice_overdue: '通知逾期', joint_submitted: '待审批', joint_application: '专项申请',
  joint_forwarded: '待书面决定', joint_decision: '书面决定', joint_approved: '已批准', joint_returned: '方案退回', decision_due: '决定期限', forward_due: '转报期限',
  participant: '参加行动', incident: '阻挠执法', inspection: '督促检查', assign: '限期交办', take_up: '上提', conclude: '办结' };
const kindWord = (k) => { const w = kindLabel(k); return w === k && JOINT_KINDS[k] ? JOINT_KINDS[k] : w; };
const codesToWords = (t) => t.replace(/（([a-z_]+)）/g, (m, c) => (STATE_LABEL[c] ? `（${STATE_LABEL[c]}）` : m));
// OPEN_LABEL: the button that opens the record a message is about (its
// `link`, a route of this application; older messages name only a problem).
const OPEN_LABEL = {
  problem: (id) => `查看问题 #${id}`, joint_action: () => '查看联合执法行动', joint_notice: () => '查看协同通知',
  meeting: () => '查看联席会议', meeting_item: () => '查看议定事项', inspection: () => '查看督促检查',
  bulletin: () => '查看通报', assessment_flag: () => '查看履职预警', assessment_result: () => '查看考核结果',
};
const linkOf = (n) => (n.link && n.link.startsWith('#/') ? n.link : n.problem_id ? `#/problem/${n.problem_id}` : '');
export async function inboxView(main) {
  let items = [], next = null, unread = 0, capped = false;
  const li = (n) => html`<li class="card ${n.read_at ? 'read' : 'unread'}${linkOf(n) ? ' has-link' : ''}" data-id="${n.id}" data-link="${linkOf(n)}">
        <div><span class="tag ${['overdue', 'notice_alarm', 'notice_overdue'].includes(n.kind) ? 'red' : n.read_at ? '' : 'yellow'}">${esc(kindWord(n.kind))}</span> <b>${esc(n.title)}</b></div>
        <div>${esc(codesToWords(n.body || ''))}</div><div class="muted">${fmtTime(n.created_at)}${n.read_at ? ' · 已读' : ''}</div>
        <div class="actions">${linkOf(n) ? html`<button class="btn small" data-open>${(OPEN_LABEL[n.record_kind || 'problem'] || (() => '查看'))(n.record_id || n.problem_id)}</button>` : ''}${n.read_at ? '' : html`<button class="btn small" data-read>标为已读</button>`}</div></li>`;
  const page = async (cursor) => {
    const r = await api('GET', `/inbox?limit=50${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    unread = r.unread; capped = !!r.unread_capped; next = r.next;
    return r.items;
  };
  const show = () => {
    setHtml(main, html`<h2>消息 <span class="muted">未读 ${unread}${capped ? '+' : ''}</span></h2>${unread ? html`<button class="btn small" id="allread">全部标为已读</button>` : ''}
      <ul class="inbox">${html.join(items.map(li), '') || html`<li class="muted">没有消息</li>`}</ul>${next ? html`<button class="btn small" id="inbox-more">加载更多</button>` : ''}`);
    main.querySelector('#allread')?.addEventListener('click', async () => {
      await api('POST', '/inbox/read-all').catch(async () => { for (const n of items.filter((x) => !x.read_at)) await api('POST', `/inbox/${n.id}/read`).catch(() => {}); });
      window.dispatchEvent(new Event('xz:inbox')); await draw();
    });
    main.querySelector('#inbox-more')?.addEventListener('click', async () => { items = items.concat(await page(next)); show(); });
  };
  const draw = async () => { items = await page(null); show(); };
  // a click on the message (or its button) opens its record and marks it read
  main.addEventListener('click', async (ev) => {
    const li = ev.target.closest('li[data-id]');
    if (!li || ev.target.closest('a')) return;
    const open = li.dataset.link && !ev.target.closest('[data-read]');
    if (open || ev.target.closest('[data-read]')) {
      await api('POST', `/inbox/${li.dataset.id}/read`).catch(() => {});
      window.dispatchEvent(new Event('xz:inbox'));
      if (open) location.hash = li.dataset.link; else await draw();
    }
  });
  await draw();
  // live: a message for this user (the server's notification event) shows
  // at once; read again a moment later in case its transaction was still
  // being committed when the event came
  const on = async () => {
    if (!main.isConnected || main.dataset.screen !== 'inbox') { window.removeEventListener('xz:notification', on); return; }
    await draw().catch(() => {});
    setTimeout(() => { if (main.isConnected && main.dataset.screen === 'inbox') draw().catch(() => {}); }, 400);
  };
  window.addEventListener('xz:notification', on);
}
