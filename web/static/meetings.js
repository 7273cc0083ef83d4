// meetings.js — joint meetings (联席会议, R6): the meeting list and calendar,
// scheduling a meeting (the office and the leadership group), a meeting's
// page (agenda, invitations and answers, sign-in on a phone, attendance,
// the status report frozen from the data, minutes from draft to
// publication, decided items), and the decided-items board with its lights,
// which is also each unit's task list. Every rule is the server's: buttons
// follow allowed_actions.
import { html, setHtml, api, all, esc, fmtTime, has, state, toast, dialog } from './core.js';

const KIND = { regular: '例会', special: '专题会' };
const ANSWER = { pending: '未答复', attend: '参会', absent: '请假', substitute: '委托参会' };
const ATTEND = { present: '已到', late: '迟到', absent: '缺席', substitute: '委托参会' };
const LIGHT = { red: '红灯（逾期）', yellow: '黄灯（临期）', green: '绿灯（正常）', none: '已结束' };
const lightTag = (l) => html`<span class="tag ${l === 'none' ? '' : esc(l)}"><span class="light ${esc(l)}" aria-hidden="true"></span>${LIGHT[l] || esc(l)}</span>`;
const localInput = (d) => new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 16);
const fromLocal = (v) => v ? `${v}:00+08:00` : null;

export async function meetingsView(main) {
  const town = state.me.township_id;
  const r = await api('GET', `/meetings${town ? `?township_id=${town}` : ''}`);
  const canNew = has('office', 'leader') && !!town;
  setHtml(main, html`<h2>联席会议</h2>
    <p class="muted">乡镇（街道）定期召开派驻机构联席会议，研究联合执法，协调解决单个部门难以解决的问题（§4.3.2）。</p>
    ${canNew ? html`<div class="actions"><button class="btn primary-btn" id="m-new">安排会议</button> <a class="btn" href="#/meeting-items">议定事项督办</a></div>` : html`<div class="actions"><a class="btn" href="#/meeting-items">议定事项</a></div>`}
    ${r.items.length ? html`<table><caption class="sr-only">联席会议列表</caption><thead><tr><th>时间</th><th>会议</th><th>类别</th><th>地点</th><th>主持</th><th>状态</th></tr></thead><tbody>
    ${r.items.map((m) => html`<tr><td>${fmtTime(m.starts_at)}</td><td><a href="#/meeting/${m.id}">${esc(m.title)}</a></td><td>${KIND[m.kind] || esc(m.kind)}</td><td>${esc(m.place)}</td><td>${esc(m.chair_name)}</td><td><span class="tag">${esc(m.state_label)}</span></td></tr>`)}</tbody></table>` : html`<div class="card muted">尚无联席会议。</div>`}`);
  main.querySelector('#m-new')?.addEventListener('click', () => newMeeting(main));
}

async function newMeeting(main) {
  const town = state.me.township_id;
  const [lead, units] = await Promise.all([all(`/leadership?township_id=${town}`).catch(() => []), all('/units').catch(() => [])]);
  const chairs = lead.filter((l) => l.position === 'leader' || l.position === 'deputy');
  const start = new Date(Date.now() + 3 * 86400e3); start.setUTCHours(1, 0, 0, 0);
  const v = await dialog('安排联席会议', [
    { name: 'kind', label: '会议类别', type: 'select', options: [['regular', '例会'], ['special', '专题会']], value: 'regular' },
    { name: 'title', label: '会议名称', required: true, value: '综合执法联席会议' },
    { name: 'starts_at', label: '会议时间', type: 'datetime-local', required: true, value: localInput(start) },
    { name: 'place', label: '地点', value: '镇政府会议室' },
    { name: 'chair', label: '主持人（领导小组组长或副组长）', type: 'select', options: chairs.map((l) => [l.person_id, `${l.person_name || l.name || ''}（${l.position === 'leader' ? '组长' : '副组长'}）`]), required: true },
    { name: 'agenda', label: '议程（每行一项）', type: 'textarea', value: '通报近期综合执法情况\n研究需联合执法解决的问题\n部署下阶段工作' },
    { name: 'note', type: 'note', label: `默认邀请本乡镇全部 ${units.filter((u) => u.township_id === town).length} 个派驻机构。` },
  ], '安排并通知');
  if (!v) return;
  try {
    const m = await api('POST', '/meetings', {
      township_id: town, kind: v.kind, title: v.title.trim(), starts_at: fromLocal(v.starts_at), place: v.place.trim(),
      chair_person_id: Number(v.chair), agenda: v.agenda.split('\n').map((s) => s.trim()).filter(Boolean).map((title) => ({ title })),
    });
    toast('已安排会议并通知各单位');
    location.hash = `#/meeting/${m.id}`;
  } catch (e) { toast(e.message, 'bad'); }
}

