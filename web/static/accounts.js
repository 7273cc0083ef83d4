// accounts.js — the account and security screens of the three
// administrators (三员分立, MLPS 2.0). One account list serves both the
// system administrator and the security administrator; what each may do
// there follows /me's permissions (core.js can()), never the role's name:
//   user.write (系统管理员): create accounts, disable/enable, reset passwords;
//   role.grant (安全管理员): grant and revoke roles;
//   security.write (安全管理员): unlock locked accounts, the security settings.
// Another administrator's account is shown as protected and offers nothing;
// every refusal shows the server's Chinese message.
import { ROLE_LABEL, api, all, esc, fmtTime, state, toast, dialog, can, html, setHtml } from './core.js';

const ADMIN_ROLES = ['admin', 'secadmin', 'auditor'];
const STATE_WORD = { active: '正常', disabled: '已停用', locked: '已锁定' };
const PROTECTED_WHY = '不能修改其他管理员的账号（系统、安全、审计管理员互不管理）';
const acctState = (u) => (u.is_disabled ? 'disabled' : u.locked ? 'locked' : 'active');
// isProtected: another administrator's account (the server refuses with 403
// admin_account_protected); one's own account is not protected but has its
// own limits (no disabling, no changing one's own roles).
const isProtected = (u) => u.id !== state.me.id && u.roles.some((r) => ADMIN_ROLES.includes(r));
const roleTags = (u) => html.join(u.roles.map((r) => html`<span class="tag">${ROLE_LABEL[r] || r}</span>`), '') || html`<span class="muted">（无角色）</span>`;
const placeOf = (u) => [u.unit_name || u.department_name, u.region_name].filter(Boolean).join(' · ');

function stateTags(u) {
  const s = acctState(u);
  return html`<span class="tag ${s === 'active' ? 'green' : 'red'}">${STATE_WORD[s]}</span>${u.is_disabled && u.locked ? html`<span class="tag red">已锁定</span>` : ''}${u.locked ? html`<span class="muted small">至 ${fmtTime(u.locked_until)}</span>` : ''}${u.must_change_password ? html`<span class="tag yellow">待修改初始密码</span>` : ''}`;
}

// rowActions: the buttons this user may use on account u.
function rowActions(u) {
  const me = u.id === state.me.id;
  if (isProtected(u)) return html`<span class="tag" title="${PROTECTED_WHY}">受保护的管理员账号</span>`;
  const b = [];
  if (can('user.write') && !me) b.push(u.is_disabled ? html`<button class="btn small" data-act="enable" data-id="${u.id}">启用</button>` : html`<button class="btn small" data-act="disable" data-id="${u.id}">停用</button>`);
  if (can('user.write')) b.push(html`<button class="btn small" data-act="password" data-id="${u.id}">重置密码</button>`);
  if (can('role.grant') && !me) b.push(html`<button class="btn small" data-act="grant" data-id="${u.id}">授予角色</button>`);
  if (can('role.grant') && !me && u.roles.length) b.push(html`<button class="btn small" data-act="revoke" data-id="${u.id}">撤销角色</button>`);
  if (can('security.write') && u.locked) b.push(html`<button class="btn small primary-btn" data-act="unlock" data-id="${u.id}">解除锁定</button>`);
  return html.join(b, ' ') || html`<span class="muted">—</span>`;
}

