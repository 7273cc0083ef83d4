// audit.js — the audit administrator's screen (审计管理员, read only):
// search the hash-chained trail by person, action, object and time, page
// through it newest first, check the chain, and download what the search
// found as CSV or XLSX (the server streams the file with the same filters;
// the download is itself audited). Shown with the audit.read permission.
import { ROLE_LABEL, ACTION_LABEL, api, esc, fmtTime, toast, html, setHtml, addHtml } from './core.js';

// ACTIONS: the actions an auditor looks for most, in words; the search
// takes any action code too (and a family: "role." for every role change).
const ACTIONS = [
  ['login', '登录'], ['lockout', '登录锁定'], ['logout', '退出登录'],
  ['user.create', '新建账号'], ['user.update', '修改或停用账号'], ['user.password_reset', '重置密码'], ['user.unlock', '解除锁定'],
  ['role.', '角色变更（授予和撤销）'], ['role.grant', '授予角色'], ['role.revoke', '撤销角色'],
  ['settings.update', '修改安全设置'], ['audit.export', '导出审计日志'],
  ['problem.', '问题办理（全部）'], ['problem.reporter.view', '查看举报人信息'], ['password.change', '修改本人密码'], ['session.end', '结束会话'],
  ['people.', '人员'], ['qualification.', '执法资格'], ['joint.', '联合执法'], ['list.', '权责清单'], ['grid.', '网格'], ['calendar.', '工作日历'],
];
const ACTION_WORD = Object.fromEntries(ACTIONS);
const OBJECTS = [['user', '账号'], ['problem', '问题'], ['people', '人员'], ['joint_action', '联合执法行动'], ['settings', '设置'], ['audit', '审计日志']];
const OBJECT_WORD = Object.fromEntries(OBJECTS);
const OUTCOME = { ok: ['成功', 'green'], denied: ['拒绝', 'red'], failed: ['失败', 'red'], locked: ['锁定', 'red'] };

// actionWord: an entry's action in words, the code beside it for the record.
function actionWord(a) {
  const tail = String(a).split('.').pop();
  const w = ACTION_WORD[a] || (a.startsWith('problem.') && ACTION_LABEL[tail]) || '';
  return w ? html`${w}<br><span class="muted small">${a}</span>` : esc(a);
}
const detailWord = (e) => (e.action?.startsWith('role.') && ROLE_LABEL[e.detail] ? `角色：${ROLE_LABEL[e.detail]}` : e.detail || '');
const rolesWord = (r) => String(r || '').split(',').filter(Boolean).map((x) => ROLE_LABEL[x] || x).join('、');

