// patrol.js — "日常巡查": a grid member's patrol recorded on a phone as it
// happens, and past patrols with their track on the offline map.
//
// Starting needs the server once (it names the patrol); from then on the
// patrol lives on the phone (localStorage `xzPatrol:<user>`) and its calls
// wait in the outbox (outbox.js) in the order they were made: the track in
// batches of thinned positions (every few metres, at most one a second,
// none less accurate than 100 m), each checklist tick, and the stop. Each
// call has its own Idempotency-Key and every position its time, so a
// batch sent twice is stored once. Without a signal nothing is lost: the
// outbox sends what waits when the signal returns. A finding opens the
// report form (report.js) at the patrol's last position, linked to it.
// The phone keeps recording while the grid member is on another screen;
// a reload resumes the recording (app.js calls resume()).
import { api, all, esc, state, can, toast, fmtTime, html, setHtml, dialog } from './core.js';
import { loadGrid, gridMap } from './map.js';
import { enqueueCall, flush, pending } from './outbox.js';

const MAX_ACCURACY_M = 100, MIN_MOVE_M = 5, MIN_GAP_S = 1;
const BATCH_POINTS = 10, BATCH_SECONDS = 15;

const key = () => 'xzPatrol:' + state.me.username;
const load = () => { try { return JSON.parse(localStorage.getItem(key())) || null; } catch { return null; } };
const save = (p) => localStorage.setItem(key(), JSON.stringify(p));
const inChina = (lon, lat) => lon >= 73.5 && lon <= 135.1 && lat >= 3.8 && lat <= 53.6;

// metres between two [lon, lat] (haversine, as the server counts)
export function metres(a, b) {
  const r = Math.PI / 180, R = 6371008.8;
  const dLat = (b[1] - a[1]) * r, dLon = (b[0] - a[0]) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}
