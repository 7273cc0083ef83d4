// app.js — the web interface shell: login, the current user, a navigation
// that follows the user's roles, the inbox badge and the live event stream
// (SSE), and the screens of the foundation (organisation, people and
// qualifications). The other screens live in their own
// modules (map, problems, report, admin, dashboard, accounts, audit). No framework, no
// external resources: it works offline on a weak signal.
import { ROLE_LABEL, state, esc, fmtTime, today, plusDays, has, can, api, all, dialog, toast, loadLabels, categories, html, setHtml } from './core.js';
import { pending, flush, watch } from './outbox.js';

// Each screen's code is loaded when the screen opens (the login page loads
// only this shell and core.js); `lazy` names a module and its view.
const MODULES = {
  map: () => import('./map.js'), problems: () => import('./problems.js'), report: () => import('./report.js'),
  admin: () => import('./admin.js'), dashboard: () => import('./dashboard.js'), joint: () => import('./joint.js'),
  bulletins: () => import('./bulletins.js'), meetings: () => import('./meetings.js'), assessment: () => import('./assessment.js'),
  inspections: () => import('./inspections.js'), linkage: () => import('./linkage.js'),
  patrol: () => import('./patrol.js'),
  orgadmin: () => import('./orgadmin.js'),
  accounts: () => import('./accounts.js'), audit: () => import('./audit.js'),
};
const lazy = (mod, fn) => async (...args) => {
  let m;
  try { m = await MODULES[mod](); } catch { throw new Error(navigator.onLine === false ? '离线时无法打开此页面，网络恢复后再试' : '页面加载失败（应用可能已更新），请刷新页面'); }
  return m[fn](...args);
};
const mapView = lazy('map', 'mapView');
const [queueView, problemView, tasksView, superviseView, inboxView, mineView, verifyTasksView] =
  ['queueView', 'problemView', 'tasksView', 'superviseView', 'inboxView', 'mineView', 'verifyTasksView'].map((f) => lazy('problems', f));
const reportView = lazy('report', 'reportView');
const [gridAdminView, listsView, categoriesView, calendarView, routingView] =
  ['gridAdminView', 'listsView', 'categoriesView', 'calendarView', 'routingView'].map((f) => lazy('admin', f));
const dashboardView = lazy('dashboard', 'dashboardView');
const [jointListView, jointView, jointNewView, noticesView] = ['jointListView', 'jointView', 'jointNewView', 'noticesView'].map((f) => lazy('joint', f));
const [bulletinsView, bulletinView, unitReportsView] = ['bulletinsView', 'bulletinView', 'unitReportsView'].map((f) => lazy('bulletins', f));
const [meetingsView, meetingView, meetingItemsView] = ['meetingsView', 'meetingView', 'meetingItemsView'].map((f) => lazy('meetings', f));
const open311View = lazy('admin', 'open311View');
const inspectionsView = lazy('inspections', 'inspectionsView');
const lineView = lazy('linkage', 'lineView');
const [patrolView, patrolsView] = ['patrolView', 'patrolsView'].map((f) => lazy('patrol', f));
const [accountsView, securityView] = ['accountsView', 'securityView'].map((f) => lazy('accounts', f));
const auditView = lazy('audit', 'auditView');
const [assessmentView, flagsView, resultsView] = ['assessmentView', 'flagsView', 'resultsView'].map((f) => lazy('assessment', f));
const [unitsView, peopleView, leadershipView, regionsView, gridMembersView, patrolItemsView] =
  ['unitsView', 'peopleView', 'leadershipView', 'regionsView', 'gridMembersView', 'patrolItemsView'].map((f) => lazy('orgadmin', f));

const app = document.getElementById('app');

function loginView(message = '') {
  setHtml(app, html`<form class="login" id="login">
    <h1>獬豸 · 综合执法平台</h1><p class="sub">乡镇（街道）综合执法平台与执法协调指挥</p>
    <label for="u">用户名</label><input id="u" name="username" autocomplete="username" required>
    <label for="p">密码</label><input id="p" name="password" type="password" autocomplete="current-password" required>
    <button class="primary" type="submit">登录</button><div class="error" id="err" role="alert">${esc(message)}</div></form>`);
  document.title = '登录 · 獬豸 · 乡镇综合执法平台';
  document.getElementById('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      const r = await api('POST', '/auth/login', { username: f.username.value.trim(), password: f.password.value });
      state.csrf = r.csrf; sessionStorage.setItem('xzCsrf', r.csrf);
      await start();
    } catch (e) { document.getElementById('err').textContent = e.message; }
  });
}

