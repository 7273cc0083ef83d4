// joint.js — joint enforcement (联合执法, R5) in the browser: the list of
// actions with state and mechanism filters, an action's page (plan, time
// limits, documents, the steps the caller may take, participants with
// check-in/out, interactive notices with their same-day clock, incidents
// handed to the police, findings, history), the new-action form (office:
// routine and emergency; unit contact: special application; county
// department: county-wide action), the unit's 协同通知 (notices, incidents
// handed to the police station, naming participants) and the pending parts
// of the leader's and office's 督办与审批 page.
//
// Clocks: deadlines are counted against the server's clock (the offset is
// taken from /health), so a countdown agrees with the server's deadline.
import { api, all, esc, fmtTime, fmtShort, has, state, toast, dialog, categories, categoryOptions, JOINT_STATE_LABEL, JOINT_ACTION_LABEL, html, setHtml } from './core.js';

export const MECH_LABEL = { routine: '常规启动', special: '专项启动', emergency: '应急启动' };
export const JSTATE_LABEL = { draft: '草稿', submitted: '已提交', forwarded: '已转报组长', approved: '已批准', not_launched: '决定不启动',
  in_progress: '实施中', concluded: '已结束', cancelled: '已取消' };
const JSTATES = Object.keys(JSTATE_LABEL);
const JACT_LABEL = { create: '起草', submit: '提交', forward: '转报组长', decide: '书面决定', approve: '批准', return: '退回', start: '启动实施',
  conclude: '结束并总结', cancel: '取消', 'participant.add': '指派参加人员', notice: '发出协同通知', 'notice.answer': '协同通知已响应',
  incident: '执法保障事件', 'incident.follow-up': '派出所跟进', finding: '行动发现' };
const MODE_LABEL = { centralised: '集中办公', dispersed: '分散管理' };
// the server's labels (core.js loadLabels), where it has them
for (const [k, v] of Object.entries(JOINT_STATE_LABEL)) JSTATE_LABEL[k] = v;
for (const [k, v] of Object.entries(JOINT_ACTION_LABEL)) JACT_LABEL[k] = v;
const ROLE_P = { enforcer: '执法人员', support: '辅助人员' };
const INC_KIND = { obstruction: '阻挠执法', violence: '暴力抗法' };
const INC_STATE = { handed: '已移交派出所', accepted: '派出所已受理', closed: '已办结' };
const hashQuery = () => new URLSearchParams(location.hash.split('?')[1] || '');

// ------------------------------------------------------------ clock
let offset = 0;
export async function syncClock() {
  try { const r = await api('GET', '/health'); if (r.time) offset = Date.parse(r.time) - Date.now(); } catch {}
}
export const serverNow = () => Date.now() + offset;
const toMs = (t) => (typeof t === 'number' ? (t < 1e12 ? t * 1000 : t) : Date.parse(t));
// local datetime-local value (Shanghai wall clock) for a time in ms
const localInput = (ms) => new Date(ms + 8 * 3600000).toISOString().slice(0, 16);
const fromInput = (v) => (v ? (v.length === 16 ? v + ':00' : v) + '+08:00' : '');

function span(sec) {
  sec = Math.max(0, Math.floor(sec));
  if (sec < 60) return `${sec}秒`;
  const d = Math.floor(sec / 86400), h = Math.floor((sec % 86400) / 3600), m = Math.floor((sec % 3600) / 60);
  return d ? `${d}天${h}小时` : h ? `${h}小时${m}分` : `${m}分钟`;
}
// the same-day clock of an interactive notice
export function noticeClock(n) {
  // late is computed here from the times: the per-action notice lists of
  // the API answer late=true for notices that are not due yet
  if (n.answered_at) return toMs(n.answered_at) > toMs(n.due_at) ? html`<span class="tag red">超时响应</span> <span class="muted">${fmtShort(n.answered_at)} 响应</span>`
    : html`<span class="tag green">当日响应</span> <span class="muted">${fmtShort(n.answered_at)} 响应</span>`;
  return html`<span class="clock" data-due="${esc(n.due_at)}">${clockText(n.due_at, 7200)}</span>`;
}
function clockText(due, warn) {
  const left = (toMs(due) - serverNow()) / 1000;
  if (left <= 0) return html`<span class="tag red">已超时</span>`;
  return html`<span class="tag ${left < warn ? 'yellow' : 'green'}">剩余 ${span(left)}</span>`;
}
// the office's 2-day forwarding clock of a special application
export function forwardClock(a) {
  if (!a.forward_due_at) return '';
  const due = html`<span class="muted">转报期限 ${fmtTime(a.forward_due_at)}</span>`;
  if (a.forwarded_at) return html`${a.forward_late ? html`<span class="tag red">逾期转报</span>` : html`<span class="tag green">按时转报</span>`} <span class="muted">${fmtShort(a.forwarded_at)} 转报</span>`;
  if (a.state !== 'submitted') return due;
  if (a.forward_overdue || toMs(a.forward_due_at) <= serverNow()) return html`<span class="tag red">转报已超期</span> ${due}`;
  return html`<span class="clock" data-due="${esc(a.forward_due_at)}" data-warn="43200">${clockText(a.forward_due_at, 43200)}</span> ${due}`;
}
// the written decision's 2-day clock of a special application (same instant as forwarding)
export function decisionClock(a) {
  if (!a.decision_due_at) return '';
  const due = html`<span class="muted">书面决定期限 ${fmtTime(a.decision_due_at)}</span>`;
  if (a.decided_at) return html`${a.decision_late ? html`<span class="tag red">逾期决定</span>` : html`<span class="tag green">按时决定</span>`} <span class="muted">${fmtShort(a.decided_at)} 决定</span>`;
  if (!['submitted', 'forwarded'].includes(a.state)) return due;
  if (a.decision_overdue || toMs(a.decision_due_at) <= serverNow()) return html`<span class="tag red">书面决定已超期</span> ${due}`;
  return html`<span class="clock" data-due="${esc(a.decision_due_at)}" data-warn="43200">${clockText(a.decision_due_at, 43200)}</span> ${due}`;
}
// tick: refresh the countdowns under el every 30 s while it is on the page
function tick(el) {
  const t = setInterval(() => {
    if (!el.isConnected) return clearInterval(t);
    el.querySelectorAll('.clock[data-due]').forEach((c) => { setHtml(c, clockText(c.dataset.due, Number(c.dataset.warn || 7200))); });
  }, 30000);
}

export const mechTag = (m) => html`<span class="tag mech-${esc(m)}">${esc(MECH_LABEL[m] || m)}</span>`;
export const jstateTag = (s) => html`<span class="tag js-${esc(s)}">${esc(JSTATE_LABEL[s] || s)}</span>`;
const period = (a) => html`${fmtTime(a.planned_start)} 至 ${fmtTime(a.planned_end)}`;

