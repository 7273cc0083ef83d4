// orgadmin.js — the organisation as the administrator keeps it (R1, R1.6,
// R3, R9.4; issue 13 items 7–9): the regions tree; county departments and
// the units stationed in townships with their joint-enforcement contact,
// funding, equipment and premises and the frontline share; people with
// their enforcement qualifications (expired and expiring ones marked); the
// township leadership group with its office beside the departments' own
// leading groups; grid members of each cell; the patrol checklist.
//
// Every screen reads for whoever the API lets read; its edit controls show
// only to a role whose work it is and who holds the write permission
// (`has(role) && can(perm)`). Every form is `editDialog`: it stays open on
// a refusal and shows the server's Chinese message next to the field the
// error names (`field`), so nothing changes until the server accepts.
import { api, all, has, can, state, toast, dialog, today, plusDays, html, setHtml, ApiError } from './core.js';

const LEVEL_LABEL = { city: '市', county: '县（市、区）', township: '乡镇（街道）', village: '村（社区）' };
const CHILD_LEVEL = { city: 'county', county: 'township', township: 'village' };
const UNIT_KIND = { enforcement: '综合行政执法', police: '派出所', land: '自然资源（国土）所', planning: '规划站', environment: '环保所', market: '市场监管所', safety: '应急管理（安监）', tourism: '文旅', other: '其他' };
const RES_KIND = { funding: '经费', equipment: '装备', premises: '场所' };
const PROVIDER = { township: '乡镇（街道）保障', department: '主管部门保障' };
const POSITION = { leader: '组长', deputy: '副组长', member: '成员', office: '办公室' };
const DEPT_POSITION = { leader: '组长', deputy: '副组长', member: '成员' };

// ------------------------------------------------------------ forms
let formSeq = 0;
// the ids core.js `dialog` gives its fields (one dialog is open at a time)
const fieldId = (name) => `dlg-${name}`;

function fieldHtml(f) {
  const id = fieldId(f.name), err = `${id}-err`;
  const describe = html`aria-describedby="${err}"`;
  let input;
  if (f.type === 'note') return html`<p class="muted">${f.label}</p>`;
  if (f.type === 'checkbox') {
    return html`<label class="checkrow" for="${id}"><input type="checkbox" id="${id}" name="${f.name}" ${f.value ? 'checked' : ''} ${describe}>${f.label}</label><span class="field-err" id="${err}" role="alert"></span>`;
  }
  if (f.type === 'checks') {
    const sel = new Set((f.value || []).map(String));
    return html`<fieldset class="org-checks" id="${id}" ${describe}><legend>${f.label}</legend>${html.join(f.options.map(([v, l], i) => html`<label class="checkrow" for="${id}-${i}"><input type="checkbox" id="${id}-${i}" name="${f.name}" value="${v}" ${sel.has(String(v)) ? 'checked' : ''}>${l}</label>`)) || html`<p class="muted">（无可选人员）</p>`}</fieldset><span class="field-err" id="${err}" role="alert"></span>`;
  }
  if (f.type === 'select') input = html`<select id="${id}" name="${f.name}" ${describe}>${html.join(f.options.map(([v, l]) => html`<option value="${v}" ${String(v) === String(f.value ?? '') ? 'selected' : ''}>${l}</option>`))}</select>`;
  else if (f.type === 'textarea') input = html`<textarea id="${id}" name="${f.name}" rows="3" ${describe}>${f.value ?? ''}</textarea>`;
  else input = html`<input id="${id}" name="${f.name}" type="${f.type || 'text'}" value="${f.value ?? ''}" ${f.step ? html`step="${f.step}"` : ''} ${describe}>`;
  return html`<label for="${id}">${f.label}${f.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>${input}${f.hint ? html`<span class="muted small">${f.hint}</span>` : ''}<span class="field-err" id="${err}" role="alert"></span>`;
}

// editDialog: a modal form (labelled, Tab kept inside, Escape cancels,
// focus back to the opener) whose submit(values) does the request. On an
// ApiError the dialog stays open with the message beside the field named
// by the error (a field may answer for other names with `for: [...]`), or
// at the foot of the form; resolves to submit's answer, or null when
// cancelled. Values: text as typed, checkbox true/false, checks an array.
// `change(name, value, set)`, when given, hears every change of a field and
// may fill others with set(name, value).
export function editDialog(title, fields, submit, okText = '保存', { change } = {}) {
  return new Promise((resolve) => {
    const k = ++formSeq, wrap = document.createElement('div'), opener = document.activeElement;
    wrap.className = 'modal';
    setHtml(wrap, html`<form class="modal-box org-form" role="dialog" aria-modal="true" aria-labelledby="ed${k}-title" novalidate><h3 id="ed${k}-title">${title}</h3>
      ${html.join(fields.map((f) => fieldHtml(f)))}<p class="field-err" id="ed${k}-form-err" role="alert"></p>
      <div class="modal-actions"><button type="button" class="btn" data-cancel>取消</button><button type="submit" class="btn primary-btn">${okText}</button></div></form>`);
    document.body.appendChild(wrap);
    const form = wrap.querySelector('form');
    const done = (v) => { wrap.remove(); document.removeEventListener('keydown', keys, true); opener?.focus?.(); resolve(v); };
    const keys = (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); done(null); return; }
      if (ev.key !== 'Tab') return;
      const f = [...form.querySelectorAll('input,select,textarea,button')].filter((x) => !x.disabled && x.offsetParent !== null);
      const first = f[0], last = f[f.length - 1];
      if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
      else if (!form.contains(document.activeElement)) { ev.preventDefault(); first.focus(); }
    };
    document.addEventListener('keydown', keys, true);
    wrap.querySelector('[data-cancel]').addEventListener('click', () => done(null));
    if (change) {
      const set = (name, v) => { const el = form.elements[name]; if (el) el.value = v ?? ''; };
      form.addEventListener('change', (ev) => { if (ev.target.name) change(ev.target.name, ev.target.value, set); });
    }
    const clear = () => {
      form.querySelectorAll('.field-err').forEach((e) => { e.textContent = ''; });
      form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    };
    const values = () => {
      const out = {};
      for (const f of fields) {
        if (f.type === 'note') continue;
        if (f.type === 'checkbox') out[f.name] = form.elements[f.name].checked;
        else if (f.type === 'checks') out[f.name] = [...form.querySelectorAll(`input[name="${f.name}"]:checked`)].map((x) => x.value);
        else out[f.name] = form.elements[f.name].value.trim();
      }
      return out;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear();
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        const r = await submit(values());
        done(r ?? true);
      } catch (e) {
        btn.disabled = false;
        const f = e.field && fields.find((x) => x.name === e.field || (x.for || []).includes(e.field));
        if (f) {
          const el = form.querySelector('#' + fieldId(f.name));
          form.querySelector(`#${fieldId(f.name)}-err`).textContent = e.message;
          el.setAttribute('aria-invalid', 'true');
          el.focus?.();
        } else {
          form.querySelector(`#ed${k}-form-err`).textContent = e.message;
        }
      }
    });
    form.querySelector('input,textarea,select')?.focus();
  });
}