// screens: every screen, shown to the roles whose work it is and only when
// the user holds the permission the screen needs (can(): the server's
// permissions in /me, or today's grants by role until it sends them);
// nav:false ones are reached by links (a problem's page, the inbox).
function screens() {
  const township = has('grid', 'staff', 'contact', 'office', 'leader');
  return [
    { id: 'home', title: '工作台', show: true, render: homeView },
    { id: 'report', title: '上报问题', show: has('grid', 'office') && can('problem.report'), render: reportView, group: '问题处置' },
    { id: 'mine', title: '我的上报', show: has('grid') && can('problem.report'), render: mineView, group: '问题处置' },
    { id: 'patrol', title: '日常巡查', show: has('grid') && can('patrol.write'), render: patrolView, group: '问题处置' },
    { id: 'patrols', title: '巡查记录', show: has('office', 'leader') && can('patrol.read'), render: patrolsView, group: '问题处置' },
    { id: 'verify', title: '待核查', show: has('grid') && can('problem.verify'), render: verifyTasksView, group: '问题处置' },
    { id: 'queue', title: '问题受理', show: has('office', 'leader', 'dept') && can('problem.read'), render: queueView, group: '问题处置' },
    { id: 'line', title: '条线问题与交办', show: has('dept') && can('problem.take_up'), render: lineView, group: '问题处置' },
    { id: 'tasks', title: '本单位任务', show: has('staff', 'contact') && can('problem.handle'), render: tasksView, group: '问题处置' },
    { id: 'supervise', title: '督办与审批', show: has('leader', 'office') && can('problem.supervise'), render: superviseView, group: '问题处置' },
    { id: 'map', title: '网格地图', show: has('office', 'leader', 'admin', 'grid', 'dept') && can('grid.read'), render: mapView, group: '问题处置' },
    { id: 'dashboard', title: '统计分析', show: has('office', 'leader', 'dept', 'admin') && can('stats.read'), render: dashboardView, group: '问题处置' },
    { id: 'bulletins', title: '通报', show: has('office', 'leader', 'contact', 'staff', 'grid', 'dept', 'admin') && can('bulletin.read'), render: bulletinsView, group: '问题处置' },
    { id: 'bulletin', title: '通报', show: can('bulletin.read'), nav: false, render: bulletinView },
    { id: 'unit-reports', title: '派驻机构报告', show: has('office', 'leader', 'contact', 'staff') && can('report.read'), render: unitReportsView, group: '问题处置' },
    { id: 'joint', title: '联合执法行动', show: has('office', 'leader', 'contact', 'staff', 'dept', 'admin') && can('joint.read'), render: jointListView, group: '联合执法' },
    { id: 'joint-new', title: has('office', 'dept', 'admin') ? '新建行动' : '申请专项行动', show: (has('office', 'dept', 'admin') || (has('contact') && !!state.me.unit_id)) && can('joint.write'), render: jointNewView, group: '联合执法' },
    { id: 'notices', title: '协同通知', show: has('contact', 'staff', 'office', 'leader') && can('joint.read'), render: noticesView, group: '联合执法' },
    { id: 'meetings', title: '联席会议', show: has('office', 'leader', 'contact', 'staff', 'dept', 'admin') && can('meeting.read'), render: meetingsView, group: '联合执法' },
    { id: 'meeting-items', title: '议定事项', show: has('office', 'leader', 'contact', 'staff') && can('meeting.read'), render: meetingItemsView, group: '联合执法' },
    { id: 'inspections', title: '督促检查', show: has('office', 'leader', 'dept', 'admin') && can('inspection.read'), render: inspectionsView, group: '联合执法' },
    { id: 'meeting', title: '联席会议', show: has('office', 'leader', 'contact', 'staff', 'dept', 'admin') && can('meeting.read'), nav: false, render: meetingView },
    { id: 'joint-action', title: '联合执法行动', show: has('office', 'leader', 'contact', 'staff', 'dept', 'admin') && can('joint.read'), nav: false, render: jointView },
    { id: 'problem', title: '问题详情', show: true, nav: false, render: problemView },
    { id: 'inbox', title: '消息', show: true, nav: false, render: inboxView },
    { id: 'assessment', title: '考核办法与得分', show: has('office', 'leader', 'contact', 'staff') && can('assessment.read'), render: assessmentView, group: '考核' },
    { id: 'assessment-flags', title: '履职预警', show: has('office', 'leader', 'contact', 'staff') && can('assessment.read'), render: flagsView, group: '考核' },
    { id: 'assessment-results', title: '年度考核结果', show: has('office', 'leader', 'contact', 'staff', 'dept', 'admin') && can('assessment.read'), render: resultsView, group: '考核' },
    { id: 'units', title: '派驻机构', show: can('unit.read'), render: unitsView, group: '组织' },
    { id: 'people', title: '人员与执法资格', show: can('people.read'), render: peopleView, group: '组织' },
    { id: 'leadership', title: '领导小组', show: (township || has('dept', 'admin')) && can('leadership.read'), render: leadershipView, group: '组织' },
    { id: 'regions', title: '区域', show: (township || has('dept', 'admin')) && can('region.read'), render: regionsView, group: '组织' },
    { id: 'grid', title: '网格管理', show: has('admin', 'office') && can('grid.write'), render: gridAdminView, group: '配置' },
    { id: 'grid-members', title: '网格员分配', show: has('admin', 'office') && can('grid.write'), render: gridMembersView, group: '配置' },
    { id: 'patrol-items', title: '巡查清单', show: has('admin', 'office') && can('grid.read'), render: patrolItemsView, group: '配置' },
    { id: 'lists', title: '权责清单', show: has('admin', 'office', 'dept') && can('list.read'), render: listsView, group: '配置' },
    { id: 'categories', title: '问题类别', show: has('admin', 'office') && can('list.read'), render: categoriesView, group: '配置' },
    { id: 'calendar', title: '工作日历', show: has('admin', 'office'), render: calendarView, group: '配置' },
    { id: 'routing', title: '派单测试', show: has('admin', 'office') && can('routing.read'), render: routingView, group: '配置' },
    { id: 'users', title: '账号管理', show: has('admin', 'secadmin') && can('user.read'), render: accountsView, group: '配置' },
    { id: 'security', title: '安全设置', show: has('secadmin') && can('security.write'), render: securityView, group: '配置' },
    { id: 'open311', title: '系统对接', show: has('admin') && can('open311.admin'), render: open311View, group: '配置' },
    { id: 'audit', title: '审计日志', show: has('auditor') && can('audit.read'), render: auditView, group: '配置' },
  ].filter((s) => s.show);
}

