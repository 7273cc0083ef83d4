// linkage.js — a county department's side of the county–township linkage
// (县乡联动, R9.1, seed §4.3.1): its line's problems in every township of the
// county, filtered by township, state and overdue; taking a township's
// problem up to county-level enforcement (上提) with a reason, ending it with
// a result or handing it back; assigning a problem down (交办) to a township
// with a deadline of the department's choosing — a new one through the form
// here, or one of the line already in a township's loop. The township reads
// the deadline and the outcome on the problem's page (problems.js).
import { api, all, esc, fmtShort, toast, html, setHtml, lightTag, stateTag, STATE_LABEL, categories, categoryOptions, plusDays } from './core.js';
import { runAction, deadlineBody } from './problems.js';

// What the department may do in each state (the problem machine's rows for
// problem.take_up and problem.assign; the server decides, the buttons follow).
const ACTS = {
  reported: ['take_up', 'assign'], accepted: ['take_up', 'assign'], dispatched: ['take_up', 'assign'], in_hand: ['take_up', 'assign'],
  taken_up: ['conclude', 'hand_back', 'assign'],
};
const ACT_WORD = { take_up: '上提', assign: '限期交办', conclude: '办结', hand_back: '交回乡镇' };
const LINE_STATES = ['reported', 'accepted', 'dispatched', 'in_hand', 'handled', 'verified', 'taken_up', 'escalated', 'closed'];
const hashQuery = () => new URLSearchParams(location.hash.split('?')[1] || '');