function reportHtml(rep) {
  if (!rep) return html`<p class="muted">会议开始时自动生成；执法办公室也可提前生成。</p>`;
  const pct = (v) => v == null ? '—' : `${v}%`;
  return html`<p class="muted">统计期间：${fmtTime(rep.period.from)} 至 ${fmtTime(rep.period.to)}（生成于 ${fmtTime(rep.generated_at)}，随会议冻结）</p>
    <h4>联合执法行动</h4><p>本期新建 ${rep.joint_actions.total} 起：${html.join(rep.joint_actions.by_mechanism.map((b) => html`${esc(b.label)} ${b.total} 起`), '，')}</p>
    <h4>各派驻机构问题办理</h4><table><thead><tr><th>单位</th><th>本期交办</th><th>办结</th><th>在办</th><th>逾期</th><th>返工</th></tr></thead><tbody>
    ${rep.units.map((u) => html`<tr><td>${esc(u.unit_name)}</td><td>${u.assigned}</td><td>${u.closed}</td><td>${u.open}</td><td>${u.overdue ? html`<b class="bad">${u.overdue}</b>` : 0}</td><td>${u.rework}</td></tr>`)}</tbody></table>
    <h4>互动执法与专项申请</h4><p>协同通知 ${rep.notices.issued} 份，当日派员 ${rep.notices.same_day} 份，逾期 ${rep.notices.late} 份，当日响应率 ${pct(rep.notices.same_day_rate)}；专项申请 ${rep.special_applications.received} 件，2日内报送 ${rep.special_applications.forwarded_in_time} 件，及时率 ${pct(rep.special_applications.in_time_rate)}。</p>
    <h4>尚未办结</h4><p>提请联合执法的问题 ${rep.escalations_open.count} 件；以往会议议定事项 ${rep.open_items.count} 项（逾期 ${rep.open_items.overdue} 项）。</p>
    ${rep.open_items.items.length ? html`<ul>${rep.open_items.items.map((i) => html`<li>${esc(i.title)}（${esc(i.owner_unit_name)}，${esc(i.state_label)}）${lightTag(i.light)}</li>`)}</ul>` : ''}`;
}

const ACTION_BTN = { start: '开始会议', finish: '结束会议', submit_minutes: '提交纪要审定', approve_minutes: '审定纪要', return_minutes: '退回纪要', publish: '印发纪要', cancel: '取消会议' };