// fail: a client-side refusal in the shape of the server's (field named).
const fail = (message, field) => { const e = new ApiError(message); e.field = field; return e; };
const num = (v, field, label) => {
  if (v === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n)) throw fail(`${label}须为数字`, field);
  return n;
};
const confirmed = (title, text, ok = '确定') => dialog(title, [{ name: 'x', label: text, type: 'note' }], ok);

// status: the screen's one line for what happened (deletions and refusals
// outside a form), announced.
function say(main, text, kind = 'ok') {
  const s = main.querySelector('.org-status');
  if (!s) return toast(text, kind);
  s.className = 'status org-status ' + kind;
  s.textContent = text;
}

// ------------------------------------------------------------ regions
export async function regionsView(main) {
  const edit = has('admin') && can('org.write');
  const regions = await all('/regions');
  const kids = {};
  regions.forEach((r) => { (kids[r.parent_id || 0] ||= []).push(r); });
  const ids = new Set(regions.map((r) => r.id));
  const roots = regions.filter((r) => !ids.has(r.parent_id));
  const row = (r, d) => html`<tr data-id="${r.id}"><td class="indent-${Math.min(d, 4)}">${r.name}</td><td>${LEVEL_LABEL[r.level]}</td><td class="muted">${r.code}</td>
    ${edit ? html`<td class="actions-cell">${CHILD_LEVEL[r.level] ? html`<button class="btn small" data-add="${r.id}">新增${LEVEL_LABEL[CHILD_LEVEL[r.level]]}</button>` : ''}<button class="btn small" data-edit="${r.id}">编辑</button><button class="btn small" data-del="${r.id}">删除</button></td>` : ''}</tr>${html.join((kids[r.id] || []).map((k) => row(k, d + 1)))}`;
  setHtml(main, html`<h2>区域</h2><p class="muted">市 → 县（市、区）→ 乡镇（街道）→ 村（社区）。下级区域只能建在上一级之下；仍有下级、机构或网格的区域不能删除。</p>
<p class="status org-status" role="status"></p>
    <div class="table-wrap"><table class="compact"><caption class="sr-only">区域</caption><thead><tr><th>名称</th><th>层级</th><th>编码</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>${html.join(roots.map((r) => row(r, 0)))}</tbody></table></div>`);
  if (!edit) return;
  const byId = Object.fromEntries(regions.map((r) => [r.id, r]));
  const create = async (parent, level) => {
    const r = await editDialog(`新增${LEVEL_LABEL[level]}${parent ? `（${parent.name}）` : ''}`, [
      { name: 'name', label: '名称', required: true },
      { name: 'code', label: '编码（行政区划代码）', required: true },
    ], (v) => api('POST', '/regions', { level, name: v.name, code: v.code, ...(parent ? { parent_id: parent.id } : {}) }), '新增');
    if (r) { toast(`已新增：${r.name}`); await regionsView(main); }
  };
  main.querySelector('tbody').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    const r = byId[b.dataset.add || b.dataset.edit || b.dataset.del];
    if (b.dataset.add) return create(r, CHILD_LEVEL[r.level]);
    if (b.dataset.edit) {
      const out = await editDialog(`编辑区域：${r.name}`, [
        { name: 'name', label: '名称', value: r.name, required: true },
        { name: 'code', label: '编码（行政区划代码）', value: r.code, required: true },
      ], (v) => api('PUT', `/regions/${r.id}`, { name: v.name, code: v.code, version: r.version }));
      if (out) { toast(`已保存：${out.name}`); await regionsView(main); }
      return;
    }
    if (!(await confirmed(`删除区域：${r.name}`, '删除后不可恢复。仍有下级区域、机构、人员或网格的区域不能删除。', '删除'))) return;
    try { await api('DELETE', `/regions/${r.id}`); toast(`已删除：${r.name}`); await regionsView(main); }
    catch (e) { say(main, `未删除“${r.name}”：${e.message}`, 'bad'); }
  });
}

// ------------------------------------------------------------ units and departments
const pct = (s) => (s == null ? '—' : `${(s * 100).toFixed(1)}%`);

