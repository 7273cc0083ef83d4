// core.js — what every screen shares: the session state, the one API call
// (cookie session + X-CSRF-Token), HTML escaping, Shanghai-time formatting,
// the labels of roles, states and channels, loading the bundled libraries
// (Leaflet, ECharts) on demand, and small UI helpers (toast, prompt dialog).
export const ROLE_LABEL = { grid: '网格员', staff: '派驻人员', contact: '派驻机构负责人', office: '执法办公室', leader: '领导小组', dept: '主管部门', admin: '系统管理员', secadmin: '安全管理员', auditor: '审计管理员' };
export const STATE_LABEL = { reported: '待受理', accepted: '已受理', rejected: '不予受理', merged: '已合并', dispatched: '已派遣', in_hand: '处置中', handled: '已反馈', verified: '已核查', closed: '已结案', escalated: '转联合执法' };
export const STATES = Object.keys(STATE_LABEL);
export const CHANNEL_LABEL = { complaint: '投诉举报', patrol: '日常巡查', media: '媒体曝光', video: '视频监控', transfer: '案件移送', assigned: '上级交办' };
export const ACTION_LABEL = { report: '上报', accept: '受理', reject: '不予受理', merge: '合并', dispatch: '派遣', take: '签收', return: '退回', handle: '处置反馈', verify: '核查', close: '结案', evaluate: '评价', supervise: '督办', escalate: '转联合执法', rework: '返工', reroute: '重新派遣', create: '上报' };
export const LIGHT_LABEL = { red: '红灯（超期）', yellow: '黄灯（临期）', green: '绿灯（正常）' };
export const NOTIFICATION_LABEL = { new_problem: '新问题', deadline_near: '临近期限', overdue: '已超期', supervise_overdue: '督办逾期', merged_closed: '合并办结',
  task: '新任务', new_task: '新任务', deadline: '即将到期', due_soon: '即将到期', returned: '被退回', rework: '返工', supervised: '督办', decision: '决定', notice: '通知' };
export const JOINT_STATE_LABEL = {};
export const JOINT_ACTION_LABEL = {};

// Labels from the server (GET /api/v1/meta/labels): every code a person
// sees, in Chinese, from the one place that defines it. The tables above
// are the fallback while the server does not answer it (404) or the device
// is offline; the last answer is kept on the device.
const word = (v) => (v && typeof v === 'object' ? v.zh || v.label || v.name : v);
function mergeLabels(into, from) {
  for (const [k, v] of Object.entries(from || {})) if (word(v)) into[k] = word(v);
}
export function applyLabels(L) {
  if (!L || typeof L !== 'object') return;
  mergeLabels(STATE_LABEL, L.machines?.problem?.states);
  mergeLabels(ACTION_LABEL, L.machines?.problem?.actions);
  mergeLabels(JOINT_STATE_LABEL, L.machines?.joint_action?.states);
  mergeLabels(JOINT_ACTION_LABEL, L.machines?.joint_action?.actions);
  mergeLabels(CHANNEL_LABEL, L.channels);
  mergeLabels(ROLE_LABEL, L.roles);
  mergeLabels(NOTIFICATION_LABEL, L.notification_kinds);
}
try { applyLabels(JSON.parse(localStorage.getItem('xzLabels'))); } catch {}
export async function loadLabels() {
  try {
    const L = await api('GET', '/meta/labels');
    applyLabels(L);
    localStorage.setItem('xzLabels', JSON.stringify(L));
  } catch { /* 404 before the endpoint exists, or offline: the tables stand */ }
}
// kindLabel: a notification's kind in words (the action's name when the
// kind is an action).
export const kindLabel = (k) => NOTIFICATION_LABEL[k] || ACTION_LABEL[k] || k;

export const state = { me: null, csrf: sessionStorage.getItem('xzCsrf') || '', events: null, offline: false };