export async function lineView(main) {
  const q = hashQuery();
  const f = { township_id: q.get('township_id') || '', state: q.get('state') || '', overdue: q.get('overdue') || '' };
  const [towns, cats] = await Promise.all([all('/regions').then((r) => r.filter((x) => x.level === 'township')).catch(() => []), categories().catch(() => [])]);
  const townOpts = html.join(towns.map((t) => html`<option value="${t.id}">${esc(t.name)}</option>`), '');
  setHtml(main, html`<h2>条线问题与县乡联动</h2>
    <p class="muted">本部门条线在各乡镇（街道）的问题。案情复杂的可上提县级执法直接查处，办结后反馈结果或交回乡镇；也可限期交办乡镇，乡镇按部门确定的期限办理。</p>
    <div class="actions"><button class="btn primary-btn" id="assign-new" aria-expanded="false" aria-controls="assign-form">交办问题</button></div>
    <form class="card hidden" id="assign-form" aria-labelledby="assign-h">
      <h3 id="assign-h">限期交办乡镇（街道）</h3>
      <label for="a-town">交办乡镇（街道）</label><select id="a-town" name="township_id" required><option value="">请选择</option>${townOpts}</select>
      <label for="a-category">问题类别（本条线）</label><select id="a-category" name="category" required>${categoryOptions(cats)}</select>
      <label for="a-desc">问题描述</label><textarea id="a-desc" name="description" rows="3" required></textarea>
      <label for="a-address">地点</label><input id="a-address" name="address" required placeholder="如：碧湖村河边">
      <label for="a-due">办结期限（日期，不超过90日）</label><input id="a-due" name="due" type="date" value="${plusDays(10)}">
      <label for="a-days">或按工作日计（填写则以工作日为准，1–60）</label><input id="a-days" name="days" type="number" min="1" max="60">
      <label for="a-note">交办意见（可选）</label><textarea id="a-note" name="note" rows="2"></textarea>
      <div class="actions"><button class="btn primary-btn" type="submit" id="a-submit">交办并通知乡镇</button></div>
      <div id="a-status" role="status" class="muted"></div>
    </form>
    <form class="filters card" id="line-filters">
      <select name="township_id" aria-label="乡镇（街道）"><option value="">全部乡镇（街道）</option>${townOpts}</select>
      <select name="state" aria-label="状态"><option value="">全部状态</option>${html.join(LINE_STATES.map((s) => html`<option value="${s}">${esc(STATE_LABEL[s] || s)}</option>`), '')}</select>
      <label class="check"><input type="checkbox" name="overdue" value="1"> 仅超期</label>
      <button class="btn" type="submit">查询</button>
    </form>
    <div class="table-wrap"><table class="queue"><caption class="sr-only">本条线问题</caption><thead><tr><th></th><th>编号</th><th>乡镇</th><th>类别</th><th>描述</th><th>状态</th><th>时限</th><th>操作</th></tr></thead>
      <tbody id="line-rows"><tr><td colspan="8" class="loading">正在加载…</td></tr></tbody></table></div>
    <div class="more"><button class="btn hidden" id="line-more">加载更多</button></div>`);
  const form = main.querySelector('#line-filters');
  form.elements.township_id.value = f.township_id;
  form.elements.state.value = f.state;
  form.elements.overdue.checked = f.overdue === '1';
  let items = [], next = null;
  const params = () => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    return p;
  };
  const row = (p) => html`<tr data-id="${p.id}"><td>${lightTag(p.light)}</td><td><a href="#/problem/${p.id}">#${p.id}</a></td><td>${esc(p.township_name)}</td>
    <td>${esc(p.category_name || p.category)}</td><td class="desc">${esc(p.description)}</td><td>${stateTag(p.state)}</td>
    <td>${p.due_at ? html`<span class="due ${esc(p.light || '')}">${fmtShort(p.due_at)}</span>` : ''}${p.assigned_due_at ? html` <span class="tag">交办</span>` : ''}${p.overdue ? html` <span class="tag red">超期</span>` : ''}</td>
    <td class="actions">${html.join((ACTS[p.state] || []).map((a) => html`<button class="btn small act-${a}" data-act="${a}">${ACT_WORD[a]}</button>`), '')}</td></tr>`;
  const draw = () => {
    setHtml(main.querySelector('#line-rows'), items.length ? items.map(row) : html`<tr class="empty"><td colspan="8" class="muted">没有符合条件的问题</td></tr>`);
    main.querySelector('#line-more').classList.toggle('hidden', !next);
  };
  const load = async (append = false) => {
    const p = params();
    p.set('limit', '100');
    if (append && next) p.set('cursor', next);
    try {
      const r = await api('GET', '/problems?' + p.toString());
      items = append ? items.concat(r.items) : r.items;
      next = r.next;
      draw();
    } catch (e) { setHtml(main.querySelector('#line-rows'), html`<tr><td colspan="8" class="error">${esc(e.message)}</td></tr>`); }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    f.township_id = form.elements.township_id.value;
    f.state = form.elements.state.value;
    f.overdue = form.elements.overdue.checked ? '1' : '';
    history.replaceState(null, '', '#/line' + (params().toString() ? '?' + params().toString() : ''));
    load();
  });
  form.addEventListener('change', () => form.requestSubmit());
  main.querySelector('#line-more').addEventListener('click', () => load(true));
  main.querySelector('#line-rows').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const p = items.find((x) => x.id === Number(b.closest('[data-id]').dataset.id));
    b.disabled = true;
    if (await runAction(p, b.dataset.act)) await load(); else b.disabled = false;
  });

  // assigning a new problem down with the department's deadline
  const af = main.querySelector('#assign-form');
  main.querySelector('#assign-new').addEventListener('click', (ev) => {
    const open = af.classList.toggle('hidden') === false;
    ev.target.setAttribute('aria-expanded', String(open));
    if (open) af.elements.township_id.focus();
  });
  af.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = Object.fromEntries(new FormData(af).entries());
    const d = deadlineBody(v);
    const status = af.querySelector('#a-status');
    if (!d) { status.textContent = '须给出办结期限（日期或工作日数）'; return; }
    const body = { channel: 'assigned', township_id: Number(v.township_id), category: v.category, description: v.description.trim(), address: v.address.trim(), ...d };
    if (v.note.trim()) body.note = v.note.trim();
    af.querySelector('#a-submit').disabled = true;
    try {
      const p = await api('POST', '/problems', body);
      toast(`已交办：#${p.id}，办结期限 ${fmtShort(p.assigned_due_at)}`);
      location.hash = `#/problem/${p.id}`;
    } catch (e) {
      status.textContent = e.message;
      status.dataset.code = e.code || '';
      af.querySelector('#a-submit').disabled = false;
    }
  });
  await load();
  // live: the line's problems move in the townships
  const rows = main.querySelector('#line-rows');
  const on = (ev) => {
    if (!rows.isConnected) { window.removeEventListener('xz:problem', on); return; }
    if (!document.querySelector('.modal')) load();
  };
  window.addEventListener('xz:problem', on);
}