export async function meetingView(main, [id]) {
  const m = await api('GET', `/meetings/${Number(id)}`);
  const office = has('office') && m.township_id === state.me.township_id;
  const mine = m.my_invitation;
  const canEditMinutes = office && ['in_session', 'held'].includes(m.state);
  const canItems = office && ['in_session', 'held', 'minutes_submitted', 'minutes_approved'].includes(m.state);
  setHtml(main, html`<h2 tabindex="-1">${esc(m.title)} <span class="tag">${esc(m.state_label)}</span></h2>
    <div class="card"><b>${KIND[m.kind]}</b> · ${fmtTime(m.starts_at)} · ${esc(m.place)} · 主持：${esc(m.chair_name)}
      ${m.minutes_no ? html`<br>纪要编号：<b>${esc(m.minutes_no)}</b>` : ''}
      <div class="actions">${html.join(m.allowed_actions.map((a) => html`<button class="btn ${a.action === 'cancel' || a.action === 'return_minutes' ? '' : 'primary-btn'}" data-act="${esc(a.action)}">${esc(ACTION_BTN[a.action] || a.label)}</button>`), ' ')}
      ${mine && m.state === 'scheduled' ? html`<button class="btn" id="m-answer">答复会议通知</button>` : ''}
      ${mine && !mine.signed_in_at && ['scheduled', 'in_session'].includes(m.state) ? html`<button class="btn primary-btn" id="m-signin">签到</button>` : ''}
      ${office && ['scheduled', 'in_session', 'held'].includes(m.state) ? html`<button class="btn" id="m-report">生成情况报告</button>` : ''}
      ${m.report ? html`<a class="btn" href="/api/v1/meetings/${m.id}/documents/report.pdf" target="_blank" rel="noopener">情况报告（PDF）</a>` : ''}
      ${m.minutes_no ? html`<a class="btn" href="/api/v1/meetings/${m.id}/documents/minutes.pdf" target="_blank" rel="noopener">会议纪要（PDF）</a>` : ''}</div></div>
    <div class="card"><h3>议程</h3><ol>${m.agenda.map((a) => html`<li>${esc(a.title)}${a.links.length ? html` <span class="muted">（关联 ${a.links.length} 项记录）</span>` : ''}</li>`)}</ol></div>
    <div class="card"><h3>参会单位与考勤</h3><table><thead><tr><th>单位/人员</th><th>回复</th><th>考勤</th><th>签到时间</th>${office ? html`<th></th>` : ''}</tr></thead><tbody>
    ${m.attendance.map((i) => html`<tr><td>${esc(i.unit_name || i.person_name)}</td><td>${ANSWER[i.answer] || ''}${i.reason ? html`（${esc(i.reason)}）` : ''}${i.substitute_name ? html`：${esc(i.substitute_name)}` : ''}</td><td>${i.attendance ? ATTEND[i.attendance] : '—'}</td><td>${fmtTime(i.signed_in_at)}</td>
      ${office && i.unit_id ? html`<td><button class="btn small" data-att="${i.unit_id}" data-name="${esc(i.unit_name)}">记录考勤</button></td>` : office ? html`<td></td>` : ''}</tr>`)}</tbody></table></div>
    <div class="card"><h3>会议情况报告</h3>${reportHtml(m.report)}</div>
    <div class="card"><h3>会议纪要</h3>${canEditMinutes ? html`<label for="m-minutes">纪要正文（执法办公室起草，主持人审定后印发）</label><textarea id="m-minutes" rows="8">${esc(m.minutes)}</textarea><div class="actions"><button class="btn" id="m-save">保存纪要</button></div>` : m.minutes ? html`<div class="prewrap">${esc(m.minutes)}</div>` : html`<p class="muted">尚未印发。</p>`}
      ${m.return_reason && m.state === 'held' ? html`<p class="bad">退回意见：${esc(m.return_reason)}</p>` : ''}</div>
    <div class="card"><h3>议定事项</h3>${itemsTable(m.items)}${canItems ? html`<div class="actions"><button class="btn primary-btn" id="m-item">登记议定事项</button></div>` : ''}</div>`);
  main.querySelector('h2').focus();
  const reload = () => meetingView(main, [id]);
  main.querySelectorAll('[data-act]').forEach((b) => b.addEventListener('click', async () => {
    const body = { action: b.dataset.act };
    if (['cancel', 'return_minutes'].includes(body.action)) {
      const v = await dialog(ACTION_BTN[body.action], [{ name: 'reason', label: '理由', type: 'textarea', required: true }]);
      if (!v) return; body.reason = v.reason;
    }
    try { await api('POST', `/meetings/${m.id}/actions`, body); toast(`已${b.textContent}`); reload(); } catch (e) { toast(e.message, 'bad'); }
  }));
  main.querySelector('#m-answer')?.addEventListener('click', async () => {
    const v = await dialog('答复会议通知', [
      { name: 'answer', label: '答复', type: 'select', options: [['attend', '参会'], ['absent', '请假'], ['substitute', '委托他人参会']], value: 'attend' },
      { name: 'reason', label: '请假理由（请假时必填）', type: 'textarea' },
      { name: 'substitute_name', label: '代为参会人员（委托时必填）' },
    ], '提交');
    if (!v) return;
    const body = { answer: v.answer };
    if (v.reason.trim()) body.reason = v.reason.trim();
    if (v.substitute_name.trim()) body.substitute_name = v.substitute_name.trim();
    try { await api('POST', `/meetings/${m.id}/answer`, body); toast('已答复'); reload(); } catch (e) { toast(e.message, 'bad'); }
  });
  main.querySelector('#m-signin')?.addEventListener('click', async () => {
    try { await api('POST', `/meetings/${m.id}/signin`); toast('签到成功'); reload(); } catch (e) { toast(e.message, 'bad'); }
  });
  main.querySelector('#m-report')?.addEventListener('click', async () => {
    try { await api('POST', `/meetings/${m.id}/report`, {}); toast('已生成会议情况报告'); reload(); } catch (e) { toast(e.message, 'bad'); }
  });
  main.querySelector('#m-save')?.addEventListener('click', async () => {
    try { await api('PUT', `/meetings/${m.id}/minutes`, { minutes: main.querySelector('#m-minutes').value, version: m.version }); toast('纪要已保存'); reload(); } catch (e) { toast(e.message, 'bad'); }
  });
  main.querySelectorAll('[data-att]').forEach((b) => b.addEventListener('click', async () => {
    const v = await dialog(`记录考勤 · ${b.dataset.name}`, [
      { name: 'status', label: '考勤', type: 'select', options: Object.entries(ATTEND), value: 'present' },
      { name: 'substitute_name', label: '代为参会人员（委托参会时填写）' },
      { name: 'note', label: '备注' },
    ], '保存');
    if (!v) return;
    const body = { unit_id: Number(b.dataset.att), status: v.status };
    if (v.substitute_name.trim()) body.substitute_name = v.substitute_name.trim();
    if (v.note.trim()) body.note = v.note.trim();
    try { await api('POST', `/meetings/${m.id}/attendance`, body); reload(); } catch (e) { toast(e.message, 'bad'); }
  }));
  main.querySelector('#m-item')?.addEventListener('click', async () => {
    const units = m.invitees.filter((i) => i.unit_id);
    const v = await dialog('登记议定事项', [
      { name: 'title', label: '事项', required: true },
      { name: 'detail', label: '具体要求', type: 'textarea' },
      { name: 'owner_unit_id', label: '责任单位', type: 'select', options: units.map((u) => [u.unit_id, u.unit_name]), required: true },
      { name: 'due_days', label: '完成时限（工作日）', type: 'number', value: '5', min: 1, max: 366 },
    ], '登记');
    if (!v) return;
    try {
      await api('POST', `/meetings/${m.id}/items`, { title: v.title.trim(), detail: v.detail.trim(), owner_unit_id: Number(v.owner_unit_id), due_days: Number(v.due_days) });
      toast('已登记并通知责任单位'); reload();
    } catch (e) { toast(e.message, 'bad'); }
  });
  bindItemActions(main, reload);
}