export async function unitsView(main, [id] = []) {
  if (id) return unitView(main, Number(id));
  const edit = has('admin') && can('org.write');
  const [units, depts, regions] = await Promise.all([all('/units'), all('/departments'), all('/regions')]);
  const towns = regions.filter((r) => r.level === 'township');
  const dn = Object.fromEntries(depts.map((d) => [d.id, d.name])), rn = Object.fromEntries(regions.map((r) => [r.id, r.name]));
  const townIds = [...new Set(units.map((u) => u.township_id))];
  const front = Object.fromEntries(await Promise.all(townIds.map(async (t) => [t, await api('GET', `/org/frontline?township_id=${t}`).catch(() => null)])));
  const share = {};
  Object.values(front).forEach((f) => f?.units.forEach((u) => { share[u.unit_id] = u; }));
  const contacts = Object.fromEntries((await api('GET', '/leadership').catch(() => ({ contacts: [] }))).contacts?.map((c) => [c.unit_id, c.name]) || []);
  setHtml(main, html`<h2>派驻机构（条块双重管理）</h2>
    <p class="muted">派驻机构隶属县级主管部门（条），派驻乡镇（街道）（块）；联合执法负责人须为本机构人员。一线执法力量占比 = 在岗一线执法人员 ÷ 在岗人员。</p>
    ${edit ? html`<div class="actions"><button class="btn primary-btn" id="u-add">新增派驻机构</button><button class="btn" id="d-add">新增主管部门</button></div>` : ''}<p class="status org-status" role="status"></p>
    <div class="card"><b>一线执法力量占比（乡镇）</b><table class="compact"><caption class="sr-only">各乡镇一线执法力量占比</caption><thead><tr><th>乡镇（街道）</th><th>在岗人员</th><th>一线执法人员</th><th>占比</th></tr></thead><tbody>
      ${html.join(townIds.filter((t) => front[t]).map((t) => html`<tr data-town="${t}"><td>${rn[t] || t}</td><td>${front[t].active}</td><td>${front[t].frontline}</td><td class="share">${pct(front[t].share)}</td></tr>`)) || html`<tr><td colspan="4" class="muted">暂无</td></tr>`}</tbody></table></div>
    <div class="table-wrap"><table class="compact" id="units"><caption class="sr-only">派驻机构</caption><thead><tr><th>机构</th><th>类型</th><th>主管部门（条）</th><th>派驻乡镇（块）</th><th>联合执法负责人</th><th>一线占比</th><th>操作</th></tr></thead><tbody>
    ${html.join(units.map((u) => html`<tr data-id="${u.id}"><td><a href="#/units/${u.id}">${u.name}</a><div class="muted small">${u.code}</div></td><td>${UNIT_KIND[u.kind] || u.kind}</td><td>${dn[u.department_id] || ''}</td><td>${rn[u.township_id] || ''}</td>
      <td>${contacts[u.id] || html`<span class="muted">（未指定）</span>`}</td><td class="share">${share[u.id] ? html`${pct(share[u.id].share)} <span class="muted small">${share[u.id].frontline}/${share[u.id].active}</span>` : '—'}</td>
      <td class="actions-cell"><a class="btn small" href="#/units/${u.id}">保障与人员</a>${edit ? html`<button class="btn small" data-edit="${u.id}">编辑</button>` : ''}</td></tr>`))}</tbody></table></div>
    <h3>县级主管部门</h3><div class="table-wrap"><table class="compact" id="depts"><caption class="sr-only">县级主管部门</caption><thead><tr><th>部门</th><th>编码</th><th>执法领域</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>
    ${html.join(depts.map((d) => html`<tr data-id="${d.id}"><td>${d.name}</td><td class="muted">${d.code}</td><td>${html.join(parseList(d.domains).map((x) => html`<span class="tag">${x}</span>`))}</td>${edit ? html`<td><button class="btn small" data-dept="${d.id}">编辑</button></td>` : ''}</tr>`))}</tbody></table></div>`);
  if (!edit) return;
  const county = state.me.county_id || regions.find((r) => r.level === 'county')?.id;
  const unitForm = async (u) => {
    const people = u ? await all(`/people?unit_id=${u.id}`) : [];
    const out = await editDialog(u ? `编辑派驻机构：${u.name}` : '新增派驻机构', [
      { name: 'name', label: '名称', value: u?.name, required: true },
      { name: 'code', label: '编码', value: u?.code, required: true },
      { name: 'kind', label: '类型', type: 'select', value: u?.kind || 'other', options: Object.entries(UNIT_KIND) },
      { name: 'township_id', label: '派驻乡镇（街道）', type: 'select', value: u?.township_id, options: [['', '（请选择）'], ...towns.map((t) => [t.id, t.name])], required: true },
      { name: 'department_id', label: '主管部门', type: 'select', value: u?.department_id, options: [['', '（请选择）'], ...depts.map((d) => [d.id, d.name])], required: true },
      u ? { name: 'contact_person_id', label: '联合执法负责人（须为本机构人员）', type: 'select', value: u.contact_person_id || '', options: [['', '（未指定）'], ...people.map((p) => [p.id, p.name])] }
        : { name: 'n', type: 'note', label: '新增后在“保障与人员”中添加本机构人员，再指定联合执法负责人。' },
    ], (v) => {
      const body = { name: v.name, code: v.code, kind: v.kind, township_id: v.township_id ? Number(v.township_id) : null, department_id: v.department_id ? Number(v.department_id) : null };
      if (u) { body.contact_person_id = v.contact_person_id ? Number(v.contact_person_id) : null; body.version = u.version; }
      return u ? api('PUT', `/units/${u.id}`, body) : api('POST', '/units', body);
    });
    if (out) { toast(`已保存：${out.name}`); await unitsView(main); }
  };
  const deptForm = async (d) => {
    const out = await editDialog(d ? `编辑主管部门：${d.name}` : '新增主管部门', [
      { name: 'name', label: '名称', value: d?.name, required: true },
      { name: 'code', label: '编码', value: d?.code, required: true },
      { name: 'domains', label: '执法领域（顿号或逗号分隔）', value: parseList(d?.domains).join('、') },
    ], (v) => {
      const body = { name: v.name, code: v.code, domains: v.domains.split(/[、,，\s]+/).filter(Boolean) };
      return d ? api('PUT', `/departments/${d.id}`, { ...body, version: d.version }) : api('POST', '/departments', { ...body, county_id: county });
    });
    if (out) { toast(`已保存：${out.name}`); await unitsView(main); }
  };
  main.querySelector('#u-add').addEventListener('click', () => unitForm(null));
  main.querySelector('#d-add').addEventListener('click', () => deptForm(null));
  main.querySelector('#units').addEventListener('click', (ev) => { const b = ev.target.closest('[data-edit]'); if (b) unitForm(units.find((u) => u.id === Number(b.dataset.edit))); });
  main.querySelector('#depts').addEventListener('click', (ev) => { const b = ev.target.closest('[data-dept]'); if (b) deptForm(depts.find((d) => d.id === Number(b.dataset.dept))); });
}