let unitCache = null;
async function unitNames() {
  unitCache ||= all('/units').then((us) => Object.fromEntries(us.map((u) => [u.id, u]))).catch(() => { unitCache = null; return {}; });
  return unitCache;
}
const uname = (units, id) => (id ? esc(units[id]?.name || `单位 ${id}`) : html`<span class="muted">—</span>`);

// ------------------------------------------------------------ actions
// askStep: the form a step needs; answers the request body or null.
async function askStep(a, action) {
  const t = `${JACT_LABEL[action] || action} · ${a.title}`;
  switch (action) {
    case 'decide': {
      const v = await dialog(`书面决定 · ${a.title}`, [
        { type: 'note', label: '专项联合执法申请由领导小组组长书面决定是否启动；理由载入决定书（可打印）。决定启动的，由申请单位牵头实施。' },
        { name: 'launch', label: '决定', type: 'select', options: [['true', '启动专项联合执法'], ['false', '不予启动']] },
        { name: 'reasons', label: '决定理由（必填）', type: 'textarea', required: true }], '作出决定');
      if (!v) return null;
      if (!v.reasons.trim()) { toast('书面决定须写明理由', 'bad'); return null; }
      return { action, launch: v.launch === 'true', reasons: v.reasons.trim() };
    }
    case 'return': {
      const v = await dialog(t, [{ name: 'reason', label: '退回理由（必填）', type: 'textarea', required: true }], '退回');
      if (!v) return null;
      if (!v.reason.trim()) { toast('退回须写明理由', 'bad'); return null; }
      return { action, reason: v.reason.trim() };
    }
    case 'conclude': {
      const v = await dialog(t, [{ name: 'summary', label: '行动结果总结（查处情况、整改情况、后续安排）', type: 'textarea', required: true }], '结束行动');
      if (!v) return null;
      if (!v.summary.trim()) { toast('须填写结果总结', 'bad'); return null; }
      return { action, summary: v.summary.trim() };
    }
    default: {
      const note = {
        submit: a.mechanism === 'special' ? '提交专项联合执法申请。须在计划开始3日前提出；办公室收到后2日内转报领导小组组长。' : a.mechanism === 'emergency' ? '提交领导小组组长审批；批准后行动立即开始。' : '提交领导小组审批。',
        forward: '将专项申请转报领导小组组长书面决定（须在收到申请后2日内）。',
        approve: a.mechanism === 'emergency' ? '批准应急联合执法方案，行动立即开始实施。' : '批准联合执法方案，由执法办公室组织实施。',
        start: '启动实施本次联合执法行动。', cancel: '取消本次联合执法行动（不可恢复）。',
      }[action] || '确认？';
      return (await dialog(t, [{ type: 'note', label: note }], JACT_LABEL[action] || '确定')) ? { action } : null;
    }
  }
}
export async function runStep(a, action) {
  const body = await askStep(a, action);
  if (!body) return false;
  try {
    await api('POST', `/joint-actions/${a.id}/actions`, body);
    toast(`已${JACT_LABEL[action] || action}：${a.title}`);
    return true;
  } catch (e) { toast(e.message, 'bad'); return false; }
}
const stepButtons = (acts, a) => html.join(acts.map((x) => html`<button class="btn act jact-${x}" data-step="${x}">${x === 'submit' && a.mechanism === 'special' ? '提交申请' : JACT_LABEL[x] || x}</button>`), '');

// ------------------------------------------------------------ list
export async function jointListView(main) {
  const q = hashQuery();
  const f = { state: q.get('state') || '', mechanism: q.get('mechanism') || '' };
  await syncClock();
  const units = await unitNames();
  const canNew = has('office', 'dept', 'admin') || (has('contact') && state.me.unit_id);
  setHtml(main, html`<h2>联合执法行动</h2>
    <div class="tabs" id="jtabs">${html.join(['', ...JSTATES].map((s) => html`<a href="#" data-state="${s}" class="${f.state === s ? 'active' : ''}">${s ? JSTATE_LABEL[s] : '全部'}</a>`), '')}</div>
    <form class="filters card" id="jfilters"><select name="mechanism" aria-label="启动方式"><option value="">全部启动方式</option>${html.join(Object.entries(MECH_LABEL).map(([k, v]) => html`<option value="${k}" ${f.mechanism === k ? 'selected' : ''}>${v}</option>`), '')}</select>
      ${canNew ? html`<a class="btn primary-btn" href="#/joint-new" id="newaction">${has('office', 'dept', 'admin') ? '新建联合执法行动' : '申请专项联合执法'}</a>` : ''}</form>
    <div class="table-wrap"><table class="jlist"><thead><tr><th>编号</th><th>行动名称</th><th>启动方式</th><th>状态</th><th>计划时间</th><th>牵头单位</th><th>期限</th></tr></thead><tbody id="jrows"><tr><td colspan="7" class="loading">正在加载…</td></tr></tbody></table></div>`);
  const load = async () => {
    const p = new URLSearchParams();
    if (f.state) p.set('state', f.state);
    if (f.mechanism) p.set('mechanism', f.mechanism);
    const tb = main.querySelector('#jrows');
    try {
      const items = await all('/joint-actions' + (p.toString() ? '?' + p : ''));
      setHtml(tb, html.join(items.map((a) => html`<tr data-id="${a.id}" class="clickable"><td><a href="#/joint-action/${a.id}">#${a.id}</a></td>
        <td><b>${esc(a.title)}</b>${a.scope === 'county' ? html` <span class="tag">全县统一</span>` : ''}${a.police_support ? html` <span class="tag police">警务保障</span>` : ''}<div class="muted">${esc(a.township_name || '')}${a.place ? html`${' · ' }${ esc(a.place)}` : ''}</div></td>
        <td>${mechTag(a.mechanism)}</td><td>${jstateTag(a.state)}</td><td class="nowrap">${fmtShort(a.planned_start)} 至 ${fmtShort(a.planned_end)}</td>
        <td>${uname(units, a.lead_unit_id || a.applicant_unit_id)}</td><td>${a.mechanism === 'special' && a.state === 'submitted' ? forwardClock(a) : a.forward_late ? html`<span class="tag red">逾期转报</span>` : ''}</td></tr>`), '')
        || html`<tr><td colspan="7" class="muted">没有符合条件的联合执法行动</td></tr>`);
    } catch (e) { setHtml(tb, html`<tr><td colspan="7" class="error">${esc(e.message)}</td></tr>`); }
  };
  const apply = () => {
    const p = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
    history.replaceState(null, '', '#/joint' + (p.toString() ? '?' + p : ''));
    main.querySelectorAll('#jtabs a').forEach((x) => x.classList.toggle('active', x.dataset.state === f.state));
    load();
  };
  main.querySelector('#jtabs').addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-state]');
    if (!a) return;
    ev.preventDefault(); f.state = a.dataset.state; apply();
  });
  main.querySelector('#jfilters').addEventListener('change', (ev) => { f.mechanism = ev.target.form.elements.mechanism.value; apply(); });
  main.querySelector('#jfilters').addEventListener('submit', (ev) => ev.preventDefault());
  main.querySelector('#jrows').addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr[data-id]');
    if (tr && !ev.target.closest('a')) location.hash = '#/joint-action/' + tr.dataset.id;
  });
  await load();
  tick(main);
}