// start: who is logged in. The last user is remembered on this device
// (without the CSRF token) so that the application opens without a signal
// — the report form and the outbox work offline. With no one remembered the
// login form shows at once, while the server is asked.
async function start() {
  const known = localStorage.getItem('xzMe');
  const resuming = state.offline && state.me;
  if (!known && !state.csrf && !app.querySelector('#login')) loginView();
  try {
    const labels = loadLabels();
    state.me = await api('GET', '/me'); state.csrf = state.me.csrf; state.offline = false;
    await labels;
    sessionStorage.setItem('xzCsrf', state.csrf);
    const { csrf, ...keep } = state.me;
    localStorage.setItem('xzMe', JSON.stringify(keep));
    if (resuming) { // the signal is back: keep the screen, send what waits
      document.querySelector('header .offline')?.remove();
      openEvents(); flush(); refreshBadge();
      return;
    }
  } catch (e) {
    if (resuming) return window.addEventListener('online', () => start(), { once: true });
    if (e.status === 0 && known) {
      state.me = JSON.parse(known); state.offline = true;
      window.addEventListener('online', () => start(), { once: true });
      return render();
    }
    if (e.status === 401) localStorage.removeItem('xzMe');
    if (e.status === 401 && app.querySelector('#login')) return;
    return loginView(e.status === 401 ? '' : e.message);
  }
  openEvents();
  render();
  watch();
  flush();
  // who reports from the field gets the report form and its categories
  // ahead of the tap (one round trip less on a weak signal)
  if (has('grid', 'office') && can('problem.report')) { categories().catch(() => {}); MODULES.report().catch(() => {}); }
  // a patrol in progress on this phone goes on recording after a reload
  if (has('grid') && localStorage.getItem('xzPatrol:' + state.me.username)) MODULES.patrol().then((m) => m.resume()).catch(() => {});
}