function parseList(v) {
  if (Array.isArray(v)) return v;
  try { return JSON.parse(v || '[]'); } catch { return []; }
}

// unitView: one unit's funding, equipment and premises (R1.6), its people
// and its frontline share.
async function unitView(main, id) {
  const u = await api('GET', `/units/${id}`);
  const [res, people, front] = await Promise.all([api('GET', `/units/${id}/resources`), all(`/people?unit_id=${id}`).catch(() => []),
    api('GET', `/org/frontline?township_id=${u.township_id}`).catch(() => null)]);
  const mine = front?.units.find((x) => x.unit_id === id);
  const editRes = has('admin', 'office', 'dept') && can('unit.resource.write');
  setHtml(main, html`<h2>${u.name}</h2><p><a href="#/units">返回派驻机构</a></p><p class="status org-status" role="status"></p>
    <div class="card"><b>一线执法力量占比</b>：<span id="u-share">${mine ? html`${pct(mine.share)}（一线 ${mine.frontline} 人 / 在岗 ${mine.active} 人）` : '—'}</span>
      ${front ? html`<span class="muted">　本乡镇合计 ${pct(front.share)}（${front.frontline}/${front.active}）</span>` : ''}</div>
    <div class="card"><div class="bar"><b>经费、装备、场所</b><span class="grow"></span>${editRes ? html`<button class="btn small primary-btn" id="res-add">登记保障</button>` : ''}</div>
      <table class="compact" id="res"><caption class="sr-only">经费、装备、场所</caption><thead><tr><th>年度</th><th>类别</th><th>说明</th><th>金额（元）/数量</th><th>保障方</th>${editRes ? html`<th>操作</th>` : ''}</tr></thead><tbody>
      ${html.join(res.items.map((x) => html`<tr data-id="${x.id}"><td>${x.year}</td><td>${RES_KIND[x.kind] || x.kind}</td><td>${x.description}</td><td>${x.amount ?? '—'}</td><td>${PROVIDER[x.provided_by] || x.provided_by}</td>${editRes ? html`<td><button class="btn small" data-del="${x.id}">删除</button></td>` : ''}</tr>`)) || html`<tr><td colspan="6" class="muted">尚未登记</td></tr>`}</tbody></table></div>
    <div class="card"><div class="bar"><b>本机构人员</b><span class="grow"></span><a class="btn small" href="#/people?unit=${id}">管理人员与执法资格</a></div>
      <table class="compact"><caption class="sr-only">本机构人员</caption><thead><tr><th>姓名</th><th>职务</th><th>一线执法</th><th>执法资格</th></tr></thead><tbody>
      ${html.join(people.map((p) => html`<tr><td>${p.name}${u.contact_person_id === p.id ? html` <span class="tag">联合执法负责人</span>` : ''}</td><td>${p.title || ''}</td><td>${p.frontline ? '是' : '否'}${p.active ? '' : html` <span class="tag">不在岗</span>`}</td><td>${qualTags(p)}</td></tr>`)) || html`<tr><td colspan="4" class="muted">暂无</td></tr>`}</tbody></table></div>`);
  if (!editRes) return;
  main.querySelector('#res-add').addEventListener('click', async () => {
    const out = await editDialog(`登记保障 · ${u.name}`, [
      { name: 'kind', label: '类别', type: 'select', value: 'funding', options: Object.entries(RES_KIND) },
      { name: 'description', label: '说明', required: true },
      { name: 'amount', label: '金额（元，经费）或数量（装备、场所）', type: 'number', step: 'any' },
      { name: 'provided_by', label: '保障方', type: 'select', value: has('dept') ? 'department' : 'township', options: Object.entries(PROVIDER) },
      { name: 'year', label: '年度', type: 'number', value: today().slice(0, 4), required: true },
    ], (v) => api('POST', `/units/${id}/resources`, { kind: v.kind, description: v.description, amount: num(v.amount, 'amount', '金额或数量'), provided_by: v.provided_by, year: num(v.year, 'year', '年度') ?? 0 }), '登记');
    if (out) { toast('已登记'); await unitView(main, id); }
  });
  main.querySelector('#res').addEventListener('click', async (ev) => {
    const b = ev.target.closest('[data-del]');
    if (!b || !(await confirmed('删除保障记录', '确定删除这条经费、装备或场所记录？', '删除'))) return;
    try { await api('DELETE', `/units/${id}/resources/${b.dataset.del}`); await unitView(main, id); say(main, '已删除保障记录'); }
    catch (e) { say(main, e.message, 'bad'); }
  });
}

// ------------------------------------------------------------ people and qualifications
// qualState: a qualification's standing today: expired, within 30 days of
// its end, not yet valid, or valid.
function qualState(q) {
  const t = today();
  if (q.valid_to < t) return ['red', '已过期'];
  if (q.valid_from > t) return ['yellow', '未生效'];
  if (q.valid_to <= plusDays(30)) return ['yellow', '30天内到期'];
  return ['green', '有效'];
}
export function qualTags(p) {
  if (p.is_auxiliary) return html`<span class="tag">协管员（不得单独执法）</span>`;
  if (!p.qualifications?.length) return html`<span class="tag">无执法证</span>`;
  return html.join(p.qualifications.map((q) => {
    const [cls, txt] = qualState(q);
    return html`<span class="tag ${cls} qual-${cls}" title="${q.issuer} ${(q.domains || []).join('、')}">${q.cert_no} ${txt}（至${q.valid_to}）</span>`;
  }));
}