// ---- markup: the one way HTML is written ----
// html`…` is a template tag: every value put into the template is escaped
// unless it is itself markup made by html`…` (or esc(), or html.join of
// markup); arrays are joined; null, undefined and false write nothing.
// setHtml/addHtml are the only writers of innerHTML and accept nothing
// else, so a page cannot put unescaped text into the document by mistake.
class Markup {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}
const escText = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const frag = (v) => (v instanceof Markup ? v.s : Array.isArray(v) ? v.map(frag).join('') : v == null || v === false ? '' : escText(v));
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += frag(values[i]) + strings[i + 1];
  return new Markup(out);
}
// html.join: markup of the items joined by sep; '' (falsy) when it is empty,
// so that `html.join(rows) || html\`<p>none</p>\`` reads as it did with strings.
html.join = (items, sep = '') => {
  const s = items.map(frag).join(frag(sep));
  return s ? new Markup(s) : '';
};
// esc: text made safe for HTML (markup; as a string, the escaped text).
export const esc = (s) => new Markup(escText(s));
const checked = (m) => {
  if (m instanceof Markup) return m.s;
  if (m === '') return '';
  if (Array.isArray(m) && m.every((x) => x instanceof Markup)) return m.map((x) => x.s).join('');
  throw new TypeError('setHtml/addHtml: markup must be made by html``');
};
export function setHtml(el, m) { el.innerHTML = checked(m); }
export function addHtml(el, where, m) { el.insertAdjacentHTML(where, checked(m)); }
const p2 = (n) => String(n).padStart(2, '0');
// toDate: ISO 8601 text, or a Unix time in seconds (or milliseconds).
const toDate = (t) => typeof t === 'number' ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
const sh = (t) => new Date(toDate(t).getTime() + 8 * 3600000); // Asia/Shanghai wall clock in UTC fields
export const fmtTime = (iso) => {
  if (iso == null || iso === '') return '';
  const s = sh(iso);
  if (isNaN(s)) return esc(iso);
  return `${s.getUTCFullYear()}年${s.getUTCMonth() + 1}月${s.getUTCDate()}日 ${p2(s.getUTCHours())}:${p2(s.getUTCMinutes())}`;
};
export const fmtShort = (iso) => {
  if (!iso) return '';
  const s = sh(iso);
  return `${s.getUTCMonth() + 1}月${s.getUTCDate()}日 ${p2(s.getUTCHours())}:${p2(s.getUTCMinutes())}`;
};
export const fmtDate = (ymd) => { const [y, m, d] = String(ymd).split('-').map(Number); return `${y}年${m}月${d}日`; };
export const today = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
export const plusDays = (n) => new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10);
export const has = (...roles) => !!state.me && roles.some((r) => state.me.roles.includes(r));
// can: whether the user holds a permission. The server sends the names in
// /me's "permissions" (from the authz grants); without that field, the
// roles the grants give it to today stand in.
const GRANTED = {
  'problem.read': ['office', 'leader', 'grid', 'staff', 'contact', 'dept'],
  'problem.report': ['grid', 'office', 'staff', 'contact', 'dept'],
  'problem.office': ['office'], 'problem.handle': ['staff', 'contact'], 'problem.verify': ['grid', 'office'],
  'problem.supervise': ['office', 'leader', 'dept'], 'stats.read': ['office', 'leader', 'dept', 'admin'],
  'grid.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin'], 'grid.write': ['admin', 'office'],
  'joint.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin'], 'joint.write': ['office', 'leader', 'contact', 'staff', 'dept', 'admin'],
  'unit.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin', 'secadmin'],
  'people.read': ['office', 'leader', 'contact', 'staff', 'dept', 'admin', 'secadmin'], 'people.write': ['office', 'admin'],
  'leadership.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin'],
  'region.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin', 'secadmin', 'auditor'],
  'list.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin'], 'list.write': ['admin'],
  'calendar.write': ['admin'], 'routing.read': ['grid', 'staff', 'contact', 'office', 'leader', 'dept', 'admin'],
  'user.read': ['admin', 'secadmin'], 'audit.read': ['auditor'],
};
export const can = (perm) => {
  if (!state.me) return false;
  if (Array.isArray(state.me.permissions)) return state.me.permissions.includes(perm);
  return GRANTED[perm] ? has(...GRANTED[perm]) : false;
};
export const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

export class ApiError extends Error {}