export async function accountsView(main) {
  const filter = { q: '', state: '' };
  setHtml(main, html`<h2>账号管理</h2>
    <p class="muted">三员分立：系统管理员新建、停用账号和重置密码；安全管理员授予、撤销角色，解除锁定；审计管理员查阅审计日志。任何人不能给自己授权，管理员之间互不管理。</p>
    <form class="card filters" id="acc-filter" role="search">
      <label for="acc-q" class="sr-only">搜索账号</label><input id="acc-q" class="grow" type="search" placeholder="用户名或姓名">
      <label for="acc-state" class="sr-only">账号状态</label><select id="acc-state"><option value="">全部状态</option>${html.join(Object.entries(STATE_WORD).map(([v, l]) => html`<option value="${v}">${l}</option>`), '')}</select>
      <button class="btn" type="submit">搜索</button>
      ${can('user.write') ? html`<button class="btn primary-btn" type="button" id="acc-new">新建账号</button>` : ''}
    </form>
    <div id="acc-form"></div>
    <div id="acc-msg" class="status" role="status" aria-live="polite"></div>
    <div id="acc-list"><p class="loading">正在加载…</p></div>`);
  const msg = main.querySelector('#acc-msg');
  const say = (text, bad = false) => { msg.textContent = text; msg.className = 'status ' + (bad ? 'bad' : 'ok'); msg.setAttribute('role', bad ? 'alert' : 'status'); };
  let users = [];
  const load = async () => {
    users = await all('/users' + (filter.q ? `?q=${encodeURIComponent(filter.q)}` : ''));
    const shown = users.filter((u) => !filter.state || acctState(u) === filter.state || (filter.state === 'locked' && u.locked));
    const list = main.querySelector('#acc-list');
    setHtml(list, shown.length ? html`<p class="muted">共 ${shown.length} 个账号</p><table id="acc-table"><caption class="sr-only">账号列表</caption><thead><tr><th>用户名</th><th>姓名</th><th>所属单位</th><th>角色</th><th>状态</th><th>操作</th></tr></thead><tbody>
      ${html.join(shown.map((u) => html`<tr data-user="${esc(u.username)}"><td data-l="用户名">${esc(u.username)}</td><td data-l="姓名">${esc(u.display_name)}${u.person_name && u.person_name !== u.display_name ? html`<span class="muted">（${esc(u.person_name)}）</span>` : ''}</td>
        <td data-l="所属单位">${esc(placeOf(u))}</td><td data-l="角色">${roleTags(u)}</td><td data-l="状态">${stateTags(u)}</td><td class="actions-cell">${rowActions(u)}</td></tr>`), '')}</tbody></table>`
      : html`<div class="card muted">没有符合条件的账号。</div>`);
  };
  main.querySelector('#acc-filter').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    filter.q = main.querySelector('#acc-q').value.trim();
    filter.state = main.querySelector('#acc-state').value;
    try { await load(); } catch (e) { say(e.message, true); }
  });
  main.querySelector('#acc-new')?.addEventListener('click', () => createForm(main, async (u) => { say(`已新建账号 ${u.username}（${u.display_name}），尚无角色：请安全管理员授予角色。`); await load(); }));
  main.querySelector('#acc-list').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const u = users.find((x) => String(x.id) === b.dataset.id);
    if (!u) return;
    try {
      const done = await act(b.dataset.act, u);
      if (!done) return;
      say(done);
      toast(done);
      await load();
    } catch (e) {
      // the list again, as it now stands, then the refusal in the server's
      // words: what the alert announces is what the list shows
      await load().catch(() => {});
      say(e.message, true);
      toast(e.message, 'bad');
    }
  });
  await load();
}

// act: one action on account u; answers what was done (words), or null when
// cancelled. Throws the server's refusal (its Chinese message).
async function act(what, u) {
  const who = `${u.display_name}（${u.username}）`;
  if (what === 'disable' || what === 'enable') {
    await api('PATCH', `/users/${u.id}`, { version: u.version, disabled: what === 'disable' });
    return `已${what === 'disable' ? '停用' : '启用'}账号 ${who}`;
  }
  if (what === 'password') {
    const v = await dialog(`重置密码 · ${who}`, [
      { name: 'note', type: 'note', label: '新密码至少12个字符，不能是常见密码，不能包含用户名；账号下次登录时须修改。' },
      { name: 'password', label: '新密码', type: 'password', required: true },
    ], '重置');
    if (!v) return null;
    await api('POST', `/users/${u.id}/password`, { password: v.password });
    return `已重置 ${who} 的密码，对方下次登录须修改`;
  }
  if (what === 'grant') {
    const free = Object.keys(ROLE_LABEL).filter((r) => !u.roles.includes(r));
    const v = await dialog(`授予角色 · ${who}`, [
      { name: 'note', type: 'note', label: '系统管理员、安全管理员、审计管理员三种角色不能由同一账号兼任。' },
      { name: 'role', label: '角色', type: 'select', options: free.map((r) => [r, ROLE_LABEL[r]]), required: true },
    ], '授予');
    if (!v) return null;
    await api('PUT', `/users/${u.id}/roles/${encodeURIComponent(v.role)}`);
    return `已授予 ${who} 角色：${ROLE_LABEL[v.role]}`;
  }
  if (what === 'revoke') {
    const v = await dialog(`撤销角色 · ${who}`, [
      { name: 'role', label: '角色', type: 'select', options: u.roles.map((r) => [r, ROLE_LABEL[r] || r]), required: true },
    ], '撤销');
    if (!v) return null;
    await api('DELETE', `/users/${u.id}/roles/${encodeURIComponent(v.role)}`);
    return `已撤销 ${who} 的角色：${ROLE_LABEL[v.role] || v.role}`;
  }
  if (what === 'unlock') {
    await api('POST', `/users/${u.id}/unlock`);
    return `已解除 ${who} 的登录锁定`;
  }
  return null;
}