export async function peopleView(main) {
  const unitFilter = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('unit')) || 0;
  const [people, units] = await Promise.all([all(unitFilter ? `/people?unit_id=${unitFilter}` : '/people'), all('/units').catch(() => [])]);
  const un = Object.fromEntries(units.map((u) => [u.id, u.name]));
  const expired = people.filter((p) => !p.is_auxiliary && p.qualifications?.some((q) => qualState(q)[1] === '已过期')).length;
  const soon = people.filter((p) => !p.is_auxiliary && p.qualifications?.some((q) => qualState(q)[1] === '30天内到期')).length;
  const edit = has('office', 'admin') && can('people.write');
  setHtml(main, html`<h2>人员与执法资格</h2><p class="muted">共 ${people.length} 人；执法证已过期 ${expired} 人，30天内到期 ${soon} 人。红色：已过期；黄色：30天内到期或尚未生效。</p>
    <div class="bar"><label for="p-unit">所在机构</label><select id="p-unit"><option value="0">全部</option>${html.join(units.map((u) => html`<option value="${u.id}" ${u.id === unitFilter ? 'selected' : ''}>${u.name}</option>`))}</select>
    ${edit ? html`<button class="btn primary-btn" id="p-add">新增人员</button>` : ''}</div><p class="status org-status" role="status"></p>
    <div class="table-wrap"><table id="people"><caption class="sr-only">人员与执法资格</caption><thead><tr><th>姓名</th><th>所在机构</th><th>职务</th><th>电话</th><th>执法资格</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>
    ${html.join(people.map((p) => html`<tr data-id="${p.id}"><td>${p.name}${p.frontline ? html` <span class="tag">一线</span>` : ''}${p.active ? '' : html` <span class="tag">不在岗</span>`}</td><td>${un[p.unit_id] || ''}</td><td>${p.title || ''}</td><td>${p.phone || ''}</td><td>${qualTags(p)}</td>
      ${edit ? html`<td class="actions-cell"><button class="btn small" data-edit="${p.id}">编辑</button>${p.is_auxiliary ? '' : html`<button class="btn small" data-qual="${p.id}" data-name="${p.name}">执法资格</button>`}<button class="btn small" data-del="${p.id}">删除</button></td>` : ''}</tr>`))}</tbody></table></div>`);
  main.querySelector('#p-unit').addEventListener('change', (ev) => { location.hash = Number(ev.target.value) ? `#/people?unit=${ev.target.value}` : '#/people'; });
  if (!edit) return;
  const mine = units.filter((u) => !state.me.township_id || u.township_id === state.me.township_id);
  const towns = has('admin') ? (await all('/regions').catch(() => [])).filter((r) => r.level === 'township') : [];
  const personForm = async (p) => {
    const out = await editDialog(p ? `编辑人员：${p.name}` : '新增人员', [
      { name: 'name', label: '姓名', value: p?.name, required: true },
      { name: 'unit_id', label: '所在派驻机构', type: 'select', value: p?.unit_id ?? (unitFilter || ''), options: [['', '（乡镇工作人员，不属派驻机构）'], ...mine.map((u) => [u.id, u.name])] },
      ...(towns.length ? [{ name: 'township_id', label: '所在乡镇（不属派驻机构时）', type: 'select', value: p?.township_id || '', options: [['', '（请选择）'], ...towns.map((t) => [t.id, t.name])] }] : []),
      { name: 'title', label: '职务', value: p?.title },
      { name: 'phone', label: '电话', value: p?.phone },
      { name: 'is_auxiliary', label: '协管员（辅助人员，不得单独执法）', type: 'checkbox', value: !!p?.is_auxiliary },
      { name: 'frontline', label: '一线执法力量', type: 'checkbox', value: !!p?.frontline },
      { name: 'active', label: '在岗', type: 'checkbox', value: p ? !!p.active : true },
    ], (v) => {
      const body = { name: v.name, title: v.title || null, phone: v.phone || null, is_auxiliary: v.is_auxiliary, frontline: v.frontline, active: v.active };
      if (v.unit_id) body.unit_id = Number(v.unit_id);
      else {
        body.unit_id = null;
        if (v.township_id) body.township_id = Number(v.township_id);
        else if (state.me.township_id) body.township_id = state.me.township_id;
      }
      if (!p && body.unit_id === null) delete body.unit_id;
      return p ? api('PUT', `/people/${p.id}`, { ...body, version: p.version }) : api('POST', '/people', body);
    });
    if (out) { toast(`已保存：${out.name}`); await peopleView(main); }
  };
  main.querySelector('#p-add').addEventListener('click', () => personForm(null));
  main.querySelector('#people').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    const p = people.find((x) => x.id === Number(b.dataset.edit || b.dataset.qual || b.dataset.del));
    if (b.dataset.edit) return personForm(p);
    if (b.dataset.qual) return qualsDialog(main, p);
    if (!(await confirmed(`删除人员：${p.name}`, '删除后不可恢复。仍在网格、领导小组或账号中使用的人员不能删除，可改为“不在岗”。', '删除'))) return;
    try { await api('DELETE', `/people/${p.id}`); toast(`已删除：${p.name}`); await peopleView(main); }
    catch (e) { say(main, `未删除“${p.name}”：${e.message}`, 'bad'); }
  });
}