const ITEM_BTN = { start: '开始办理', done: '报告办结', verify: '核验办结', reopen: '退回重办', supervise: '督办' };
const ITEM_FIELD = { done: ['result', '办理结果'], reopen: ['reason', '退回理由'], supervise: ['note', '督办意见'] };

function itemsTable(items, withMeeting = false) {
  if (!items.length) return html`<p class="muted">暂无议定事项。</p>`;
  return html`<table><thead><tr><th>事项</th>${withMeeting ? html`<th>会议</th>` : ''}<th>责任单位</th><th>完成时限</th><th>预警</th><th>状态</th><th></th></tr></thead><tbody>
    ${items.map((i) => html`<tr data-item-row="${i.id}"><td>${esc(i.title)}${i.supervised ? html` <span class="tag red">督办</span>` : ''}${i.result ? html`<br><span class="muted">${esc(i.result)}</span>` : ''}</td>${withMeeting ? html`<td><a href="#/meeting/${i.meeting_id}">${esc(i.meeting_title)}</a></td>` : ''}<td>${esc(i.owner_unit_name)}</td><td>${fmtTime(i.due_at)}</td><td>${lightTag(i.light)}</td><td>${esc(i.state_label)}</td>
      <td>${html.join(i.allowed_actions.map((a) => html`<button class="btn small" data-item="${i.id}" data-iact="${esc(a.action)}">${esc(ITEM_BTN[a.action] || a.label)}</button>`), ' ')}</td></tr>`)}</tbody></table>`;
}

function bindItemActions(main, reload) {
  main.querySelectorAll('[data-iact]').forEach((b) => b.addEventListener('click', async () => {
    const body = { action: b.dataset.iact }, f = ITEM_FIELD[body.action];
    if (f) {
      const v = await dialog(ITEM_BTN[body.action], [{ name: f[0], label: f[1], type: 'textarea', required: true }]);
      if (!v) return; body[f[0]] = v[f[0]];
    }
    try { await api('POST', `/meeting-items/${b.dataset.item}/actions`, body); toast(`已${b.textContent}`); reload(); } catch (e) { toast(e.message, 'bad'); }
  }));
}

// #/meeting-items/ID (a message about a decided item): that item's row is
// shown and marked.
export async function meetingItemsView(main, [focus] = []) {
  const unitOnly = has('staff', 'contact') && !has('office', 'leader');
  const q = unitOnly ? `?unit_id=${state.me.unit_id}` : state.me.township_id ? `?township_id=${state.me.township_id}` : '';
  const items = await all(`/meeting-items${q}`);
  const open = items.filter((i) => i.light !== 'none');
  const red = open.filter((i) => i.light === 'red').length, yellow = open.filter((i) => i.light === 'yellow').length;
  setHtml(main, html`<h2 tabindex="-1">${unitOnly ? '本单位议定事项' : '议定事项督办'}</h2>
    <p class="lights">未办结 ${open.length} 项：${lightTag('red')} ${red} 项 · ${lightTag('yellow')} ${yellow} 项</p>
    ${itemsTable(items, true)}`);
  main.querySelector('h2').focus();
  const row = focus && main.querySelector(`tr[data-item-row="${Number(focus)}"]`);
  if (row) { row.classList.add('spotlight'); row.scrollIntoView({ block: 'center' }); }
  bindItemActions(main, () => meetingItemsView(main, [focus]));
}
