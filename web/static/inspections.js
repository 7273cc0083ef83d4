// inspections.js — a county department's inspections of a township platform
// (督促检查, R9.3, seed §3.5): the department (or the administrator) records
// an inspection with its findings and rectification deadlines; the
// township's office replies per finding; the department accepts or sends a
// finding back. Overdue findings show red. Buttons follow allowed_actions.
import { api, all, esc, fmtTime, has, state, toast, dialog, today, plusDays, html, setHtml } from './core.js';

const LIGHT = { red: '红灯（逾期未整改）', green: '整改中', none: '已验收' };
const lightTag = (l) => html`<span class="tag ${l === 'none' ? '' : l}"><span class="light ${l}" aria-hidden="true"></span>${LIGHT[l] || l}</span>`;

export async function inspectionsView(main, [id]) {
  if (id) return inspectionView(main, Number(id));
  const town = state.me.township_id;
  const r = await api('GET', `/inspections${town ? `?township_id=${town}` : ''}`);
  const canNew = has('dept', 'admin');
  setHtml(main, html`<h2>督促检查</h2>
    <p class="muted">县级主管部门对乡镇（街道）综合执法平台开展督促检查，发现的问题限期整改，乡镇逐项回复，部门验收（§3.5）。</p>
    ${canNew ? html`<div class="actions"><button class="btn primary-btn" id="i-new">记录督促检查</button></div>` : ''}
    ${r.items.length ? html`<table><caption class="sr-only">督促检查列表</caption><thead><tr><th>检查日期</th><th>乡镇（街道）</th><th>检查部门</th><th>检查范围</th><th>未验收</th><th>逾期</th></tr></thead><tbody>
    ${r.items.map((i) => html`<tr><td>${i.inspected_on}</td><td>${i.township_name}</td><td>${i.department_name || '系统管理员'}</td><td><a href="#/inspections/${i.id}">${i.scope}</a></td><td>${i.findings_open}</td><td>${i.findings_overdue ? html`<b class="bad">${i.findings_overdue}</b>` : 0}</td></tr>`)}</tbody></table>` : html`<div class="card muted">尚无督促检查记录。</div>`}`);
  main.querySelector('#i-new')?.addEventListener('click', () => newInspection());
}

async function newInspection() {
  const towns = (await all('/regions').catch(() => [])).filter((x) => x.level === 'township');
  const v = await dialog('记录督促检查', [
    { name: 'township', label: '被检查的乡镇（街道）', type: 'select', options: towns.map((x) => [x.id, x.name]), required: true },
    { name: 'inspected_on', label: '检查日期', type: 'date', value: today(), required: true },
    { name: 'scope', label: '检查范围', required: true, value: '综合执法平台运行情况' },
    { name: 'findings', label: '发现的问题（每行一项）', type: 'textarea', required: true },
    { name: 'due', label: '整改期限', type: 'date', value: plusDays(15), required: true },
  ], '记录并通知乡镇');
  if (!v) return;
  const due = `${v.due}T23:59:59+08:00`;
  try {
    const i = await api('POST', '/inspections', {
      township_id: Number(v.township), inspected_on: v.inspected_on, scope: v.scope.trim(),
      findings: v.findings.split('\n').map((s) => s.trim()).filter(Boolean).map((text) => ({ text, due_at: due })),
    });
    toast('已记录督促检查并通知乡镇执法办公室');
    location.hash = `#/inspections/${i.id}`;
  } catch (e) { toast(e.message, 'bad'); }
}

const ASK = {
  reply: ['回复整改情况', [{ name: 'note', label: '整改情况', type: 'textarea', required: true }], 'note'],
  reopen: ['退回重新整改', [{ name: 'reason', label: '退回理由', type: 'textarea', required: true }], 'reason'],
};

async function inspectionView(main, id) {
  const i = await api('GET', `/inspections/${id}`);
  setHtml(main, html`<h2 tabindex="-1">督促检查：${i.scope}</h2>
    <div class="card">${esc(i.township_name)} · 检查日期 ${esc(i.inspected_on)} · ${esc(i.department_name || '系统管理员')}（${esc(i.inspector_name || '')}）</div>
    <table><caption class="sr-only">检查发现的问题</caption><thead><tr><th>#</th><th>问题</th><th>整改期限</th><th>状态</th><th>整改情况</th><th></th></tr></thead><tbody>
    ${i.findings.map((f) => html`<tr data-finding="${f.id}"><td>${f.seq}</td><td>${f.text}${f.reopen_reason ? html`<br><span class="muted">退回：${f.reopen_reason}</span>` : ''}</td>
      <td>${fmtTime(f.due_at)}</td><td>${f.state_label} ${lightTag(f.light)}</td><td>${f.reply_note || ''}</td>
      <td>${html.join(f.allowed_actions.map((a) => html`<button class="btn ${a.action === 'reopen' ? '' : 'primary-btn'}" data-id="${f.id}" data-act="${a.action}">${a.label}</button>`), ' ')}</td></tr>`)}</tbody></table>
    <p><a href="#/inspections">返回列表</a></p>`);
  main.querySelectorAll('button[data-act]').forEach((b) => b.addEventListener('click', async () => {
    const act = b.dataset.act;
    const body = { action: act };
    if (ASK[act]) {
      const v = await dialog(ASK[act][0], ASK[act][1], '提交');
      if (!v) return;
      body[ASK[act][2]] = v[ASK[act][2]].trim();
    }
    try {
      await api('POST', `/inspection-findings/${b.dataset.id}/actions`, body);
      toast('已提交');
      inspectionView(main, id);
    } catch (e) { toast(e.message, 'bad'); }
  }));
}