// qualsDialog: a person's certificates, each with its standing: register a
// new one, change one (the form filled with it) or revoke one.
async function qualsDialog(main, p) {
  const list = p.qualifications || [];
  const blank = { cert_no: '', issuer: '浙江省人民政府', domains: [], valid_from: today(), valid_to: plusDays(365 * 3) };
  const fields = [
    { name: 'cur', type: 'note', label: list.length ? `已登记：${list.map((q) => `${q.cert_no}（${(q.domains || []).join('、')}，${q.valid_from} 至 ${q.valid_to}，${qualState(q)[1]}）`).join('；')}` : '尚未登记执法证。' },
    { name: 'action', label: '操作', type: 'select', value: 'add', options: [['add', '登记新的执法证'], ...list.flatMap((q) => [[`edit:${q.id}`, `修改 ${q.cert_no}`], [`del:${q.id}`, `注销 ${q.cert_no}`]])] },
    { name: 'cert_no', label: '执法证号', value: blank.cert_no },
    { name: 'issuer', label: '发证机关', value: blank.issuer },
    { name: 'domains', label: '执法领域（顿号或逗号分隔，如：村镇建设、市容环境）' },
    { name: 'valid_from', label: '有效期自', type: 'date', value: blank.valid_from },
    { name: 'valid_to', label: '有效期至', type: 'date', value: blank.valid_to },
  ];
  const fillWith = (set, q) => {
    set('cert_no', q.cert_no); set('issuer', q.issuer); set('domains', (q.domains || []).join('、'));
    set('valid_from', q.valid_from); set('valid_to', q.valid_to);
  };
  const out = await editDialog(`执法资格 · ${p.name}`, fields, (v) => {
    const [act, qid] = v.action.split(':');
    if (act === 'del') return api('DELETE', `/qualifications/${qid}`);
    const body = { cert_no: v.cert_no, issuer: v.issuer, domains: v.domains.split(/[、,，\s]+/).filter(Boolean), valid_from: v.valid_from, valid_to: v.valid_to };
    return act === 'edit' ? api('PUT', `/qualifications/${qid}`, body) : api('POST', `/people/${p.id}/qualifications`, body);
  }, '确定', {
    change: (name, value, set) => {
      if (name !== 'action') return;
      const [act, qid] = value.split(':');
      fillWith(set, act === 'add' ? blank : list.find((q) => q.id === Number(qid)));
    },
  });
  if (out) { toast('执法资格已更新'); await peopleView(main); }
}