// createForm: the system administrator's form for a new account (created
// without roles); a refusal naming a field is shown next to that field.
async function createForm(main, created) {
  const box = main.querySelector('#acc-form');
  if (box.firstChild) { box.textContent = ''; return; }
  const [regions, units, depts, people] = await Promise.all([all('/regions'), all('/units').catch(() => []), all('/departments').catch(() => []), all('/people').catch(() => [])]);
  const places = regions.filter((r) => r.level === 'county' || r.level === 'township');
  const rn = Object.fromEntries(regions.map((r) => [r.id, r.name]));
  const field = (id, label, input, hint = '') => html`<div class="field"><label for="${id}">${label}</label>${input}${hint ? html`<p class="muted small" id="${id}-hint">${hint}</p>` : ''}<p class="field-error" id="${id}-err"></p></div>`;
  setHtml(box, html`<form class="card acc-create" id="acc-create" novalidate><h3>新建账号</h3>
    ${field('n-username', '用户名（登录名）', html`<input id="n-username" name="username" autocomplete="off" required aria-describedby="n-username-hint n-username-err">`, '小写字母、数字和 _ - .')}
    ${field('n-display', '姓名', html`<input id="n-display" name="display_name" required aria-describedby="n-display-err">`)}
    ${field('n-region', '所属区域', html`<select id="n-region" name="region_id" aria-describedby="n-region-err">${html.join(places.map((r) => html`<option value="${r.id}" ${r.id === (state.me.township_id || state.me.county_id) ? 'selected' : ''}>${r.name}</option>`), '')}</select>`)}
    ${field('n-unit', '派驻机构（派驻人员、机构负责人填写）', html`<select id="n-unit" name="unit_id" aria-describedby="n-unit-err"><option value="">（无）</option>${html.join(units.map((x) => html`<option value="${x.id}">${x.name}${rn[x.township_id] ? `（${rn[x.township_id]}）` : ''}</option>`), '')}</select>`)}
    ${field('n-dept', '主管部门（县级部门账号填写）', html`<select id="n-dept" name="department_id" aria-describedby="n-dept-err"><option value="">（无）</option>${html.join(depts.map((x) => html`<option value="${x.id}">${x.name}</option>`), '')}</select>`)}
    ${field('n-person', '对应人员（人员名册）', html`<select id="n-person" name="person_id" aria-describedby="n-person-err"><option value="">（不关联）</option>${html.join(people.map((p) => html`<option value="${p.id}">${p.name}${p.title ? `（${p.title}）` : ''}</option>`), '')}</select>`)}
    ${field('n-password', '初始密码', html`<input id="n-password" name="password" type="password" autocomplete="new-password" required aria-describedby="n-password-hint n-password-err">`, '至少12个字符，不能是常见密码，不能包含用户名；首次登录须修改。')}
    <div class="actions"><button class="btn primary-btn" type="submit">创建账号</button><button class="btn" type="button" id="n-cancel">取消</button></div>
    <p class="muted small">新账号没有角色，由安全管理员授予。</p></form>`);
  const form = box.querySelector('form');
  form.querySelector('#n-username').focus();
  form.querySelector('#n-cancel').addEventListener('click', () => { box.textContent = ''; main.querySelector('#acc-new')?.focus(); });
  const ids = { username: 'n-username', display_name: 'n-display', region_id: 'n-region', unit_id: 'n-unit', department_id: 'n-dept', person_id: 'n-person', password: 'n-password' };
  const clear = () => {
    form.querySelectorAll('.field-error').forEach((p) => { p.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  };
  const fieldError = (name, text) => {
    const id = ids[name] || 'n-username';
    form.querySelector(`#${id}-err`).textContent = text;
    const input = form.querySelector('#' + id);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear();
    const f = form.elements;
    const body = { username: f.username.value.trim(), display_name: f.display_name.value.trim(), password: f.password.value };
    if (!body.username) return fieldError('username', '请填写用户名');
    if (!body.display_name) return fieldError('display_name', '请填写姓名');
    if (!body.password) return fieldError('password', '请填写初始密码');
    for (const k of ['region_id', 'unit_id', 'department_id', 'person_id']) if (f[k].value) body[k] = Number(f[k].value);
    try {
      const u = await api('POST', '/users', body);
      box.textContent = '';
      await created(u);
    } catch (e) {
      if (e.field && ids[e.field]) fieldError(e.field, e.message);
      else fieldError('username', e.message);
    }
  });
}

// securityView: the security administrator's settings: the password
// profile and the audit retention (editable), the session and lock-out
// limits (fixed in this version, shown). A refusal is shown by its field.
export async function securityView(main) {
  const s = await api('GET', '/settings');
  const min = (sec) => (sec % 3600 === 0 ? `${sec / 3600} 小时` : `${Math.round(sec / 60)} 分钟`);
  setHtml(main, html`<h2>安全设置</h2>
    <form class="card sec-form" id="sec-form" novalidate>
      <div class="field"><label for="s-profile">密码策略</label>
        <select id="s-profile" name="password.profile" aria-describedby="s-profile-hint s-profile-err">
          <option value="default" ${s['password.profile'] === 'default' ? 'selected' : ''}>基本：至少12个字符，不得为常见密码、不得包含用户名</option>
          <option value="mlps" ${s['password.profile'] === 'mlps' ? 'selected' : ''}>等级保护：另须包含大写字母、小写字母、数字、符号中的至少三类</option>
        </select><p class="muted small" id="s-profile-hint">对新设置和重置的密码生效。</p><p class="field-error" id="s-profile-err"></p></div>
      <div class="field"><label for="s-retention">审计日志保存期限（天）</label>
        <input id="s-retention" name="audit.retention_days" type="number" inputmode="numeric" value="${s['audit.retention_days']}" aria-describedby="s-retention-hint s-retention-err">
        <p class="muted small" id="s-retention-hint">184 至 3650 天（《网络安全法》要求网络日志至少保存六个月）。</p><p class="field-error" id="s-retention-err"></p></div>
      <div class="actions"><button class="btn primary-btn" type="submit">保存设置</button></div>
      <div id="sec-msg" class="status" role="status" aria-live="polite"></div>
    </form>
    <div class="card"><h3>登录与会话（本版本固定）</h3><dl class="kv">
      <dt>登录失败锁定</dt><dd>同一来源连续输错密码 ${s['lockout.failures']} 次，锁定该来源对该账号的登录（15 分钟起，再次锁定时加倍）；安全管理员可在“账号管理”中解除锁定。</dd>
      <dt>空闲超时</dt><dd>${min(s['session.idle_seconds'])}无操作自动退出</dd>
      <dt>会话最长</dt><dd>${min(s['session.absolute_seconds'])}后须重新登录</dd></dl></div>`);
  const form = main.querySelector('#sec-form');
  const msg = main.querySelector('#sec-msg');
  const errs = { 'password.profile': 's-profile', 'audit.retention_days': 's-retention' };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    form.querySelectorAll('.field-error').forEach((p) => { p.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    msg.textContent = '';
    const show = (field, text) => {
      const id = errs[field];
      if (!id) { msg.textContent = text; msg.className = 'status bad'; msg.setAttribute('role', 'alert'); return; }
      form.querySelector(`#${id}-err`).textContent = text;
      form.querySelector('#' + id).setAttribute('aria-invalid', 'true');
      form.querySelector('#' + id).focus();
    };
    const days = form.elements['audit.retention_days'].value.trim();
    if (!/^\d+$/.test(days)) return show('audit.retention_days', '请填写整数天数');
    try {
      await api('PUT', '/settings', { 'password.profile': form.elements['password.profile'].value, 'audit.retention_days': Number(days) });
      msg.textContent = '安全设置已保存'; msg.className = 'status ok'; msg.setAttribute('role', 'status');
      toast('安全设置已保存');
    } catch (e) { show(e.field, e.message); }
  });
}