// api: one JSON call; body may be an object (sent as JSON) or
// {raw: Blob|ArrayBuffer|FormData, type} for uploads. Throws ApiError with
// .status and .code (status 0 = the network failed).
export async function api(method, path, body, { headers: extra = {} } = {}) {
  const headers = { ...extra };
  let payload;
  if (body && body.raw !== undefined) {
    payload = body.raw;
    if (body.type) headers['Content-Type'] = body.type;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (err) {
    const e = new ApiError('网络连接失败'); e.status = 0; e.code = 'network'; throw e;
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = new ApiError(data?.error?.message || `请求失败（${res.status}）`);
    e.status = res.status; e.code = data?.error?.code; e.field = data?.error?.field; throw e;
  }
  return data;
}

// all: every page of a keyset-paginated list (bounded at 20 pages).
export async function all(path) {
  let items = [], cursor = '';
  for (let i = 0; i < 20; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api('GET', `${path}${sep}limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    items = items.concat(r.items);
    if (!r.next) break;
    cursor = r.next;
  }
  return items;
}

const loaded = {};
// loadScript: a bundled library from /vendor/, once (same origin, so CSP allows it).
export function loadScript(src) {
  loaded[src] ||= new Promise((res, rej) => {
    const s = document.createElement('script');
    s.src = src; s.onload = res; s.onerror = () => rej(new Error('无法加载 ' + src));
    document.head.appendChild(s);
  });
  return loaded[src];
}
export function loadStyle(href) {
  loaded[href] ||= new Promise((res, rej) => {
    const l = document.createElement('link');
    l.rel = 'stylesheet'; l.href = href; l.onload = res; l.onerror = () => rej(new Error('无法加载 ' + href));
    document.head.appendChild(l);
  });
  return loaded[href];
}
export const loadLeaflet = () => Promise.all([loadScript('/vendor/leaflet.js'), loadStyle('/vendor/leaflet.css')]);
export const loadECharts = () => loadScript('/vendor/echarts.min.js');

export function toast(msg, kind = 'ok') {
  let t = document.getElementById('toast');
  if (!t) { t = document.createElement('div'); t.id = 'toast'; t.setAttribute('role', 'status'); t.setAttribute('aria-live', 'polite'); document.body.appendChild(t); }
  t.className = 'toast ' + kind; t.textContent = msg;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.className = 'toast hidden'; }, 3500);
}

// dialog: a small modal form (role=dialog, aria-modal; Tab stays inside,
// Escape cancels, focus returns to where it was). fields: [{name, label, type:'text'|'textarea'|'number'|'select'|'datetime-local'|'date', options:[[v,l]], value, required}]
// Resolves to the values, or null when cancelled.
export function dialog(title, fields, okText = '确定') {
  return new Promise((resolve) => {
    const wrap = document.createElement('div');
    wrap.className = 'modal';
    const opener = document.activeElement;
    const hid = 'dlg-title-' + Math.random().toString(36).slice(2, 8);
    setHtml(wrap, html`<form class="modal-box" role="dialog" aria-modal="true" aria-labelledby="${hid}"><h3 id="${hid}">${esc(title)}</h3>${html.join(fields.map((f) => {
      const id = 'dlg-' + f.name;
      const req = f.required ? 'required' : '';
      let input;
      if (f.type === 'note') return html`<p class="muted">${esc(f.label)}</p>`;
      if (f.type === 'textarea') input = html`<textarea id="${id}" name="${f.name}" rows="3" ${req}>${esc(f.value ?? '')}</textarea>`;
      else if (f.type === 'select') input = html`<select id="${id}" name="${f.name}" ${req}>${html.join(f.options.map(([v, l]) => html`<option value="${esc(v)}" ${String(v) === String(f.value ?? '') ? 'selected' : ''}>${esc(l)}</option>`), '')}</select>`;
      else if (f.type === 'file') input = html`<label class="btn upload">选择照片<input id="${id}" name="${f.name}" type="file" accept="image/*" multiple class="hidden-input"></label><span class="muted file-names"></span>`;
      else input = html`<input id="${id}" name="${f.name}" type="${f.type || 'text'}" value="${esc(f.value ?? '')}" ${f.min !== undefined ? html`min="${f.min}" max="${f.max}"` : ''} ${req}>`;
      return html`<label for="${id}">${esc(f.label)}</label>${input}`;
    }), '')}<div class="modal-actions"><button type="button" class="btn" data-cancel>取消</button><button type="submit" class="btn primary-btn">${esc(okText)}</button></div></form>`);
    document.body.appendChild(wrap);
    const form = wrap.querySelector('form');
    form.addEventListener('change', (ev) => {
      if (ev.target.type === 'file') ev.target.closest('label').nextElementSibling.textContent = Array.from(ev.target.files).map((x) => x.name).join('、');
    });
    const done = (v) => { wrap.remove(); document.removeEventListener('keydown', keys, true); opener?.focus?.(); resolve(v); };
    const keys = (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); done(null); return; }
      if (ev.key !== 'Tab') return;
      const f = [...form.querySelectorAll('input,select,textarea,button,a[href]')].filter((x) => !x.disabled && x.offsetParent !== null);
      if (!f.length) return;
      const first = f[0], last = f[f.length - 1];
      if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
      else if (!form.contains(document.activeElement)) { ev.preventDefault(); first.focus(); }
    };
    document.addEventListener('keydown', keys, true);
    wrap.querySelector('[data-cancel]').addEventListener('click', () => done(null));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const out = {};
      fields.filter((f) => f.type !== 'note').forEach((f) => { const el = form.elements[f.name]; out[f.name] = f.type === 'file' ? el.files : el.value; });
      done(out);
    });
    form.querySelector('input,textarea,select')?.focus();
  });
}

// Categories as a two-level tree, cached for the session.
let catCache = null;
export async function categories() {
  // kept on the device too, so the report form opens without a signal
  catCache ||= api('GET', '/categories').then((r) => { localStorage.setItem('xzCategories', JSON.stringify(r.items)); return r.items; }).catch((e) => {
    catCache = null;
    const kept = e.status === 0 && localStorage.getItem('xzCategories');
    if (kept) return JSON.parse(kept);
    throw e;
  });
  return catCache;
}
export function categoryOptions(tree, selected = '') {
  return html.join(tree.map((c) => html`<optgroup label="${esc(c.name)}">${html.join((c.children || []).map((k) => html`<option value="${esc(k.code)}" ${k.code === selected ? 'selected' : ''}>${esc(k.name)}</option>`), '')}</optgroup>`), '');
}

// lightTag: the warning light in colour and in words (not colour alone).
export const LIGHT_WORD = { red: '超期', yellow: '临期', green: '正常' };
export const lightTag = (l) => l ? html`<span class="light-tag" title="${esc(LIGHT_LABEL[l] || l)}"><span class="light ${esc(l)}" aria-hidden="true"></span><span class="light-word">${esc(LIGHT_WORD[l] || l)}</span></span>` : '';
export const stateTag = (s) => html`<span class="tag st-${esc(s)}">${esc(STATE_LABEL[s] || s)}</span>`;