// ------------------------------------------------------------ an action
const peopleCache = {};
const unitPeople = (uid) => (peopleCache[uid] ||= all(`/people?unit_id=${uid}`).catch(() => { delete peopleCache[uid]; return []; }));

function qualNote(p, a) {
  if (p.is_auxiliary) return '协管员（只能作为辅助人员）';
  const from = String(a.planned_start).slice(0, 10), to = String(a.planned_end).slice(0, 10);
  const ok = (p.qualifications || []).some((q) => q.valid_from <= from && q.valid_to >= to && (!a.domain || (q.domains || []).includes(a.domain)));
  return ok ? '执法资格有效' : (p.qualifications || []).length ? '执法资格不覆盖本次行动' : '无执法证';
}

// checks: a modal with checkboxes (officers of a unit); resolves to the chosen values or null.
function checks(title, note, items) {
  return new Promise((resolve) => {
    const wrap = document.createElement('div');
    wrap.className = 'modal';
    setHtml(wrap, html`<form class="modal-box"><h3>${esc(title)}</h3><p class="muted">${esc(note)}</p>
      <div class="checks">${html.join(items.map(([v, l, sub]) => html`<label class="checkrow"><input type="checkbox" name="pick" value="${esc(v)}"> ${esc(l)} <span class="muted">${esc(sub || '')}</span></label>`), '') || html`<p class="muted">本单位没有可派人员</p>`}</div>
      <div class="error" data-err></div>
      <div class="modal-actions"><button type="button" class="btn" data-cancel>取消</button><button type="submit" class="btn primary-btn">确认派员</button></div></form>`);
    document.body.appendChild(wrap);
    const done = (v) => { wrap.remove(); resolve(v); };
    wrap.querySelector('[data-cancel]').addEventListener('click', () => done(null));
    wrap.querySelector('form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = Array.from(wrap.querySelectorAll('input[name=pick]:checked')).map((x) => Number(x.value));
      if (!v.length) { wrap.querySelector('[data-err]').textContent = '请至少选择一名执法人员'; return; }
      done(v);
    });
  });
}

// answerNotice: the notified unit's contact names the officers it sends.
export async function answerNotice(n) {
  const people = (await unitPeople(n.unit_id)).filter((p) => p.active !== 0);
  const v = await checks(`响应协同通知 · ${n.unit_name}`, html`「${n.description}」须在当日 ${fmtTime(n.due_at)} 前派出执法人员。`,
    people.map((p) => [p.id, p.name, [p.title, p.is_auxiliary ? '协管员' : ''].filter(Boolean).join(' · ')]));
  if (!v) return false;
  try {
    const r = await api('POST', `/joint-actions/${n.action_id}/notices/${n.id}/answer`, { officers: v });
    toast(toMs(r.answered_at) > toMs(r.due_at) ? '已响应（已超过当日时限，记为超时）' : '已响应，派员已记录');
    return true;
  } catch (e) { toast(e.message, 'bad'); return false; }
}

function noticeCard(n, people = {}, withAction = false) {
  const mine = has('contact') && state.me.unit_id === n.unit_id && !n.answered_at;
  const officers = html.join((n.officers || []).map((id) => esc(people[id]?.name || `人员 ${id}`)), '、');
  return html`<div class="card ncard" data-nid="${n.id}" data-aid="${n.action_id}">
    <div class="pc-head"><b>${esc(n.unit_name)}</b> ${noticeClock(n)}</div>
    ${withAction ? html`<div><a href="#/joint-action/${n.action_id}">${esc(n.action_title || '联合执法行动 #' + n.action_id)}</a></div>` : ''}
    <div class="pc-desc">${esc(n.description)} <span class="muted">（${esc(n.category || '')}）</span></div>
    ${n.routing_reason ? html`<div class="muted">依据：${esc(n.routing_reason)}</div>` : ''}
    <div class="muted">通知时间 ${fmtTime(n.issued_at)} · 当日时限 ${fmtTime(n.due_at)} · <a target="_blank" href="/api/v1/joint-actions/${n.action_id}/notices/${n.id}/notice.pdf">通知书（PDF）</a></div>
    ${officers ? html`<div>派出人员：${officers}</div>` : ''}
    ${mine ? html`<div class="actions"><button class="btn primary-btn act-answer" data-answer>派员响应</button></div>` : ''}</div>`;
}