const trackMetres = (t) => t.reduce((d, p, i) => (i ? d + metres(t[i - 1], p) : 0), 0);
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const fmtDist = (m) => (m >= 1000 ? `${(m / 1000).toFixed(2)} 公里` : `${Math.round(m)} 米`);
function fmtDur(s) {
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}小时${String(m).padStart(2, '0')}分` : `${m}分${String(s % 60).padStart(2, '0')}秒`;
}

// ---- recording: one watcher for the phone, whatever screen is open ----
let watchId = null, timer = null, sending = false, onChange = null;

function record(pos) {
  const p = load();
  if (!p) return stopWatch();
  const { longitude: lon, latitude: lat, accuracy } = pos.coords;
  p.fix = { accuracy: Math.round(accuracy || 0), at: Date.now() };
  if (inChina(lon, lat)) p.last = [lon, lat];
  const t = Math.floor((pos.timestamp || Date.now()) / 1000);
  const prev = p.track[p.track.length - 1];
  const keep = inChina(lon, lat) && (accuracy || 0) <= MAX_ACCURACY_M &&
    (!prev || (t - prev[2] >= MIN_GAP_S && metres(prev, [lon, lat]) >= MIN_MOVE_M));
  if (keep) {
    const pt = [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6, t];
    p.track.push(pt); p.unsent.push(pt);
  }
  save(p);
  onChange?.(p);
  if (p.unsent.length >= BATCH_POINTS) sendBatch();
}

// When the signal drops (or the phone hides the page) the positions on hand
// go into the outbox at once: IndexedDB outlives the tab.
let listening = false;
function listen() {
  if (listening) return;
  listening = true;
  const now = () => { if (load()) sendBatch(); };
  window.addEventListener('offline', now);
  window.addEventListener('online', now);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') now(); });
}

function startWatch() {
  listen();
  if (watchId !== null || !navigator.geolocation) return;
  watchId = navigator.geolocation.watchPosition(record, (err) => {
    const p = load();
    if (p) { p.fix = { error: err.code === 1 ? '未获得定位权限，无法记录轨迹' : '暂时无法定位，恢复后继续记录' }; save(p); onChange?.(p); }
  }, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  timer = setInterval(() => {
    const p = load();
    if (p?.unsent.length && Date.now() / 1000 - p.unsent[0][2] >= BATCH_SECONDS) sendBatch();
    onChange?.(p);
  }, 1000);
}
function stopWatch() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  clearInterval(timer);
  watchId = null; timer = null;
}

// sendBatch: the positions not yet queued go into the outbox as one batch
// (queued first, then taken off the patrol: a crash in between sends the
// batch twice, which the server stores once).
async function sendBatch() {
  if (sending) return;
  sending = true;
  try {
    const p = load();
    if (!p?.unsent.length) return;
    const batch = p.unsent.slice();
    await enqueueCall('POST', `/patrols/${p.id}/track`, { points: batch }, '巡查轨迹');
    const now = load();
    if (now?.id === p.id) { now.unsent.splice(0, batch.length); save(now); }
    sync();
  } catch { /* the outbox could not keep it: the positions stay on the patrol for the next batch */
  } finally { sending = false; }
}

// sync: send what waits now (a flush already running may have missed the
// newest calls: one more pass).
async function sync() {
  await flush();
  if ((await pending()).some((x) => x.kind === 'call') && navigator.onLine !== false) await flush();
}

// A patrol stopped on another device: its calls are refused; this phone
// stops recording it.
window.addEventListener('xz:refused', (ev) => {
  const p = state.me && load();
  if (!p || ev.detail.code !== 'patrol_done' || !ev.detail.item.path.startsWith(`/patrols/${p.id}/`)) return;
  stopWatch();
  localStorage.removeItem(key());
  toast('本次巡查已在其他设备结束', 'bad');
  if (location.hash.startsWith('#/patrol')) window.dispatchEvent(new HashChangeEvent('hashchange'));
});

// resume: the recording goes on after a reload (app.js).
export function resume() { if (load()) startWatch(); }

// ---- the screens ----

// patrolView: the grid member's screen (#/patrol, #/patrol/<id>).
export async function patrolView(main, args = []) {
  if (args[0]) return detailView(main, args[0], '#/patrol');
  const p = load();
  if (p) return liveView(main, p);
  return startView(main);
}

// patrolsView: the office's and leader's read view (#/patrols, #/patrols/<id>).
export async function patrolsView(main, args = []) {
  if (args[0]) return detailView(main, args[0], '#/patrols');
  const rows = await all('/patrols');
  rows.sort((a, b) => b.id - a.id);
  return html`<h2>巡查记录</h2><p class="muted">网格员日常巡查的轨迹、巡查清单与发现的问题。</p>${listTable(rows, '#/patrols', true)}`;
}

function listTable(rows, base, who) {
  if (!rows.length) return html`<p class="muted">暂无巡查记录。</p>`;
  return html`<table class="patrols"><thead><tr><th>开始时间</th>${who ? html`<th>网格员</th>` : ''}<th>网格</th><th>时长</th><th>里程</th><th>已查</th><th>问题</th><th>状态</th></tr></thead><tbody>
    ${html.join(rows.map((r) => {
      const dur = r.ended_at ? (Date.parse(r.ended_at) - Date.parse(r.started_at)) / 1000 : null;
      return html`<tr><td><a href="${base}/${r.id}">${fmtTime(r.started_at)}</a></td>${who ? html`<td>${esc(r.patroller)}</td>` : ''}<td>${esc(r.cell_name)}</td>
        <td>${dur == null ? '' : fmtDur(dur)}</td><td>${fmtDist(r.distance_m || 0)}</td><td>${(r.checked || []).length}</td><td>${r.problem_count || 0}</td>
        <td>${r.state === 'in_progress' ? html`<span class="tag green">巡查中</span>` : html`<span class="tag">已结束</span>`}</td></tr>`;
    }), '')}</tbody></table>`;
}

async function startView(main) {
  const [cells, mine] = await Promise.all([api('GET', '/grid/cells'), all('/patrols')]);
  const feats = cells.features.map((f) => f.properties);
  const own = feats.filter((c) => (c.members || []).some((m) => m.person_id === state.me.person_id));
  const pick = own[0] || feats[0];
  mine.sort((a, b) => b.id - a.id);
  setHtml(main, html`<h2>日常巡查</h2>
    <form class="card" id="pt-start" novalidate>
      <label for="pt-cell">巡查网格</label>
      <select id="pt-cell" name="cell">${html.join(feats.map((c) => html`<option value="${c.id}"${c === pick ? html` selected` : ''}>${esc(c.village_name || '')} ${esc(c.name)}${own.includes(c) ? '（我的网格）' : ''}</option>`), '')}</select>
      <div id="pt-where" class="muted" role="status">正在获取定位…</div>
      <div class="status" id="pt-status" role="status"></div>
      <button class="primary" type="submit" id="pt-go">开始巡查</button>
      <p class="muted small">开始后手机将按位置记录巡查轨迹；网络中断时轨迹与清单保存在本机，恢复后自动发送。</p>
    </form>
    <h3>我的巡查记录</h3>${listTable(mine, '#/patrol', false)}`);
  const form = main.querySelector('#pt-start'), where = main.querySelector('#pt-where'), status = main.querySelector('#pt-status');
  // the cell the grid member stands in, when the phone knows
  navigator.geolocation?.getCurrentPosition(async (pos) => {
    try {
      const r = await api('GET', `/grid/locate?lon=${pos.coords.longitude}&lat=${pos.coords.latitude}`);
      if (r.cell_id && feats.some((c) => c.id === r.cell_id)) form.elements.cell.value = String(r.cell_id);
      where.textContent = `当前位置：${r.village_name || ''} ${r.cell_name || ''}`;
    } catch { where.textContent = '当前位置不在本乡镇的网格内，请选择巡查网格。'; }
  }, () => { where.textContent = '未获得定位，请允许定位后再开始巡查。'; }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = main.querySelector('#pt-go');
    btn.disabled = true;
    const cell = feats.find((c) => String(c.id) === form.elements.cell.value);
    try {
      let r;
      try {
        r = await api('POST', '/patrols', { cell_id: cell.id, state: 'in_progress', started_at: iso(Date.now()) }, { headers: { 'Idempotency-Key': 'patrol-start-' + Math.random().toString(36).slice(2) + Date.now() } });
      } catch (e) {
        if (e.code !== 'patrol_in_progress') throw e;
        // a patrol left open (another phone, cleared data): carry it on
        const open = (await api('GET', '/patrols?state=in_progress&limit=1')).items[0];
        if (!open) throw e;
        r = await api('GET', `/patrols/${open.id}`);
        toast('继续尚未结束的巡查');
      }
      const p = {
        id: r.id, cell_id: r.cell_id, cell_name: cell && cell.id === r.cell_id ? cell.name : (feats.find((c) => c.id === r.cell_id)?.name || ''),
        started: Date.parse(r.started_at), track: (r.track || []).filter((x) => x.length >= 3), unsent: [],
        checked: Object.fromEntries((r.checks || []).map((c) => [c.item_id, c.is_checked])), finding_keys: [], findings_before: (r.problems || []).length,
      };
      save(p);
      startWatch();
      await liveView(main, p);
    } catch (e) {
      status.className = 'status bad';
      status.textContent = e.status === 0 ? '开始巡查需要网络，请到有信号的地方再试。' : e.message;
      btn.disabled = false;
    }
  });
}

async function liveView(main, p) {
  startWatch();
  const items = (await checklist()).filter((i) => i.is_active !== false);
  const groups = [];
  for (const it of items) { let g = groups.find((x) => x.name === it.group); if (!g) groups.push(g = { name: it.group, items: [] }); g.items.push(it); }
  setHtml(main, html`<h2>日常巡查</h2>
    <div class="card patrol-live">
      <div class="patrol-head"><b>${esc(p.cell_name || '')}</b> <span class="tag green">巡查中</span> <span class="muted small">开始于 ${fmtTime(new Date(p.started).toISOString())}</span></div>
      <dl class="kv patrol-stats">
        <dt>时长</dt><dd id="pt-dur"></dd><dt>里程</dt><dd id="pt-dist"></dd><dt>轨迹点</dt><dd id="pt-pts"></dd>
        <dt>巡查清单</dt><dd id="pt-done"></dd><dt>发现问题</dt><dd id="pt-find"></dd>
      </dl>
      <div id="pt-geo" class="muted small" role="status"></div>
      <div id="pt-sync" class="small" aria-live="polite"></div>
    </div>
    <div class="actions patrol-actions"><a class="btn" id="pt-report" href="#/report?patrol=${p.id}">发现问题，上报</a>
      <button type="button" class="btn" id="pt-note">记录情况</button>
      <button type="button" class="primary" id="pt-stop">结束巡查</button></div>
    <section class="card"><h3>巡查清单</h3>
      ${html.join(groups.map((g) => html`<fieldset class="patrol-group"><legend>${esc(g.name)}</legend>
        ${html.join(g.items.map((it) => html`<label class="patrol-item"><input type="checkbox" data-item="${it.id}"${p.checked[it.id] ? html` checked` : ''}> ${esc(it.name)}</label>`), '')}</fieldset>`), '')}
    </section>
    <div id="pt-map" class="map small"></div>`);
  main.querySelectorAll('[data-item]').forEach((box) => box.addEventListener('change', async () => {
    const now = load();
    if (!now) return;
    now.checked[box.dataset.item] = box.checked;
    save(now);
    show(now);
    await enqueueCall('POST', `/patrols/${now.id}/checks`, { item_id: Number(box.dataset.item), checked: box.checked }, '巡查清单');
    sync();
  }));
  main.querySelector('#pt-note').addEventListener('click', async () => {
    const v = await dialog('记录巡查情况', [
      { name: 'item_id', label: '巡查项目（可选）', type: 'select', options: [['', '（不指定）'], ...items.map((i) => [i.id, `${i.group} · ${i.name}`])] },
      { name: 'note', label: '情况说明', required: true },
    ], '记录');
    if (!v?.note?.trim()) return;
    const now = load();
    if (!now) return;
    now.notes = (now.notes || 0) + 1;
    save(now); show(now);
    await enqueueCall('POST', `/patrols/${now.id}/findings`, { note: v.note.trim(), ...(v.item_id ? { item_id: Number(v.item_id) } : {}) }, '巡查情况');
    toast('已记录');
    sync();
  });
  main.querySelector('#pt-stop').addEventListener('click', () => stop(main));

  // the track on the map as it grows
  let line = null, m = null;
  const draw = (now) => {
    if (!line || !now) return;
    line.setLatLngs(now.track.map((x) => [x[1], x[0]]));
    if (now.last) m.map.setView([now.last[1], now.last[0]], Math.max(m.map.getZoom(), 16), { animate: false });
  };
  (async () => {
    try {
      const { cells, shapes } = await loadGrid();
      if (!document.body.contains(main.querySelector('#pt-map'))) return;
      m = await gridMap(main.querySelector('#pt-map'), { cells, shapes });
      main.querySelector('#pt-map').setAttribute('aria-label', '巡查轨迹地图');
      line = m.L.polyline([], { color: '#8b1a1a', weight: 4, className: 'patrol-track' }).addTo(m.map);
      draw(load());
    } catch { main.querySelector('#pt-map')?.classList.add('hidden'); }
  })();
  let drawn = -1;
  const show = async (now) => {
    if (!now || !document.body.contains(main.querySelector('#pt-dur'))) { onChange = null; return; }
    const set = (id, t) => { const e = main.querySelector(id); if (e.textContent !== t) e.textContent = t; };
    set('#pt-dur', fmtDur((Date.now() - now.started) / 1000));
    set('#pt-dist', fmtDist(trackMetres(now.track)));
    set('#pt-pts', `${now.track.length} 个`);
    set('#pt-done', `已查 ${Object.values(now.checked).filter(Boolean).length} / ${items.length} 项`);
    set('#pt-find', `${(now.findings_before || 0) + (now.finding_keys || []).length} 件${now.notes ? `，另记录情况 ${now.notes} 条` : ''}`);
    set('#pt-geo', now.fix?.error || (now.fix ? `已定位（精度约 ${now.fix.accuracy} 米）` : '正在定位…'));
    if (now.track.length !== drawn) { drawn = now.track.length; draw(now); }
    const waiting = (await pending()).filter((x) => x.kind === 'call').length + (now.unsent.length ? 1 : 0);
    set('#pt-sync', waiting ? `待发送 ${waiting} 条巡查记录${navigator.onLine === false ? '（当前无网络，恢复后自动发送）' : ''}` : '巡查记录已同步');
  };
  onChange = show;
  show(p);
}

// stop: the last positions, then the stop, into the outbox; the summary
// from the phone's own record (the server's when it answers).
async function stop(main) {
  const p = load();
  if (!p) return;
  main.querySelector('#pt-stop').disabled = true;
  stopWatch();
  onChange = null;
  while (sending) await new Promise((r) => setTimeout(r, 50));
  await sendBatch();
  const ended = Date.now();
  await enqueueCall('POST', `/patrols/${p.id}/stop`, { ended_at: iso(ended) }, '结束巡查');
  localStorage.removeItem(key());
  const items = (await checklist()).filter((i) => i.is_active !== false);
  const local = { duration_s: (ended - p.started) / 1000, distance_m: trackMetres(p.track), points: p.track.length,
    items_checked: Object.values(p.checked).filter(Boolean).length, findings: (p.findings_before || 0) + (p.finding_keys || []).length + (p.notes || 0) };
  const card = (s, synced) => html`<h2 tabindex="-1">日常巡查</h2><div class="card done" id="pt-summary"><p class="ok-big">巡查已结束</p>
    <dl class="kv"><dt>网格</dt><dd>${esc(p.cell_name || '')}</dd><dt>时长</dt><dd>${fmtDur(s.duration_s)}</dd><dt>里程</dt><dd>${fmtDist(s.distance_m)}</dd>
    <dt>轨迹点</dt><dd>${s.points} 个</dd><dt>巡查清单</dt><dd>已查 ${s.items_checked} / ${items.length} 项</dd><dt>发现问题</dt><dd>${s.findings} 件</dd></dl>
    <p class="${synced ? 'muted' : 'warn'}" id="pt-synced" role="status">${synced ? '已同步到平台。' : '巡查记录保存在本机，网络恢复后自动发送，无需再次操作。'}</p>
    <div class="actions"><a class="btn" href="#/patrol/${p.id}">查看轨迹</a><button type="button" class="btn" id="pt-again">返回巡查首页</button></div></div>`;
  const put = (s, synced) => {
    setHtml(main, card(s, synced));
    main.querySelector('#pt-again').addEventListener('click', () => startView(main));
  };
  put(local, false);
  main.querySelector('h2').focus();
  const onSynced = (ev) => {
    const hit = ev.detail.find((x) => x.item.path === `/patrols/${p.id}/stop`);
    if (!hit) return;
    window.removeEventListener('xz:synced', onSynced);
    if (document.body.contains(main.querySelector('#pt-summary'))) put(hit.out, true);
  };
  window.addEventListener('xz:synced', onSynced);
  sync();
}

let items$ = null;
// checklist: the patrol checklist, kept on the phone for offline starts.
async function checklist() {
  try {
    items$ ||= api('GET', '/patrol-items').then((r) => { localStorage.setItem('xzPatrolItems', JSON.stringify(r.items)); return r.items; });
    return await items$;
  } catch {
    items$ = null;
    try { return JSON.parse(localStorage.getItem('xzPatrolItems')) || []; } catch { return []; }
  }
}

// detailView: one past (or ongoing) patrol: its summary, its track on the
// offline map, the checklist's results and what it found.
async function detailView(main, id, back) {
  const [r, items] = await Promise.all([api('GET', `/patrols/${encodeURIComponent(id)}`), checklist()]);
  const byId = Object.fromEntries(items.map((i) => [i.id, i]));
  const checks = r.checks?.length ? r.checks : (r.checked || []).map((item_id) => ({ item_id, is_checked: true }));
  const done = checks.filter((c) => c.is_checked).length;
  const dur = ((r.ended_at ? Date.parse(r.ended_at) : Date.now()) - Date.parse(r.started_at)) / 1000;
  const notes = (r.findings || []).filter((f) => f.note && !f.problem_id);
  setHtml(main, html`<h2>巡查记录 #${r.id}</h2>
    <div class="card"><dl class="kv">
      <dt>状态</dt><dd>${r.state === 'in_progress' ? html`<span class="tag green">巡查中</span>` : html`<span class="tag">已结束</span>`}</dd>
      <dt>开始</dt><dd>${fmtTime(r.started_at)}</dd><dt>结束</dt><dd>${r.ended_at ? fmtTime(r.ended_at) : '—'}</dd>
      <dt>时长</dt><dd>${fmtDur(dur)}</dd><dt>里程</dt><dd id="pd-dist">${fmtDist(r.distance_m || 0)}</dd><dt>轨迹点</dt><dd id="pd-pts">${(r.track || []).length} 个</dd>
      <dt>巡查清单</dt><dd>已查 ${done} / ${items.filter((i) => i.is_active !== false).length} 项</dd><dt>发现问题</dt><dd id="pd-probs">${(r.problems || []).length} 件</dd></dl></div>
    <div id="pd-map" class="map small"></div>
    <section class="card"><h3>巡查清单结果</h3>${checks.length ? html`<table class="compact"><thead><tr><th>类别</th><th>项目</th><th>结果</th><th>说明</th></tr></thead><tbody>
      ${html.join(checks.map((c) => html`<tr><td>${esc(byId[c.item_id]?.group || '')}</td><td>${esc(byId[c.item_id]?.name || `#${c.item_id}`)}</td>
        <td>${c.is_checked ? html`<span class="tag green">已查</span>` : html`<span class="tag">未查</span>`}</td><td>${esc(c.note || '')}</td></tr>`), '')}</tbody></table>` : html`<p class="muted">未勾选巡查项目。</p>`}</section>
    <section class="card"><h3>发现的问题</h3>${(r.problems || []).length ? html`<ul class="patrol-problems">${html.join(r.problems.map((q) => html`<li><a href="#/problem/${q.id}">#${q.id}</a> ${esc((q.description || '').slice(0, 40))}</li>`), '')}</ul>` : html`<p class="muted">本次巡查未上报问题。</p>`}
      ${notes.length ? html`<h3>巡查情况</h3><ul>${html.join(notes.map((f) => html`<li>${f.item_id && byId[f.item_id] ? html`${esc(byId[f.item_id].name)}：` : ''}${esc(f.note)}</li>`), '')}</ul>` : ''}</section>
    <div class="actions"><a class="btn" href="${back}">返回</a></div>`);
  try {
    const { cells, shapes } = await loadGrid();
    const el = main.querySelector('#pd-map');
    if (!el) return;
    const m = await gridMap(el, { cells, shapes });
    el.setAttribute('aria-label', '巡查轨迹地图');
    const pts = (r.track || []).map((x) => [x[1], x[0]]);
    if (pts.length) {
      const line = m.L.polyline(pts, { color: '#8b1a1a', weight: 4, className: 'patrol-track' }).addTo(m.map);
      m.L.circleMarker(pts[0], { radius: 6, color: '#fff', weight: 2, fillColor: '#1a9847', fillOpacity: 1 }).bindTooltip('起点').addTo(m.map);
      m.L.circleMarker(pts[pts.length - 1], { radius: 6, color: '#fff', weight: 2, fillColor: '#8b1a1a', fillOpacity: 1 }).bindTooltip('终点').addTo(m.map);
      m.map.fitBounds(line.getBounds(), { padding: [20, 20], maxZoom: 17, animate: false });
    }
    if (can('problem.read')) m.setProblems((r.problems || []).map((q) => ({ ...q, light: null })));
  } catch { main.querySelector('#pd-map')?.classList.add('hidden'); }
}