// The header's count of reports waiting in the outbox.
async function refreshOutbox() {
  const a = document.getElementById('outbox-n');
  if (!a) return;
  const n = (await pending()).length;
  a.textContent = `待发送 ${n}`;
  a.classList.toggle('hidden', !n);
}
window.addEventListener('xz:outbox', refreshOutbox);
window.addEventListener('xz:sent', (ev) => toast(`已发送 ${ev.detail.length} 件待发送的上报`));

// The live stream: one EventSource per login; `problem` events are
// re-dispatched as a window event that open screens listen to.
function openEvents() {
  if (state.events || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/v1/events');
  es.addEventListener('problem', (ev) => {
    let data = {};
    try { data = JSON.parse(ev.data); } catch {}
    window.dispatchEvent(new CustomEvent('xz:problem', { detail: data }));
    refreshBadge();
  });
  es.addEventListener('inbox', () => refreshBadge());
  // a message for this user (the server's "notification" event): the badge counts it at once
  es.addEventListener('notification', (ev) => {
    refreshBadge();
    let data = {};
    try { data = JSON.parse(ev.data); } catch {}
    window.dispatchEvent(new CustomEvent('xz:notification', { detail: data }));
  });
  es.addEventListener('resync', () => { window.dispatchEvent(new CustomEvent('xz:problem', { detail: {} })); refreshBadge(); });
  state.events = es;
}
function closeEvents() { state.events?.close(); state.events = null; }

export async function refreshBadge() {
  const b = document.getElementById('badge');
  if (!b) return;
  try {
    const r = await api('GET', '/inbox?limit=1');
    b.textContent = r.unread > 99 ? '99+' : String(r.unread || 0);
    b.classList.toggle('hidden', !r.unread);
  } catch { b.classList.add('hidden'); }
}
window.addEventListener('xz:inbox', refreshBadge);

let renderSeq = 0, focusOnRender = false;
async function render() {
  const seq = ++renderSeq;
  const list = screens();
  const [id, ...args] = (location.hash.slice(2) || 'home').split('?')[0].split('/');
  const cur = list.find((s) => s.id === id) || list[0];
  const me = state.me;
  const place = [me.county_name, me.township_name, me.unit_name || me.department_name].filter(Boolean).join(' · ');
  let group = null;
  const navHtml = html.join(list.filter((s) => s.nav !== false).map((s) => {
    let h = '';
    if (s.group && s.group !== group) { group = s.group; h = html`<span class="nav-group">${esc(group)}</span>`; }
    return html`${h }${ html`<a href="#/${s.id}" class="${s === cur ? 'active' : ''}"${s === cur ? html` aria-current="page"` : ''}>${s.title}</a>`}`;
  }), '');
  setHtml(app, html`<header><h1>獬豸 综合执法平台</h1><span class="who">${esc(me.display_name)}（${me.roles.map((r) => ROLE_LABEL[r]).join('、')}）· ${esc(place)}</span>
    ${state.offline ? html`<span class="tag offline" role="status">离线</span>` : ''}<a href="#/report" id="outbox-n" class="bell hidden">待发送 0</a>
    <a href="#/inbox" class="bell" title="消息">消息<span id="badge" class="badge hidden">0</span></a><button id="logout">退出</button></header>
    <div class="layout"><nav aria-label="功能导航">${navHtml}</nav><main id="main" tabindex="-1" data-screen="${cur.id}"><p class="loading">正在加载…</p></main></div>`);
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/auth/logout'); } catch {}
    closeEvents(); sessionStorage.removeItem('xzCsrf'); localStorage.removeItem('xzMe'); state.me = null; location.hash = ''; loginView('已退出登录');
  });
  refreshBadge();
  refreshOutbox();
  const main = document.getElementById('main');
  try {
    const out = await cur.render(main, args);
    if (seq === renderSeq && out != null) setHtml(main, out);
  } catch (e) { if (seq === renderSeq) setHtml(main, html`<h2>${esc(cur.title)}</h2><div class="card error" role="alert">${esc(e.message)}</div>`); }
  // the new screen: its title, and the focus on its heading (announced by screen readers)
  if (seq !== renderSeq) return;
  document.title = `${cur.title} · 獬豸 · 乡镇综合执法平台`;
  const hd = main.querySelector('h2');
  if (hd && (focusOnRender || document.activeElement === document.body)) { hd.tabIndex = -1; hd.focus({ preventScroll: true }); }
  focusOnRender = true;
}

