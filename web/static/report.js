// report.js — "上报问题": the grid member's report form, made for a phone on
// a weak mountain signal. The draft (category, description, position,
// channel, reporter) is saved in localStorage at every keystroke, its
// photo in IndexedDB (resized on the phone, outbox.js), both until the
// server acknowledges them. The draft's Idempotency-Key is made once, so a
// report retried after a lost answer is counted once; each photo has its
// own key. Submitting moves the draft into the outbox, which sends it at
// once when there is a signal, or when the signal returns; the form lists
// what is still waiting.
import { api, esc, state, has, toast, categories, randomId, CHANNEL_LABEL, loadLeaflet, html, setHtml, addHtml } from './core.js';
import { loadGrid, gridMap } from './map.js';
import { addPhoto, photosOf, removePhotos, enqueue, sendItem, pending, flush, discard } from './outbox.js';

const draftKey = () => 'xzReportDraft:' + state.me.username;
const loadDraft = () => { try { return JSON.parse(localStorage.getItem(draftKey())) || null; } catch { return null; } };
const saveDraft = (d) => localStorage.setItem(draftKey(), JSON.stringify(d));
const clearDraft = () => localStorage.removeItem(draftKey());
// The patrol in progress on this phone (patrol.js keeps it under this
// key): a finding reported from it is linked to it (patrol_id) and starts
// at the patrol's last position.
const patrolKey = () => 'xzPatrol:' + state.me.username;
function patrolContext() {
  const want = /[?&]patrol=(\d+)/.exec(location.hash)?.[1];
  let p = null;
  try { p = JSON.parse(localStorage.getItem(patrolKey())); } catch {}
  return want && p && String(p.id) === want ? p : null;
}
const transient = (e) => e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
const kb = (n) => `${Math.max(1, Math.round(n / 1024))} KB`;