// ------------------------------------------------------------ leadership groups
export async function leadershipView(main) {
  const editTown = has('office', 'admin') && can('leadership.write');
  const editUnits = has('admin') && can('org.write');
  const editDept = has('dept', 'admin') && can('dept.leadership.write');
  const regions = has('admin', 'dept') ? await all('/regions').catch(() => []) : [];
  const towns = regions.filter((r) => r.level === 'township');
  const qs = new URLSearchParams(location.hash.split('?')[1] || '');
  const town = state.me.township_id || Number(qs.get('township')) || towns[0]?.id || 0;
  const r = await api('GET', `/leadership${town ? `?township_id=${town}` : ''}`);
  const depts = has('dept', 'admin') ? await all('/departments').catch(() => []) : [];
  const dept = Number(qs.get('dept')) || state.me.department_id || depts[0]?.id || 0;
  const dl = dept ? await api('GET', `/departments/${dept}/leadership`).catch(() => null) : null;
  setHtml(main, html`<h2>行政执法统筹协调指挥领导小组</h2>
    ${towns.length && !state.me.township_id ? html`<div class="bar"><label for="ld-town">乡镇（街道）</label><select id="ld-town">${html.join(towns.map((t) => html`<option value="${t.id}" ${t.id === town ? 'selected' : ''}>${t.name}</option>`))}</select></div>` : ''}
    <p class="status org-status" role="status"></p>
    <div class="card"><div class="bar"><b>乡镇（街道）领导小组</b><span class="grow"></span>${editTown ? html`<button class="btn small primary-btn" id="ld-add">添加成员</button>` : ''}</div>
      <table class="compact" id="ld"><caption class="sr-only">乡镇领导小组</caption><thead><tr><th>职位</th><th>姓名</th><th>职务</th><th>电话</th>${editTown ? html`<th>操作</th>` : ''}</tr></thead><tbody>
      ${html.join(r.items.map((l) => html`<tr data-id="${l.id}"><td>${POSITION[l.position] || l.position}</td><td>${l.name}</td><td>${l.title || ''}</td><td>${l.phone || ''}</td>${editTown ? html`<td class="actions-cell"><button class="btn small" data-pos="${l.id}" data-name="${l.name}">调整职位</button><button class="btn small" data-del="${l.id}" data-name="${l.name}">移出</button></td>` : ''}</tr>`)) || html`<tr><td colspan="5" class="muted">尚未组建</td></tr>`}</tbody></table></div>
    <div class="card"><b>各派驻机构联合执法负责人</b><table class="compact" id="contacts"><caption class="sr-only">各派驻机构联合执法负责人</caption><thead><tr><th>机构</th><th>负责人</th><th>电话</th>${editUnits ? html`<th>操作</th>` : ''}</tr></thead><tbody>
      ${html.join((r.contacts || []).map((c) => html`<tr><td>${c.unit_name}</td><td>${c.name || '（未指定）'}</td><td>${c.phone || ''}</td>${editUnits ? html`<td><button class="btn small" data-unit="${c.unit_id}">指定负责人</button></td>` : ''}</tr>`))}</tbody></table></div>
    ${depts.length ? html`<div class="card"><div class="bar"><b>县级主管部门综合执法领导小组</b><label for="ld-dept" class="sr-only">主管部门</label><select id="ld-dept">${html.join(depts.map((d) => html`<option value="${d.id}" ${d.id === dept ? 'selected' : ''}>${d.name}</option>`))}</select><span class="grow"></span>${editDept ? html`<button class="btn small primary-btn" id="dl-add">添加成员</button>` : ''}</div>
      <table class="compact" id="dl"><caption class="sr-only">主管部门领导小组</caption><thead><tr><th>职位</th><th>姓名</th><th>职务</th>${editDept ? html`<th>操作</th>` : ''}</tr></thead><tbody>
      ${html.join((dl?.items || []).map((l) => html`<tr data-id="${l.id}"><td>${DEPT_POSITION[l.position] || l.position}</td><td>${l.name}</td><td>${l.title || ''}</td>${editDept ? html`<td><button class="btn small" data-del="${l.id}" data-name="${l.name}">移出</button></td>` : ''}</tr>`)) || html`<tr><td colspan="4" class="muted">尚未组建</td></tr>`}</tbody></table></div>` : ''}`);
  const go = (t, d) => { location.hash = `#/leadership?township=${t}&dept=${d}`; };
  main.querySelector('#ld-town')?.addEventListener('change', (ev) => go(ev.target.value, dept));
  main.querySelector('#ld-dept')?.addEventListener('change', (ev) => go(town, ev.target.value));
  const again = () => leadershipView(main);
  main.querySelector('#ld-add')?.addEventListener('click', async () => {
    const people = (await all(`/people?township_id=${town}`)).filter((p) => p.active && !r.items.some((l) => l.person_id === p.id));
    const out = await editDialog('添加领导小组成员', [
      { name: 'person_id', label: '人员（本乡镇）', type: 'select', options: [['', '（请选择）'], ...people.map((p) => [p.id, `${p.name}${p.title ? '（' + p.title + '）' : ''}`])] },
      { name: 'position', label: '职位', type: 'select', value: 'member', options: Object.entries(POSITION) },
      { name: 'n', type: 'note', label: '设为组长时，原组长改为成员。' },
    ], (v) => api('POST', '/leadership', { township_id: town, person_id: Number(v.person_id) || 0, position: v.position }), '添加');
    if (out) { toast('已添加'); await again(); }
  });
  main.querySelector('#ld tbody').addEventListener('click', async (ev) => {
    const p = ev.target.closest('[data-pos]');
    if (p) {
      const cur = r.items.find((l) => l.id === Number(p.dataset.pos));
      const out = await editDialog(`调整职位 · ${p.dataset.name}`, [
        { name: 'position', label: '职位', type: 'select', value: cur.position, options: Object.entries(POSITION) },
        { name: 'n', type: 'note', label: '设为组长时，原组长改为成员。' },
      ], (v) => api('PUT', `/leadership/${cur.id}`, { position: v.position }));
      if (out) { toast('职位已调整'); await again(); }
      return;
    }
    const b = ev.target.closest('[data-del]');
    if (!b || !(await confirmed('移出领导小组', `确定将 ${b.dataset.name} 移出领导小组？`, '移出'))) return;
    try { await api('DELETE', `/leadership/${b.dataset.del}`); toast(`已移出：${b.dataset.name}`); await again(); } catch (e) { say(main, e.message, 'bad'); }
  });
  main.querySelector('#contacts tbody').addEventListener('click', async (ev) => {
    const b = ev.target.closest('[data-unit]');
    if (!b) return;
    const u = await api('GET', `/units/${b.dataset.unit}`);
    const people = await all(`/people?unit_id=${u.id}`);
    const out = await editDialog(`指定联合执法负责人 · ${u.name}`, [
      { name: 'contact_person_id', label: '负责人（须为本机构人员）', type: 'select', value: u.contact_person_id || '', options: [['', '（未指定）'], ...people.map((p) => [p.id, p.name])] },
    ], (v) => api('PUT', `/units/${u.id}`, { contact_person_id: v.contact_person_id ? Number(v.contact_person_id) : null, version: u.version }));
    if (out) { toast('已指定'); await again(); }
  });
  main.querySelector('#dl-add')?.addEventListener('click', async () => {
    const people = (await all('/people').catch(() => [])).filter((p) => p.department_id === dept && p.active && !(dl?.items || []).some((l) => l.person_id === p.id));
    const out = await editDialog('添加主管部门领导小组成员', [
      { name: 'person_id', label: '人员（本部门）', type: 'select', options: [['', '（请选择）'], ...people.map((p) => [p.id, p.name])] },
      { name: 'position', label: '职位', type: 'select', value: 'member', options: Object.entries(DEPT_POSITION) },
    ], (v) => api('POST', `/departments/${dept}/leadership`, { person_id: Number(v.person_id) || 0, position: v.position }), '添加');
    if (out) { toast('已添加'); await again(); }
  });
  main.querySelector('#dl tbody')?.addEventListener('click', async (ev) => {
    const b = ev.target.closest('[data-del]');
    if (!b || !(await confirmed('移出领导小组', `确定将 ${b.dataset.name} 移出部门领导小组？`, '移出'))) return;
    try { await api('DELETE', `/departments/${dept}/leadership/${b.dataset.del}`); toast(`已移出：${b.dataset.name}`); await again(); } catch (e) { say(main, e.message, 'bad'); }
  });
}