async function homeView(main) {
  const me = state.me;
  const s = await api('GET', '/sessions');
  let quick = [];
  if (has('grid')) quick.push(['#/patrol', '日常巡查', '巡查清单、轨迹与发现的问题']);
  if (has('grid')) quick.push(['#/report', '上报问题', '拍照定位，一键上报'], ['#/verify', '待核查', '核查处置结果'], ['#/mine', '我的上报', '查看办理进度']);
  if (has('office')) quick.push(['#/queue', '问题受理', '受理、派遣、督办、结案'], ['#/map', '网格地图', '网格与问题分布']);
  if (has('office', 'leader')) quick.push(['#/patrols', '巡查记录', '网格员巡查轨迹与清单']);
  if (has('staff', 'contact')) quick.push(['#/tasks', '本单位任务', '签收、处置、反馈、退回']);
  if (has('leader')) quick.push(['#/supervise', '督办与审批', '超期问题与联合执法审批']);
  if (has('office')) quick.push(['#/joint', '联合执法', '起草、转报、组织实施']);
  if (has('contact')) quick.push(['#/notices', '协同通知', '当日派员响应、指派参加人员']);
  if (has('office', 'leader', 'dept', 'admin')) quick.push(['#/dashboard', '统计分析', '渠道、类别、单位、趋势']);
  if (has('office', 'leader')) quick.push(['#/meetings', '联席会议', '安排、签到、情况报告、会议纪要']);
  if (has('office', 'leader', 'staff', 'contact')) quick.push(['#/meeting-items', '议定事项', '会议议定事项的办理与督办']);
  if (has('office', 'leader')) quick.push(['#/assessment', '考核', '考核办法、得分与履职预警']);
  if (has('dept')) quick.push(['#/line', '条线问题与交办', '各乡镇本条线问题：上提、限期交办']);
  if (has('dept')) quick.push(['#/inspections', '督促检查', '检查乡镇平台、限期整改']);
  if (has('admin')) quick.push(['#/users', '账号管理', '新建、停用账号，重置密码']);
  if (has('secadmin')) quick.push(['#/users', '账号管理', '授予、撤销角色，解除锁定'], ['#/security', '安全设置', '密码策略、审计日志保存期限']);
  if (has('auditor')) quick.push(['#/audit', '审计日志', '按人员、操作、对象、时间查询，校验与导出']);
  const mine = new Set(screens().map((x) => '#/' + x.id));
  quick = quick.filter(([href]) => mine.has(href));
  return html`<h2>工作台</h2>${quick.length ? html`<div class="quick">${html.join(quick.map(([h, t, d]) => html`<a class="card quick-item" href="${h}"><b>${t}</b><span class="muted">${d}</span></a>`), '')}</div>` : ''}
    <div class="card"><b>${esc(me.display_name)}</b>（${esc(me.username)}）<br>
    <span class="muted">角色：</span>${html.join(me.roles.map((r) => html`<span class="tag">${ROLE_LABEL[r]}</span>`), '')}<br>
    <span class="muted">所在：</span>${esc([me.county_name, me.township_name, me.unit_name, me.department_name].filter(Boolean).join(' · '))}</div>
    <div class="card"><b>我的登录会话</b><table><thead><tr><th>登录时间</th><th>最近活动</th><th>来源</th><th></th></tr></thead><tbody>
    ${html.join(s.items.map((x) => html`<tr><td>${fmtTime(x.created_at)}</td><td>${fmtTime(x.last_seen_at)}</td><td>${esc(x.source)}</td><td>${x.current ? html`<span class="tag green">当前</span>` : ''}</td></tr>`), '')}</tbody></table></div>`;
}

window.addEventListener('hashchange', () => { if (state.me) render(); });
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
start();