export async function reportView(main) {
  const cats = await categories();
  let d = loadDraft();
  if (!d) d = { key: randomId(), channel: has('grid') ? 'patrol' : 'complaint', top: '', category: '', description: '', lon: '', lat: '', address: '', reporter_name: '', reporter_phone: '' };
  const patrol = patrolContext();
  if (patrol && d.patrol_id !== patrol.id) {
    d.patrol_id = patrol.id; d.channel = 'patrol';
    if (patrol.last) { d.lon = Number(patrol.last[0]).toFixed(6); d.lat = Number(patrol.last[1]).toFixed(6); d.from_patrol = true; }
  } else if (!patrol && d.patrol_id) { delete d.patrol_id; delete d.from_patrol; }
  saveDraft(d);
  setHtml(main, html`<h2>上报问题</h2>
    <form id="report" class="card report" novalidate>
      ${patrol ? html`<p class="patrol-link" id="r-patrol">巡查发现：将关联到正在进行的巡查（${esc(patrol.cell_name || '')}），位置取自巡查轨迹。<a href="#/patrol">返回巡查</a></p>` : ''}
      <div id="r-outbox" class="outbox hidden" aria-live="polite"></div>
      <label for="r-top">问题类别</label>
      <div class="row2"><select id="r-top" name="top" required aria-label="问题大类"><option value="">选择大类</option>${html.join(cats.map((c) => html`<option value="${esc(c.code)}">${esc(c.name)}</option>`), '')}</select>
      <select id="r-cat" name="category" required aria-label="问题小类"><option value="">选择小类</option></select></div>
      <label for="r-desc">问题描述</label>
      <textarea id="r-desc" name="description" rows="4" required placeholder="时间、地点、现场情况"></textarea>
      <label for="r-photo">现场照片</label>
      <div class="row2"><label class="btn upload photo-btn">拍照或选择照片<input id="r-photo" name="photo" type="file" accept="image/*" capture="environment" class="hidden-input"></label>
      <button type="button" class="btn hidden" id="r-photo-del">移除照片</button></div>
      <div id="r-photo-info" class="muted" aria-live="polite"></div><img id="r-preview" class="preview hidden" alt="现场照片预览">
      <span class="label">位置</span>
      <div id="r-geo" class="muted">正在获取定位…</div>
      <div class="row2"><input id="r-lon" name="lon" inputmode="decimal" placeholder="经度" aria-label="经度"><input id="r-lat" name="lat" inputmode="decimal" aria-label="纬度" placeholder="纬度"></div>
      <div class="row2"><button type="button" class="btn" id="r-locate">重新定位</button><button type="button" class="btn" id="r-mapbtn">使用地图中心</button></div>
      <div id="r-map" class="map small hidden"></div>
      <div id="r-cell" class="muted"></div>
      <label for="r-addr">地址（无定位时必填）</label>
      <input id="r-addr" name="address" placeholder="如：碧湖镇碧湖村下街12号旁">
      <label for="r-ch">来源渠道</label>
      <select id="r-ch" name="channel">${html.join(Object.entries(CHANNEL_LABEL).map(([k, v]) => html`<option value="${k}">${v}</option>`), '')}</select>
      <div id="r-rep" class="${d.channel === 'complaint' ? '' : 'hidden'}"><div class="row2"><input name="reporter_name" placeholder="举报人姓名" aria-label="举报人姓名"><input name="reporter_phone" aria-label="联系电话" inputmode="tel" placeholder="联系电话"></div></div>
      <div id="r-dup" class="dup hidden"></div>
      <div id="r-status" class="status" role="status"></div>
      <button class="primary" type="submit" id="r-submit">提交上报</button>
      <p class="muted small">表单内容自动保存在本机，网络中断也不会丢失；提交成功后清除。</p>
    </form>`);
  const form = main.querySelector('#report');
  const el = (n) => form.elements[n];
  const status = main.querySelector('#r-status');
  const setStatus = (t, kind = '') => { status.textContent = t; status.className = 'status ' + kind; };
  const fillSub = () => {
    const top = cats.find((c) => c.code === el('top').value);
    setHtml(el('category'), html`${html`<option value="">选择小类</option>` }${ html.join((top?.children || []).map((k) => html`<option value="${esc(k.code)}">${esc(k.name)}</option>`), '')}`);
  };
  // restore the draft
  if (!d.top && d.category) d.top = cats.find((c) => c.children?.some((k) => k.code === d.category))?.code || '';
  el('top').value = d.top || ''; fillSub(); el('category').value = d.category || '';
  for (const k of ['description', 'lon', 'lat', 'address', 'channel', 'reporter_name', 'reporter_phone']) el(k).value = d[k] ?? '';

  // the draft's photo, kept in IndexedDB
  const preview = async () => {
    const img = main.querySelector('#r-preview'), info = main.querySelector('#r-photo-info');
    const [ph] = await photosOf(d.key);
    if (img.src) URL.revokeObjectURL(img.src);
    if (ph) {
      img.src = URL.createObjectURL(ph.blob); img.classList.remove('hidden');
      info.textContent = `已选照片：${ph.name}（${kb(ph.size)}${ph.size < ph.original_size ? `，原图 ${kb(ph.original_size)} 已在本机压缩` : ''}）`;
    } else { img.removeAttribute('src'); img.classList.add('hidden'); info.textContent = ''; }
    main.querySelector('#r-photo-del').classList.toggle('hidden', !ph);
  };
  preview();
  main.querySelector('#r-photo-del').addEventListener('click', async () => { await removePhotos(d.key); preview(); });
  showOutbox(main);
  const onOutbox = () => { if (document.body.contains(form)) showOutbox(main); else window.removeEventListener('xz:outbox', onOutbox); };
  window.addEventListener('xz:outbox', onOutbox);
  const persist = () => {
    for (const k of ['top', 'category', 'description', 'lon', 'lat', 'address', 'channel', 'reporter_name', 'reporter_phone']) d[k] = el(k).value;
    saveDraft(d);
  };
  form.addEventListener('input', persist);
  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'top') fillSub();
    if (ev.target.name === 'channel') main.querySelector('#r-rep').classList.toggle('hidden', el('channel').value !== 'complaint');
    if (ev.target.name === 'photo') {
      const f = ev.target.files[0];
      if (f) {
        main.querySelector('#r-photo-info').textContent = '正在压缩照片…';
        addPhoto(d.key, f).then(preview, (e) => { main.querySelector('#r-photo-info').textContent = '照片保存失败：' + e.message; });
      }
    }
    persist();
    if (['category', 'lon', 'lat'].includes(ev.target.name)) { locate(); duplicates(); }
  });

  // position: the phone's GPS, manual fields, or the map centre
  const geo = main.querySelector('#r-geo');
  const setPos = (lon, lat, how) => {
    el('lon').value = Number(lon).toFixed(6); el('lat').value = Number(lat).toFixed(6);
    geo.textContent = how; persist(); locate(); duplicates();
  };
  const gps = () => {
    if (!navigator.geolocation) { geo.textContent = '本机不支持定位，请手动填写经纬度或使用地图中心。'; return; }
    geo.textContent = '正在获取定位…';
    navigator.geolocation.getCurrentPosition(
      (pos) => setPos(pos.coords.longitude, pos.coords.latitude, `已定位（精度约 ${Math.round(pos.coords.accuracy || 0)} 米）`),
      (err) => { geo.textContent = err.code === 1 ? '未获得定位权限，请手动填写经纬度或使用地图中心。' : '定位失败，请手动填写经纬度或使用地图中心。'; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  };
  async function locate() {
    const out = main.querySelector('#r-cell');
    if (!el('lon').value || !el('lat').value) { out.textContent = ''; return; }
    try {
      const r = await api('GET', `/grid/locate?lon=${encodeURIComponent(el('lon').value)}&lat=${encodeURIComponent(el('lat').value)}`);
      setHtml(out, html`位于 <b>${esc(r.township_name)} ${esc(r.village_name || '')} ${esc(r.cell_name || '')}</b>`);
    } catch (e) { out.textContent = e.code === 'outside_grid' ? '该位置不在任何网格内，请核对或填写地址。' : ''; }
  }
  async function duplicates() {
    const box = main.querySelector('#r-dup');
    if (!el('category').value || !el('lon').value) { box.classList.add('hidden'); return; }
    try {
      const r = await api('GET', `/problems/duplicates?category=${encodeURIComponent(el('category').value)}&lon=${el('lon').value}&lat=${el('lat').value}`);
      box.classList.toggle('hidden', !r.items.length);
      setHtml(box, html`<b>附近已有同类问题（${r.items.length}）</b>，如为同一问题可不必重复上报：<ul>${html.join(r.items.slice(0, 5).map((p) => html`<li><a href="#/problem/${p.id}">#${p.id}</a> ${esc((p.description || '').slice(0, 30))}</li>`), '')}</ul>`);
    } catch { box.classList.add('hidden'); }
  }
  main.querySelector('#r-locate').addEventListener('click', gps);
  let picker = null;
  main.querySelector('#r-mapbtn').addEventListener('click', async () => {
    const box = main.querySelector('#r-map');
    if (!picker) {
      box.classList.remove('hidden');
      await loadLeaflet();
      const { cells, shapes } = await loadGrid();
      picker = await gridMap(box, { cells, shapes });
      if (el('lon').value && el('lat').value) picker.map.setView([Number(el('lat').value), Number(el('lon').value)], 15);
      addHtml(box, 'beforeend', html`<div class="crosshair"></div>`);
      picker.map.on('moveend', () => { const c = picker.map.getCenter(); setPos(c.lng, c.lat, '已使用地图中心位置（拖动地图调整）'); });
    }
    const c = picker.map.getCenter();
    setPos(c.lng, c.lat, '已使用地图中心位置（拖动地图调整）');
  });
  if (!d.lon) gps(); else { geo.textContent = d.from_patrol ? '使用巡查轨迹的当前位置' : '使用草稿中的位置'; locate(); duplicates(); }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    persist();
    if (!d.category) return setStatus('请选择问题类别', 'bad');
    if (!d.description.trim()) return setStatus('请填写问题描述', 'bad');
    const lon = d.lon === '' ? null : Number(d.lon), lat = d.lat === '' ? null : Number(d.lat);
    if ((lon === null || lat === null || isNaN(lon) || isNaN(lat)) && !d.address.trim()) return setStatus('请提供位置（定位、经纬度或地址）', 'bad');
    const btn = main.querySelector('#r-submit');
    btn.disabled = true;
    const body = { channel: d.channel, category: d.category, description: d.description.trim() };
    if (lon !== null && lat !== null && !isNaN(lon) && !isNaN(lat)) { body.lon = lon; body.lat = lat; }
    if (d.address.trim()) body.address = d.address.trim();
    if (d.channel === 'complaint' && (d.reporter_name || d.reporter_phone)) body.reporter = { name: d.reporter_name.trim(), phone: d.reporter_phone.trim() };
    if (d.patrol_id) {
      body.patrol_id = d.patrol_id;
      // the patrol counts its findings on this phone
      try { const p = JSON.parse(localStorage.getItem(patrolKey())); if (p?.id === d.patrol_id && !p.finding_keys?.includes(d.key)) { (p.finding_keys ||= []).push(d.key); localStorage.setItem(patrolKey(), JSON.stringify(p)); } } catch {}
    }
    // the draft (and its photo) move into the outbox until acknowledged
    const item = await enqueue(d.key, body);
    clearDraft();
    const queued = (why) => {
      setHtml(main, html`<h2 tabindex="-1">上报问题</h2><div class="card done"><p class="warn-big">已保存，等待发送</p><p>${esc(why)}网络恢复后自动发送，无需再次提交；发送前请勿清除浏览器数据。</p>
        <div class="actions">${body.patrol_id ? html`<a class="btn" href="#/patrol">返回巡查</a>` : html`<button class="btn" id="again">继续上报</button>`}</div></div>`);
      main.querySelector('#again')?.addEventListener('click', () => reportView(main));
      main.querySelector('h2').focus();
    };
    if (navigator.onLine === false || state.offline) return queued('当前没有网络。');
    try {
      const id = await sendItem(item, { onStatus: setStatus });
      setHtml(main, html`<h2 tabindex="-1">上报问题</h2><div class="card done"><p class="ok-big">上报成功</p><p>问题编号 <a href="#/problem/${id}"><b>#${id}</b></a>，可在“我的上报”中查看办理进度。</p>
        <div class="actions"><a class="btn" href="#/problem/${id}">查看详情</a>${body.patrol_id ? html`<a class="btn" href="#/patrol">返回巡查</a>` : html`<button class="btn" id="again">继续上报</button>`}</div></div>`);
      main.querySelector('#again')?.addEventListener('click', () => reportView(main));
      main.querySelector('h2').focus();
      toast(`已上报 #${id}`);
    } catch (e) {
      if (transient(e)) return queued(item.problem_id ? `问题 #${item.problem_id} 已上报，照片尚未上传完成。` : '网络不稳，暂未发送成功。');
      // refused: back to the draft, to be corrected
      const left = (await pending()).find((x) => x.key === d.key);
      if (left && !left.problem_id) { saveDraft(d); await discard(d.key, { keepPhotos: true }); }
      setStatus(e.message, 'bad');
      btn.disabled = false;
    }
  });
}

// showOutbox: the reports waiting to be sent, on the form.
async function showOutbox(main) {
  const box = main.querySelector('#r-outbox');
  if (!box) return;
  const items = (await pending()).filter((x) => x.kind !== 'call'); // a patrol's calls: patrol.js
  box.classList.toggle('hidden', !items.length);
  if (!items.length) { box.textContent = ''; return; }
  setHtml(box, html`<b>待发送的上报（${items.length}）</b>：网络恢复后自动发送。<ul>${html.join(items.map((x) => html`<li>${esc((x.body.description || '').slice(0, 24))}${x.problem_id ? `（已上报 #${x.problem_id}，照片待上传）` : '（等待网络）'}${x.error ? html`<span class="small"> · ${esc(x.error)}</span>` : ''}${x.error && x.tries > 2 ? html` <button type="button" class="btn small" data-discard="${esc(x.key)}">删除</button>` : ''}</li>`), '')}</ul>
    <button type="button" class="btn small" id="r-flush">立即发送</button>`);
  box.querySelectorAll('[data-discard]').forEach((b) => b.addEventListener('click', () => { if (confirm('删除这件未发送的上报？')) discard(b.dataset.discard); }));
  box.querySelector('#r-flush').addEventListener('click', () => flush());
}