// ------------------------------------------------------------ grid members
export async function gridMembersView(main) {
  const edit = has('admin', 'office') && can('grid.write');
  const fc = await api('GET', '/grid/cells');
  setHtml(main, html`<h2>网格员分配</h2><p class="muted">每个网格的网格员须为该网格所在乡镇（街道）的人员；网格长负责本网格的巡查统筹。</p><p class="status org-status" role="status"></p>
    <div class="table-wrap"><table class="compact" id="cells"><caption class="sr-only">网格与网格员</caption><thead><tr><th>网格</th><th>村（社区）</th><th>网格员</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>
    ${html.join(fc.features.map((f) => { const p = f.properties; return html`<tr data-id="${p.id}"><td>${p.name}<div class="muted small">${p.code}</div></td><td>${p.village_name || ''}</td><td class="members">${html.join((p.members || []).map((m) => html`${m.name}${m.role === 'leader' ? html`<span class="tag">网格长</span>` : ''}`), '、') || html`<span class="muted">（未分配）</span>`}</td>${edit ? html`<td><button class="btn small" data-cell="${p.id}">分配网格员</button></td>` : ''}</tr>`; }))}</tbody></table></div>`);
  if (!edit) return;
  main.querySelector('#cells').addEventListener('click', async (ev) => {
    const b = ev.target.closest('[data-cell]');
    if (!b) return;
    const cell = fc.features.find((f) => f.properties.id === Number(b.dataset.cell)).properties;
    const people = (await all(`/people?township_id=${cell.township_id}`)).filter((p) => p.active);
    const cur = cell.members || [];
    const lead = cur.find((m) => m.role === 'leader');
    const out = await editDialog(`分配网格员 · ${cell.name}`, [
      { name: 'members', label: '网格员', type: 'checks', value: cur.map((m) => m.person_id), options: people.map((p) => [p.id, `${p.name}${p.unit_id ? '' : '（乡镇）'}`]) },
      { name: 'leader', label: '网格长（须为选中的网格员）', type: 'select', value: lead?.person_id || '', options: [['', '（不设）'], ...people.map((p) => [p.id, p.name])] },
    ], (v) => {
      const ids = v.members.map(Number);
      if (v.leader && !ids.includes(Number(v.leader))) throw fail('网格长须为选中的网格员', 'leader');
      return api('PUT', `/grid/cells/${cell.id}/members`, { members: ids.map((id) => ({ person_id: id, role: String(id) === v.leader ? 'leader' : 'member' })) });
    });
    if (out) { toast(`已更新：${cell.name}`); await gridMembersView(main); }
  });
}

// ------------------------------------------------------------ patrol checklist
export async function patrolItemsView(main) {
  const edit = has('admin') && can('list.write');
  const [items, cats] = await Promise.all([api('GET', '/patrol-items').then((r) => r.items.filter((x) => x.is_active)),
    api('GET', '/categories').then((r) => r.items).catch(() => [])]);
  const catName = {};
  cats.forEach((c) => (c.children || []).forEach((k) => { catName[k.code] = k.name; }));
  const catSelect = (code, label) => html`<select name="category_code" aria-label="${label}"><option value="">（不对应）</option>${html.join(cats.map((c) => html`<optgroup label="${c.name}">${html.join((c.children || []).map((k) => html`<option value="${k.code}" ${k.code === code ? 'selected' : ''}>${k.name}</option>`))}</optgroup>`))}${code && !catName[code] ? html`<option value="${code}" selected>${code}</option>` : ''}</select>`;
  const rowHtml = (x, i) => html`<tr data-id="${x.id || ''}"><td>${i + 1}</td>
    <td>${edit ? html`<input name="group" value="${x.group}" aria-label="第${i + 1}项 分组">` : x.group}</td>
    <td>${edit ? html`<input name="name" value="${x.name}" aria-label="第${i + 1}项 巡查内容">` : x.name}</td>
    <td>${edit ? catSelect(x.category_code || '', `第${i + 1}项 对应问题类别`) : catName[x.category_code] || x.category_code || ''}</td>
    ${edit ? html`<td class="actions-cell"><button type="button" class="btn small" data-up aria-label="第${i + 1}项上移">上移</button><button type="button" class="btn small" data-drop aria-label="删除第${i + 1}项">删除</button></td>` : ''}</tr>`;
  setHtml(main, html`<h2>巡查清单</h2><p class="muted">全科网格员综合执法类巡查监管职责：网格员巡查时逐项勾选；发现问题按对应类别上报。删除的条目停用，以往巡查记录仍保留其名称。</p>
    <form id="pi" novalidate><div class="table-wrap"><table class="compact"><caption class="sr-only">巡查清单</caption><thead><tr><th>#</th><th>分组</th><th>巡查内容</th><th>问题类别</th>${edit ? html`<th>操作</th>` : ''}</tr></thead><tbody>${html.join(items.map(rowHtml))}</tbody></table></div>
    <p class="field-err" id="pi-err" role="alert"></p>
    ${edit ? html`<div class="actions"><button type="button" class="btn" id="pi-add">添加条目</button><button type="submit" class="btn primary-btn">保存清单</button></div>` : ''}</form>`);
  if (!edit) return;
  const form = main.querySelector('#pi'), body = form.querySelector('tbody');
  const renumber = () => body.querySelectorAll('tr').forEach((tr, i) => { tr.firstElementChild.textContent = String(i + 1); });
  main.querySelector('#pi-add').addEventListener('click', () => {
    const last = body.lastElementChild?.querySelector('[name=group]')?.value || '';
    const tmp = document.createElement('tbody');
    setHtml(tmp, rowHtml({ group: last, name: '', category_code: '' }, body.children.length));
    body.appendChild(tmp.firstElementChild);
    body.lastElementChild.querySelector('[name=name]').focus();
  });
  body.addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (ev.target.closest('[data-drop]')) { tr.remove(); renumber(); }
    if (ev.target.closest('[data-up]') && tr.previousElementSibling) { tr.parentNode.insertBefore(tr, tr.previousElementSibling); renumber(); }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = main.querySelector('#pi-err');
    err.textContent = '';
    body.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    const rows = [...body.querySelectorAll('tr')];
    const list = rows.map((tr) => {
      const v = (n) => tr.querySelector(`[name=${n}]`).value.trim();
      return { ...(tr.dataset.id ? { id: Number(tr.dataset.id) } : {}), group: v('group'), name: v('name'), ...(v('category_code') ? { category_code: v('category_code') } : {}) };
    });
    try {
      await api('PUT', '/patrol-items', { items: list });
      toast('巡查清单已保存');
      await patrolItemsView(main);
    } catch (e) {
      err.textContent = e.message;
      const n = Number((e.message.match(/第(\d+)项/) || [])[1]);
      const bad = n && rows[n - 1]?.querySelector(list[n - 1].group ? '[name=name]' : '[name=group]');
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.setAttribute('aria-describedby', 'pi-err'); bad.focus(); }
    }
  });
}