export async function auditView(main) {
  setHtml(main, html`<h2>审计日志</h2>
    <p class="muted">审计日志只能追加、不能修改，每条记录以哈希与前一条相链；审计管理员只读。</p>
    <div class="card bar" id="au-verify-card"><button class="btn" id="au-verify" type="button">校验哈希链</button><span id="au-verify-res" role="status" aria-live="polite"></span></div>
    <form class="card filters au-filters" id="au-filter" role="search">
      <label for="au-actor">操作人（用户名）</label><input id="au-actor" name="actor" autocomplete="off" placeholder="如 secadmin">
      <label for="au-action">操作</label><input id="au-action" name="action" list="au-actions" autocomplete="off" placeholder="如 role.grant">
      <datalist id="au-actions">${html.join(ACTIONS.map(([v, l]) => html`<option value="${v}">${l}</option>`), '')}</datalist>
      <label for="au-kind">对象类型</label><select id="au-kind" name="object_kind"><option value="">全部</option>${html.join(OBJECTS.map(([v, l]) => html`<option value="${v}">${l}</option>`), '')}</select>
      <label for="au-oid">对象编号</label><input id="au-oid" name="object_id" inputmode="numeric" autocomplete="off">
      <label for="au-from">起始日期</label><input id="au-from" name="from" type="date">
      <label for="au-to">截止日期</label><input id="au-to" name="to" type="date">
      <div class="actions"><button class="btn primary-btn" type="submit">查询</button><button class="btn" type="reset">清空条件</button>
      <a class="btn" id="au-csv" href="#" download>导出 CSV</a><a class="btn" id="au-xlsx" href="#" download>导出 Excel</a></div>
    </form>
    <div id="au-msg" class="status" aria-live="polite"></div>
    <div id="au-list"></div>`);
  const form = main.querySelector('#au-filter');
  const msg = main.querySelector('#au-msg');
  const list = main.querySelector('#au-list');
  const query = () => {
    const p = new URLSearchParams();
    for (const k of ['actor', 'action', 'object_kind', 'object_id', 'from', 'to']) {
      const v = form.elements[k].value.trim();
      if (v) p.set(k, v);
    }
    return p;
  };
  const links = () => {
    const q = query().toString();
    main.querySelector('#au-csv').href = `/api/v1/audit/export.csv${q ? '?' + q : ''}`;
    main.querySelector('#au-xlsx').href = `/api/v1/audit/export.xlsx${q ? '?' + q : ''}`;
  };
  const row = (e) => html`<tr data-seq="${e.seq}"><td data-l="序号">${e.seq}</td><td data-l="时间" class="nowrap">${fmtTime(e.at)}</td>
    <td data-l="操作人">${esc(e.username || '（系统）')}${e.roles ? html`<br><span class="muted small">${rolesWord(e.roles)}</span>` : ''}</td><td data-l="来源">${esc(e.source)}</td>
    <td data-l="操作">${actionWord(e.action)}</td><td data-l="对象">${e.object_type ? html`${OBJECT_WORD[e.object_type] || e.object_type} ${e.object_id}` : ''}</td>
    <td data-l="结果">${OUTCOME[e.outcome] ? html`<span class="tag ${OUTCOME[e.outcome][1]}">${OUTCOME[e.outcome][0]}</span>` : esc(e.outcome)}</td><td data-l="说明">${esc(detailWord(e))}</td></tr>`;
  let next = null;
  const more = async () => {
    const p = query();
    p.set('limit', '50');
    if (next) p.set('cursor', next);
    const r = await api('GET', `/audit?${p}`);
    next = r.next;
    const tbody = list.querySelector('tbody');
    if (tbody) addHtml(tbody, 'beforeend', html.join(r.items.map(row), ''));
    list.querySelector('.more')?.classList.toggle('hidden', !next);
    return r.items.length;
  };
  const search = async () => {
    next = null;
    msg.textContent = '';
    msg.removeAttribute('role');
    links();
    setHtml(list, html`<table id="au-table"><caption class="sr-only">审计日志查询结果</caption><thead><tr><th>序号</th><th>时间</th><th>操作人</th><th>来源</th><th>操作</th><th>对象</th><th>结果</th><th>说明</th></tr></thead><tbody></tbody></table>
      <p class="more hidden"><button class="btn" type="button" id="au-more">加载更多</button></p>`);
    list.querySelector('#au-more').addEventListener('click', () => more().catch((e) => toast(e.message, 'bad')));
    try {
      const n = await more();
      msg.className = 'status';
      msg.textContent = n ? `找到记录（按时间倒序，每页 50 条）` : '没有符合条件的记录';
    } catch (e) {
      setHtml(list, '');
      msg.className = 'status bad';
      msg.setAttribute('role', 'alert');
      msg.textContent = e.message;
    }
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
  form.addEventListener('reset', () => setTimeout(search, 0));
  form.addEventListener('input', links);
  // a download goes straight to the file (streamed); a range the server
  // would refuse is told here in words instead of saved as a file
  for (const id of ['#au-csv', '#au-xlsx']) main.querySelector(id).addEventListener('click', (ev) => {
    const from = form.elements.from.value, to = form.elements.to.value;
    if (from && to && from > to) {
      ev.preventDefault();
      msg.className = 'status bad';
      msg.setAttribute('role', 'alert');
      msg.textContent = '起始日期不能晚于截止日期';
    }
  });
  // the chain is checked when the screen opens and again on demand
  const verify = async () => {
    const b = main.querySelector('#au-verify'), out = main.querySelector('#au-verify-res');
    b.disabled = true;
    out.textContent = '正在校验…';
    try {
      const v = await api('GET', '/audit/verify');
      setHtml(out, v.intact ? html`<span class="tag green">哈希链完整</span> 共 ${v.entries} 条记录，未发现篡改（${fmtTime(new Date().toISOString())} 校验）`
        : html`<span class="tag red">哈希链被破坏</span> 第 ${v.first_broken_seq} 条记录起与链不符，请立即上报`);
    } catch (e) { out.textContent = e.message; }
    b.disabled = false;
  };
  main.querySelector('#au-verify').addEventListener('click', verify);
  await Promise.all([verify(), search()]);
}