export async function jointView(main, [id]) {
  await syncClock();
  const [units, cats] = await Promise.all([unitNames(), categories().catch(() => [])]);
  const draw = async () => {
    const a = await api('GET', `/joint-actions/${encodeURIComponent(id)}`);
    const acts = a.allowed_actions || [];
    const me = state.me;
    const live = a.state === 'in_progress';
    const office = has('office') && (a.township_id === me.township_id || !me.township_id);
    const lead = has('contact') && me.unit_id && me.unit_id === a.lead_unit_id;
    const inUnits = (a.participating_units || []).includes(me.unit_id);
    // the per-action notice lists of the API answer `officers` empty (and
    // `late` true); the notices inbox has them right, so take them from there
    if ((a.notices || []).some((n) => n.answered_at)) {
      const inbox = Object.fromEntries((await all('/notices').catch(() => [])).map((n) => [n.id, n]));
      a.notices = a.notices.map((n) => (inbox[n.id] ? { ...n, officers: inbox[n.id].officers } : n));
    }
    // names of the people named in notices
    const ppl = {};
    for (const uid of new Set((a.notices || []).filter((n) => (n.officers || []).length).map((n) => n.unit_id))) (await unitPeople(uid)).forEach((p) => { ppl[p.id] = p; });
    const parts = a.participants || [];
    const byUnit = {};
    (a.participating_units || []).forEach((u) => { byUnit[u] = []; });
    parts.forEach((p) => { (byUnit[p.unit_id] ||= []).push(p); });
    const canCheck = (p) => live && (office || (has('contact') && me.unit_id === p.unit_id) || (me.person_id && me.person_id === p.person_id));
    const nameUnits = (a.participating_units || []).filter((u) => office || (has('contact') && me.unit_id === u));
    const canName = ['draft', 'submitted', 'forwarded', 'approved', 'in_progress'].includes(a.state) && nameUnits.length;
    const canReport = live && (office || lead || (has('contact') && inUnits) || parts.some((p) => p.person_id && p.person_id === me.person_id));
    const decided = a.decided_at || a.decision_no;
    setHtml(main, html`<p><a href="#/joint" id="back">← 联合执法行动</a></p>
      <h2>${esc(a.title)} ${mechTag(a.mechanism)} ${jstateTag(a.state)}${a.scope === 'county' ? html` <span class="tag">全县统一行动</span>` : ''}</h2>
      <div class="cols"><div class="col-main">
      <div class="card"><b>行动方案</b><dl class="kv" id="plan">
        <dt>行动目标</dt><dd class="desc-full">${esc(a.targets) || html`<span class="muted">—</span>`}</dd>
        <dt>地点</dt><dd>${esc([a.township_name, a.place].filter(Boolean).join(' · ')) || html`<span class="muted">—</span>`}</dd>
        <dt>计划时间</dt><dd>${period(a)}</dd>
        <dt>组织方式</dt><dd>${esc(MODE_LABEL[a.mode] || a.mode || '—')}</dd>
        <dt>执法领域</dt><dd>${esc(a.domain || '不限')}</dd>
        ${a.applicant_unit_id ? html`<dt>申请单位</dt><dd>${uname(units, a.applicant_unit_id)}</dd>` : ''}
        <dt>牵头单位</dt><dd>${a.lead_unit_id ? uname(units, a.lead_unit_id) : a.mechanism === 'special' ? html`<span class="muted">决定启动后由申请单位牵头</span>` : html`<span class="muted">—</span>`}</dd>
        <dt>参与单位</dt><dd>${html.join((a.participating_units || []).map((u) => html`<span class="tag">${uname(units, u)}</span>`), '') || html`<span class="muted">—</span>`}</dd>
        <dt>任务分工</dt><dd class="desc-full">${esc(a.tasks) || html`<span class="muted">—</span>`}</dd>
        <dt>警务保障</dt><dd>${a.police_support ? html`<span class="tag police">派出所参与</span>` : html`<span class="muted">无</span>`}${a.police_required ? html` <span class="muted">（应急或重大行动，依规须警务保障）</span>` : ''}</dd>
        ${(a.problem_ids || []).length ? html`<dt>涉及问题</dt><dd>${html.join(a.problem_ids.map((p) => html`<a href="#/problem/${p}">#${p}</a>`), ' ')}</dd>` : ''}
        ${a.parent_id ? html`<dt>上级行动</dt><dd><a href="#/joint-action/${a.parent_id}">全县统一行动 #${a.parent_id}</a></dd>` : ''}
      </dl></div>
      <div class="card"><b>时限与决定</b><dl class="kv" id="limits">
        <dt>起草</dt><dd>${fmtTime(a.created_at)}</dd>
        ${a.received_at ? html`<dt>收到申请</dt><dd>${fmtTime(a.received_at)}</dd>` : ''}
        ${a.forward_due_at ? html`<dt>转报组长</dt><dd id="fwdclock">${forwardClock(a)}</dd>` : ''}
        ${a.decision_due_at ? html`<dt>书面决定</dt><dd id="decclock">${decisionClock(a)}</dd>` : ''}
        ${decided ? html`<dt>书面决定</dt><dd>${a.launch ? html`<span class="tag green">决定启动</span>` : html`<span class="tag red">不予启动</span>`} ${esc(a.decision_no || '')} <span class="muted">${fmtTime(a.decided_at)}</span><div class="tl-note" id="reasons">${esc(a.reasons || '')}</div></dd>` : ''}
        ${a.approved_at ? html`<dt>批准</dt><dd>${fmtTime(a.approved_at)}${a.approval_seconds != null && a.mechanism === 'emergency' ? html` <span class="tag">起草至批准用时 ${span(a.approval_seconds)}</span>` : ''}</dd>` : ''}
        ${a.started_at ? html`<dt>开始实施</dt><dd>${fmtTime(a.started_at)}</dd>` : ''}
        ${a.concluded_at ? html`<dt>结束</dt><dd>${fmtTime(a.concluded_at)}</dd>` : ''}
        ${a.summary ? html`<dt>结果总结</dt><dd class="desc-full" id="summary">${esc(a.summary)}</dd>` : ''}
      </dl></div>
      <div class="card"><b>操作</b><div class="actions" id="jactions">${acts.length ? stepButtons(acts, a) : html`<span class="muted">当前没有您可执行的操作</span>`}${a.state === 'draft' && a.scope !== 'county' && ((a.mechanism === 'special' && has('contact') && me.unit_id === a.applicant_unit_id) || (a.mechanism !== 'special' && office)) ? html`<a class="btn" id="jedit" href="#/joint-new?edit=${a.id}">修改方案</a>` : ''}</div></div>
      <div class="card"><b>公文</b><div class="actions" id="docs"><a class="btn" target="_blank" href="/api/v1/joint-actions/${a.id}/documents/plan.pdf" id="planpdf">行动方案（PDF）</a>
        ${decided ? html`<a class="btn" target="_blank" href="/api/v1/joint-actions/${a.id}/documents/decision.pdf" id="decisionpdf">书面决定书（PDF）</a>` : ''}</div></div>
      <div class="card" id="participants"><b>参加人员</b> <span class="muted">（${parts.length} 人；各单位负责人指派本单位人员，执法人员须持有效执法证）</span>
        ${html.join(Object.entries(byUnit).map(([uid, ps]) => html`<h3>${uname(units, Number(uid))} <span class="count">${ps.length} 人</span></h3>
          ${ps.length ? html`<table class="compact"><thead><tr><th>姓名</th><th>角色</th><th>签到</th><th>签退</th><th></th></tr></thead><tbody>${html.join(ps.map((p) => html`<tr data-pid="${p.id}"><td>${esc(p.name)}${p.is_auxiliary ? html` <span class="tag">协管员</span>` : ''}</td><td>${ROLE_P[p.role] || esc(p.role)}</td>
            <td data-l="签到">${p.checked_in_at ? fmtShort(p.checked_in_at) : html`<span class="muted">未签到</span>`}</td><td data-l="签退">${p.checked_out_at ? fmtShort(p.checked_out_at) : html`<span class="muted">—</span>`}</td>
            <td>${canCheck(p) && !p.checked_in_at ? html`<button class="btn small act-checkin" data-check="check-in">签到</button>` : ''}${canCheck(p) && p.checked_in_at && !p.checked_out_at ? html`<button class="btn small act-checkout" data-check="check-out">签退</button>` : ''}</td></tr>`), '')}</tbody></table>` : html`<p class="muted">尚未指派人员</p>`}`), '')}
        ${canName ? html`<form class="bar addform" id="addpart"><select name="unit_id" aria-label="单位">${html.join(nameUnits.map((u) => html`<option value="${u}">${uname(units, u)}</option>`), '')}</select>
          <select name="person_id" class="grow" aria-label="人员"></select><select name="role" aria-label="身份"><option value="enforcer">执法人员</option><option value="support">辅助人员</option></select>
          <button class="btn primary-btn" type="submit">指派</button></form><div class="status" id="partstatus"></div>` : ''}
      </div>
      <div class="card" id="notices"><b>互动执法通知</b> <span class="muted">（发现不属于参与单位职责的违法行为，通知责任单位当日派员）</span>
        ${html.join((a.notices || []).map((n) => noticeCard(n, ppl)), '') || html`<p class="muted">暂无</p>`}
        ${live && (office || lead) ? html`<form class="addform" id="addnotice"><select name="category" required aria-label="违法行为类别"><option value="">违法行为类别…</option>${categoryOptions(cats)}</select>
          <textarea name="description" rows="2" placeholder="发现的违法行为" aria-label="发现的违法行为" required></textarea><button class="btn primary-btn" type="submit">发出协同通知</button></form><div class="status" id="noticestatus"></div>` : ''}
      </div>
      <div class="card" id="incidents"><b>执法保障事件</b> <span class="muted">（阻挠执法、暴力抗法即时移交派出所）</span>
        ${html.join((a.incidents || []).map((i) => html`<div class="card icard" data-iid="${i.id}"><div class="pc-head"><span class="tag red">${esc(INC_KIND[i.kind] || i.kind)}</span> <span class="tag">${esc(INC_STATE[i.state] || i.state)}</span></div>
          <div class="pc-desc">${esc(i.description)}</div><div class="muted">发生 ${fmtTime(i.occurred_at)} · 移交 ${esc(i.handed_to_unit_name || '')} ${fmtShort(i.handed_at)}</div>
          ${i.follow_up ? html`<div class="tl-note">${esc(i.follow_up)} <span class="muted">${fmtShort(i.followed_up_at)}</span></div>` : ''}
          ${has('contact') && me.unit_id === i.handed_to_unit_id && i.state !== 'closed' ? html`<div class="actions"><button class="btn small primary-btn act-followup" data-follow>跟进处置</button></div>` : ''}</div>`), '') || html`<p class="muted">暂无</p>`}
        ${canReport ? html`<form class="addform" id="addincident"><select name="kind" aria-label="事件类型"><option value="obstruction">阻挠执法</option><option value="violence">暴力抗法</option></select>
          <textarea name="description" rows="2" placeholder="经过（时间、人员、情形）" aria-label="经过（时间、人员、情形）" required></textarea><button class="btn" type="submit">记录并移交派出所</button></form>` : ''}
      </div>
      <div class="card" id="findings"><b>行动发现</b> <span class="muted">（转入问题闭环办理）</span>
        ${html.join((a.findings || []).map((x) => html`<div class="fitem">${esc(x.description)} <span class="muted">${esc(x.category || '')} · ${fmtShort(x.created_at)}</span> ${x.problem_id ? html`<a href="#/problem/${x.problem_id}">问题 #${x.problem_id}</a>` : html`<span class="tag">待转问题</span>`}</div>`), '') || html`<p class="muted">暂无</p>`}
        ${canReport ? html`<form class="addform" id="addfinding"><select name="category" aria-label="类别"><option value="">类别（可选）</option>${categoryOptions(cats)}</select>
          <textarea name="description" rows="2" placeholder="发现的问题" aria-label="发现的问题" required></textarea><button class="btn" type="submit">记录发现</button></form>` : ''}
      </div>
      ${(a.children || []).length ? html`<div class="card" id="children"><b>各乡镇（街道）分行动</b>${html.join(a.children.map((c) => html`<div><a href="#/joint-action/${c.id}">#${c.id} ${esc(c.township_name || c.title)}</a> ${jstateTag(c.state)}</div>`), '')}</div>` : ''}
      </div>
      <div class="col-side card"><b>办理过程</b><ol class="timeline" id="jhistory">${html.join((a.history || []).map((h) => html`<li class="tl-${esc(h.action)}">
        <div class="tl-head"><b>${esc(JACT_LABEL[h.action] || h.action)}</b>${h.to_state ? html` → ${esc(JSTATE_LABEL[h.to_state] || h.to_state)}` : ''}</div>
        <div class="muted">${fmtTime(h.at)} · ${esc(h.username || '系统')}</div>${h.note ? html`<div class="tl-note">${esc(h.note)}</div>` : ''}</li>`), '')}</ol></div></div>`);

    main.querySelector('#jactions').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-step]');
      if (!b) return;
      b.disabled = true;
      if (await runStep(a, b.dataset.step)) await draw(); else b.disabled = false;
    });
    main.querySelector('#participants').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-check]');
      if (!b) return;
      b.disabled = true;
      try { await api('POST', `/joint-actions/${a.id}/participants/${b.closest('tr').dataset.pid}/${b.dataset.check}`, {}); toast(b.dataset.check === 'check-in' ? '已签到' : '已签退'); await draw(); }
      catch (e) { toast(e.message, 'bad'); b.disabled = false; }
    });
    const pf = main.querySelector('#addpart');
    if (pf) {
      const fill = async () => {
        const ps = (await unitPeople(pf.unit_id.value)).filter((p) => p.active !== 0 && !parts.some((x) => x.person_id === p.id));
        setHtml(pf.person_id, html.join(ps.map((p) => html`<option value="${p.id}">${esc(p.name)}（${esc(qualNote(p, a))}）</option>`), '') || html`<option value="">（无可指派人员）</option>`);
      };
      pf.unit_id.addEventListener('change', fill);
      await fill();
      pf.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const st = main.querySelector('#partstatus');
        if (!pf.person_id.value) return;
        try {
          await api('POST', `/joint-actions/${a.id}/participants`, { unit_id: Number(pf.unit_id.value), person_id: Number(pf.person_id.value), role: pf.role.value });
          toast('已指派'); await draw();
        } catch (e) { st.className = 'status bad'; st.textContent = e.message; }
      });
    }
    main.querySelector('#notices').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-answer]');
      if (!b) return;
      const n = a.notices.find((x) => String(x.id) === b.closest('[data-nid]').dataset.nid);
      if (await answerNotice(n)) await draw();
    });
    main.querySelector('#addnotice')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target, st = main.querySelector('#noticestatus');
      try {
        const n = await api('POST', `/joint-actions/${a.id}/notices`, { category: f.category.value, description: f.description.value.trim() });
        toast(`已通知 ${n.unit_name}，须于 ${fmtTime(n.due_at)} 前派员`); await draw();
      } catch (e) { st.className = 'status bad'; st.textContent = e.message; }
    });
    main.querySelector('#incidents').addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-follow]');
      if (!b) return;
      const v = await dialog('警情跟进', [{ name: 'state', label: '处置状态', type: 'select', options: [['accepted', '已受理（出警调查）'], ['closed', '已办结']] },
        { name: 'note', label: '跟进情况', type: 'textarea' }], '提交');
      if (!v) return;
      try { await api('POST', `/joint-actions/${a.id}/incidents/${b.closest('[data-iid]').dataset.iid}/follow-up`, { state: v.state, note: v.note.trim() }); toast('已记录跟进情况'); await draw(); }
      catch (e) { toast(e.message, 'bad'); }
    });
    main.querySelector('#addincident')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      try {
        const i = await api('POST', `/joint-actions/${a.id}/incidents`, { kind: f.kind.value, description: f.description.value.trim(), occurred_at: new Date(serverNow()).toISOString() });
        toast(`已记录并移交${i.handed_to_unit_name || '派出所'}`); await draw();
      } catch (e) { toast(e.message, 'bad'); }
    });
    main.querySelector('#addfinding')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target, body = { description: f.description.value.trim() };
      if (f.category.value) body.category = f.category.value;
      try { await api('POST', `/joint-actions/${a.id}/findings`, body); toast('已记录发现'); await draw(); } catch (e) { toast(e.message, 'bad'); }
    });
    // a county-wide action is carried out in its township parts
    if (a.scope === 'county') {
      ['#participants', '#notices', '#incidents', '#findings'].forEach((x) => main.querySelector(x)?.remove());
      const ch = main.querySelector('#children');
      if (ch) main.querySelector('#plan').closest('.card').after(ch);
    }
  };
  window.scrollTo(0, 0);
  await draw();
  tick(main);
}

// ------------------------------------------------------------ new action
export async function jointNewView(main) {
  await syncClock();
  const me = state.me;
  const county = has('dept', 'admin') && !has('office');
  const mechs = has('office') ? [['routine', '常规启动（办公室拟定方案，领导小组审批）'], ['emergency', '应急启动（突发事件，组长批准后立即开始）']]
    : has('contact') && me.unit_id ? [['special', '专项启动（本单位申请，须在计划开始3日前提出）']] : county ? [['routine', '全县统一行动（县级部门发起，各乡镇分别牵头）']] : [];
  if (!mechs.length) return html`<h2>新建联合执法行动</h2><p class="muted">您的角色不能发起联合执法行动。</p>`;
  const want = hashQuery().get('mechanism');
  const mech0 = mechs.find(([m]) => m === want)?.[0] || mechs[0][0];
  const units = county ? [] : await all(`/units?township_id=${me.township_id}`).catch(() => []);
  const towns = county ? (await all('/regions')).filter((r) => r.level === 'township' && (!me.county_id || r.parent_id === me.county_id)) : [];
  // editing a draft (one the leader sent back): the same form, filled in
  // before it is shown, so that no one types into an empty form the draft then overwrites
  const editId = Number(hashQuery().get('edit')) || 0;
  const editing = editId ? await api('GET', `/joint-actions/${editId}`) : null;
  const now = serverNow();
  const day9 = (d) => { const x = new Date(now + 8 * 3600000 + d * 86400000); x.setUTCHours(9, 0, 0, 0); return x.getTime() - 8 * 3600000; };
  setHtml(main, html`<h2>${county ? '新建全县统一联合执法行动' : mech0 === 'special' ? '申请专项联合执法' : '新建联合执法行动'}</h2>
    <form class="card jform" id="jnew">
      <label for="j-mech">启动方式</label><select id="j-mech" name="mechanism">${html.join(mechs.map(([m, l]) => html`<option value="${m}" ${m === mech0 ? 'selected' : ''}>${l}</option>`), '')}</select>
      <div id="j-rule" class="rule"></div>
      <label for="j-title">行动名称</label><input id="j-title" name="title" required maxlength="120" placeholder="如：碧湖村沿街占道经营整治">
      <label for="j-targets">行动目标（整治对象、涉及问题）</label><textarea id="j-targets" name="targets" rows="2"></textarea>
      <label for="j-place">地点</label><input id="j-place" name="place">
      <div class="row2"><div><label for="j-start">计划开始</label><input id="j-start" name="planned_start" type="datetime-local" required></div>
        <div><label for="j-end">计划结束</label><input id="j-end" name="planned_end" type="datetime-local" required></div></div>
      <div class="row2"><div><label for="j-mode">组织方式</label><select id="j-mode" name="mode"><option value="centralised">集中办公</option><option value="dispersed">分散管理</option></select></div>
        <div><label for="j-domain">执法领域（可选）</label><input id="j-domain" name="domain" list="j-domains" placeholder="如：村镇建设"><datalist id="j-domains">${html.join(['村镇建设', '市容环境', '综合执法', '生态环境', '安全生产', '市场监管', '自然资源', '文化旅游'].map((d) => html`<option value="${d}">`), '')}</datalist></div></div>
      ${county ? html`<label>参加的乡镇（街道）</label><div class="checks" id="j-towns">${html.join(towns.map((t) => html`<label class="checkrow"><input type="checkbox" name="town" value="${t.id}" checked> ${esc(t.name)}</label>`), '')}</div>` : html`
      <div id="j-leadrow"><label for="j-lead">牵头单位</label><select id="j-lead" name="lead_unit_id"><option value="">（不指定）</option>${html.join(units.map((u) => html`<option value="${u.id}">${esc(u.name)}</option>`), '')}</select></div>
      <label>参与单位</label><div class="checks" id="j-units">${html.join(units.map((u) => html`<label class="checkrow"><input type="checkbox" name="unit" value="${u.id}" ${u.id === me.unit_id ? 'checked' : ''}> ${esc(u.name)}</label>`), '')}</div>`}
      <label for="j-tasks">任务分工</label><textarea id="j-tasks" name="tasks" rows="3"></textarea>
      <label class="checkrow"><input type="checkbox" name="police_support" id="j-police"> 申请派出所警务保障 <span class="muted">（本乡镇规则要求的应急、重大行动将自动加入派出所）</span></label>
      ${county ? '' : html`<label for="j-problems">涉及问题编号（可选，逗号分隔）</label><input id="j-problems" name="problem_ids" placeholder="如：12, 35">`}
      <div class="actions"><button class="btn" type="submit" data-go="draft" id="j-save">保存草稿</button><button class="btn primary-btn" type="submit" data-go="submit" id="j-submit">提交</button></div>
      <div class="status" id="j-status"></div></form>`);
  const f = main.querySelector('#jnew');
  const setMech = () => {
    const m = f.mechanism.value;
    const rule = { special: html`<b>须在计划开始3日前提出</b>（以执法办公室收到申请之日计；恰好提前3日可以）。办公室收到后须在2日内转报领导小组组长，由组长书面决定是否启动；决定启动的，由本单位牵头实施。`,
      emergency: '突发事件：方案提交后由领导小组组长批准，批准即开始实施；须有派出所警务保障。',
      routine: county ? '县级部门发起、多个乡镇（街道）同步开展：每个乡镇生成一个分行动，由本部门派驻该乡镇的机构牵头，乡镇执法办公室组织。' : '执法办公室拟定方案，报领导小组（组长或副组长）审批后组织实施。' }[m];
    setHtml(main.querySelector('#j-rule'), html`<p class="muted">${rule}</p>`);
    f.planned_start.value = localInput(m === 'emergency' ? now + 3600000 : day9(m === 'special' ? 5 : 7));
    f.planned_end.value = localInput(m === 'emergency' ? now + 9 * 3600000 : day9(m === 'special' ? 5 : 7) + 8 * 3600000);
    if (f.police_support) { f.police_support.checked = m === 'emergency'; f.police_support.disabled = m === 'emergency'; }
    main.querySelector('#j-leadrow')?.classList.toggle('hidden', m === 'special');
    main.querySelector('#j-submit').textContent = m === 'special' ? '提交申请' : m === 'emergency' ? '提交组长审批' : county ? '创建' : '提交审批';
    main.querySelector('#j-save').classList.toggle('hidden', county);
  };
  f.mechanism.addEventListener('change', setMech);
  setMech();
  if (editing) {
    main.querySelector('h2').textContent = `修改行动方案 · ${editing.title}`;
    f.mechanism.value = editing.mechanism;
    setMech();
    f.mechanism.disabled = true;
    f.title.value = editing.title || '';
    f.targets.value = editing.targets || '';
    f.place.value = editing.place || '';
    f.tasks.value = editing.tasks || '';
    f.mode.value = editing.mode || 'centralised';
    f.domain.value = editing.domain || '';
    f.planned_start.value = localInput(Date.parse(editing.planned_start));
    f.planned_end.value = localInput(Date.parse(editing.planned_end));
    if (f.police_support) f.police_support.checked = !!editing.police_support;
    f.querySelectorAll('input[name=unit]').forEach((x) => { x.checked = (editing.participating_units || []).includes(Number(x.value)); });
    if (f.lead_unit_id && editing.lead_unit_id) f.lead_unit_id.value = String(editing.lead_unit_id);
    if (f.problem_ids) f.problem_ids.value = (editing.problem_ids || []).join(', ');
    main.querySelector('#j-save').textContent = '保存修改';
  }
  let busy = false;
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    const go = ev.submitter?.dataset.go || 'submit';
    const st = main.querySelector('#j-status');
    const m = f.mechanism.value;
    const body = { mechanism: m, title: f.title.value.trim(), planned_start: fromInput(f.planned_start.value), planned_end: fromInput(f.planned_end.value),
      targets: f.targets.value.trim(), place: f.place.value.trim(), mode: f.mode.value, tasks: f.tasks.value.trim(), police_support: f.police_support.checked || m === 'emergency' };
    if (f.domain.value.trim()) body.domain = f.domain.value.trim();
    if (county) {
      body.township_ids = Array.from(f.querySelectorAll('input[name=town]:checked')).map((x) => Number(x.value));
      body.participating_units = [];
      if (!body.township_ids.length) { st.className = 'status bad'; st.textContent = '请至少选择一个乡镇（街道）'; return; }
    } else {
      body.township_id = me.township_id;
      body.participating_units = Array.from(f.querySelectorAll('input[name=unit]:checked')).map((x) => Number(x.value));
      if (m !== 'special' && f.lead_unit_id.value) body.lead_unit_id = Number(f.lead_unit_id.value);
      const pids = f.problem_ids.value.split(/[,，\s]+/).map(Number).filter((x) => x > 0);
      if (pids.length) body.problem_ids = pids;
      if (!body.participating_units.length) { st.className = 'status bad'; st.textContent = '请选择参与单位'; return; }
    }
    if (body.planned_end <= body.planned_start) { st.className = 'status bad'; st.textContent = '计划结束须晚于计划开始'; return; }
    busy = true;
    st.className = 'status'; st.textContent = '正在提交…';
    let a = null;
    try {
      if (editing) {
        const { mechanism, township_id, ...rest } = body; // neither changes in an edit
        a = await api('PUT', `/joint-actions/${editing.id}`, { ...rest, version: editing.version });
      } else a = await api('POST', '/joint-actions', body);
      if (go === 'submit' && !county) a = await api('POST', `/joint-actions/${a.id}/actions`, { action: 'submit' });
      toast(go === 'draft' || county ? `已保存：${a.title}` : m === 'special' ? '专项申请已提交执法办公室' : '已提交领导小组审批');
      location.hash = '#/joint-action/' + a.id;
    } catch (e) {
      st.className = 'status bad';
      st.textContent = e.message + (e.code === 'too_late_to_apply' ? '（请调整计划开始时间后重新提交）' : '');
      st.dataset.code = e.code || '';
      st.scrollIntoView({ block: 'center' });
      // a refused application leaves no stray draft behind
      if (a && a.state === 'draft' && e.code === 'too_late_to_apply') await api('POST', `/joint-actions/${a.id}/actions`, { action: 'cancel' }).catch(() => {});
    } finally { busy = false; }
  });
}

// ------------------------------------------------------------ 协同通知
// #/notices/ID (a message about a notice): every notice is listed and that
// one is marked.
export async function noticesView(main, [focus] = []) {
  await syncClock();
  const me = state.me;
  const unitContact = has('contact') && me.unit_id;
  const units = await unitNames();
  const police = unitContact && /派出所/.test(units[me.unit_id]?.name || me.unit_name || '');
  setHtml(main, html`<h2>协同通知</h2><p class="muted">${unitContact ? html`${esc(me.unit_name || '')}：联合执法中发现属于本单位职责的违法行为，须<b>当日</b>（23:59:59 前）派出执法人员响应；超时将记录并纳入考评。` : '本乡镇互动执法通知及其当日时限。'}</p>
    ${police ? html`<h3>移交本所的执法保障事件</h3><div id="incs"><p class="loading">正在加载…</p></div><h3>互动执法通知</h3>` : ''}
    <div class="tabs" id="ntabs"><a href="#" data-open="1"${focus ? '' : html` class="active"`}>待响应</a><a href="#" data-open=""${focus ? html` class="active"` : ''}>全部</a></div><div id="nlist"><p class="loading">正在加载…</p></div>
    ${unitContact ? html`<h3>本单位参加的联合执法 · 指派人员</h3><div id="mine"><p class="loading">正在加载…</p></div>` : ''}`);
  let open = focus ? '' : '1', items = [];
  const load = async () => {
    const box = main.querySelector('#nlist');
    try {
      items = await all('/notices' + (open ? '?open=1' : ''));
      items.sort((x, y) => y.id - x.id);
      const ppl = {};
      for (const uid of new Set(items.filter((n) => (n.officers || []).length).map((n) => n.unit_id))) (await unitPeople(uid)).forEach((p) => { ppl[p.id] = p; });
      setHtml(box, html.join(items.map((n) => noticeCard(n, ppl, true)), '') || html`<p class="muted empty">${open ? '没有待响应的协同通知' : '没有协同通知'}</p>`);
      const card = focus && box.querySelector(`[data-nid="${Number(focus)}"]`);
      if (card) { card.classList.add('spotlight'); card.scrollIntoView({ block: 'center' }); }
    } catch (e) { setHtml(box, html`<p class="error">${esc(e.message)}</p>`); }
  };
  main.querySelector('#ntabs').addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-open]');
    if (!a) return;
    ev.preventDefault(); open = a.dataset.open;
    main.querySelectorAll('#ntabs a').forEach((x) => x.classList.toggle('active', x === a));
    load();
  });
  main.querySelector('#nlist').addEventListener('click', async (ev) => {
    if (!ev.target.closest('button[data-answer]')) return;
    const n = items.find((x) => String(x.id) === ev.target.closest('[data-nid]').dataset.nid);
    if (await answerNotice(n)) await load();
  });
  const others = async () => {
    if (!unitContact) return;
    const acts = await all('/joint-actions').catch(() => []);
    const mine = acts.filter((a) => (a.participating_units || []).includes(me.unit_id) && !['concluded', 'cancelled', 'not_launched'].includes(a.state));
    setHtml(main.querySelector('#mine'), html.join(mine.map((a) => html`<div class="card jcard" data-id="${a.id}"><div class="pc-head"><a href="#/joint-action/${a.id}"><b>${esc(a.title)}</b></a> ${mechTag(a.mechanism)} ${jstateTag(a.state)}</div>
      <div class="muted">${period(a)}</div><div class="actions"><a class="btn small" href="#/joint-action/${a.id}">指派本单位人员 / 签到</a></div></div>`), '') || html`<p class="muted empty">暂无</p>`);
    if (!police) return;
    const live = acts.filter((a) => a.police_support || (a.participating_units || []).includes(me.unit_id));
    const incs = [];
    for (const a of live) {
      const r = await api('GET', `/joint-actions/${a.id}/incidents`).catch(() => ({ items: [] }));
      r.items.filter((i) => i.handed_to_unit_id === me.unit_id).forEach((i) => incs.push({ ...i, title: a.title }));
    }
    incs.sort((x, y) => (x.state === 'closed') - (y.state === 'closed') || String(y.handed_at).localeCompare(String(x.handed_at)));
    setHtml(main.querySelector('#incs'), html.join(incs.map((i) => html`<div class="card icard" data-iid="${i.id}" data-aid="${i.action_id}"><div class="pc-head"><span class="tag red">${esc(INC_KIND[i.kind] || i.kind)}</span> <span class="tag">${esc(INC_STATE[i.state] || i.state)}</span> <a href="#/joint-action/${i.action_id}">${esc(i.title)}</a></div>
      <div class="pc-desc">${esc(i.description)}</div><div class="muted">发生 ${fmtTime(i.occurred_at)} · 移交 ${fmtShort(i.handed_at)}</div>
      ${i.follow_up ? html`<div class="tl-note">${esc(i.follow_up)}</div>` : ''}${i.state !== 'closed' ? html`<div class="actions"><button class="btn small primary-btn act-followup" data-follow>跟进处置</button></div>` : ''}</div>`), '') || html`<p class="muted empty">没有移交本所的事件</p>`);
  };
  main.querySelector('#incs')?.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-follow]');
    if (!b) return;
    const c = b.closest('[data-iid]');
    const v = await dialog('警情跟进', [{ name: 'state', label: '处置状态', type: 'select', options: [['accepted', '已受理（出警调查）'], ['closed', '已办结']] },
      { name: 'note', label: '跟进情况', type: 'textarea' }], '提交');
    if (!v) return;
    try { await api('POST', `/joint-actions/${c.dataset.aid}/incidents/${c.dataset.iid}/follow-up`, { state: v.state, note: v.note.trim() }); toast('已记录跟进情况'); await others(); }
    catch (e) { toast(e.message, 'bad'); }
  });
  await Promise.all([load(), others()]);
  tick(main);
}

// ------------------------------------------------------------ pending (督办与审批)
// jointPending: the leader's approvals and decisions, and the office's
// special applications to forward, each with its clock and buttons.
export async function jointPending(el) {
  setHtml(el, html`${has('leader') ? html`<h3>联合执法待审批</h3>` : ''}${has('office') ? html`<h3>专项申请待转报（收到后2日内）</h3>` : ''}<p class="loading">正在加载…</p>`);
  await syncClock();
  const units = await unitNames();
  const draw = async () => {
    const sections = [];
    if (has('leader')) sections.push({ title: '联合执法待审批', qs: ['state=submitted', 'state=forwarded'], steps: ['approve', 'decide', 'return'], empty: '没有待审批的联合执法行动' });
    if (has('office')) sections.push({ title: '专项申请待转报（收到后2日内）', qs: ['state=submitted&mechanism=special'], steps: ['forward', 'return'], empty: '没有待转报的专项申请' });
    const out = [];
    const byId = {};
    for (const s of sections) {
      let list = [];
      try {
        const found = (await Promise.all(s.qs.map((q) => all('/joint-actions?' + q)))).flat();
        const full = await Promise.all(found.map((a) => api('GET', `/joint-actions/${a.id}`).catch(() => null)));
        list = full.filter((a) => a && (a.allowed_actions || []).some((x) => s.steps.includes(x)));
      } catch (e) { out.push(html`<h3>${s.title}</h3><p class="error">${esc(e.message)}</p>`); continue; }
      list.forEach((a) => { byId[a.id] = a; });
      list.sort((x, y) => (x.mechanism === 'emergency' ? 0 : 1) - (y.mechanism === 'emergency' ? 0 : 1) || x.id - y.id);
      out.push(html`${html`<h3>${s.title} <span class="count">${list.length}</span></h3>` }${ (html.join(list.map((a) => html`<div class="card jcard" data-id="${a.id}">
        <div class="pc-head"><a href="#/joint-action/${a.id}"><b>${esc(a.title)}</b></a> ${mechTag(a.mechanism)} ${jstateTag(a.state)}</div>
        <div class="muted">${esc(a.township_name || '')}${a.place ? html`${' · ' }${ esc(a.place)}` : ''} · ${period(a)}</div>
        <div class="muted">${a.applicant_unit_id ? `申请单位 ${uname(units, a.applicant_unit_id)}` : a.lead_unit_id ? `牵头单位 ${uname(units, a.lead_unit_id)}` : ''}${a.police_support ? ' · 警务保障' : ''}</div>
        ${a.mechanism === 'special' ? html`<div>${forwardClock(a)}</div><div>${decisionClock(a)}</div>` : a.mechanism === 'emergency' ? html`<div><span class="tag red">应急</span> <span class="muted">起草于 ${fmtShort(a.created_at)}，已等待 ${span((serverNow() - toMs(a.created_at)) / 1000)}</span></div>` : ''}
        ${a.targets ? html`<div class="pc-desc">${esc(a.targets)}</div>` : ''}
        <div class="actions">${stepButtons((a.allowed_actions || []).filter((x) => s.steps.includes(x)), a)}<a class="btn" href="#/joint-action/${a.id}">查看方案</a></div></div>`), '') || html`<p class="muted empty">${s.empty}</p>`)}`);
    }
    setHtml(el, html.join(out, ''));
    el.onclick = async (ev) => {
      const b = ev.target.closest('button[data-step]');
      if (!b) return;
      const a = byId[b.closest('[data-id]').dataset.id];
      b.disabled = true;
      if (await runStep(a, b.dataset.step)) await draw(); else b.disabled = false;
    };
  };
  await draw();
  tick(el);
}
