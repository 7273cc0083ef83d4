// offline.test.mjs — a grid member on a phone in a village without signal.
// The report form, with a photo attached, is reloaded while offline: the
// application opens (the service worker's shell, not the browser's error
// page) with the draft and its photo (kept in IndexedDB, resized on the
// phone). Submitted offline it waits in the outbox, which the header
// counts; when the signal returns the outbox sends it by itself, and the
// server has exactly one problem with exactly one photo. A photo upload
// whose answer is lost is retried with the same Idempotency-Key and stored
// once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser, office;
before(async () => { ({ h, browser } = await setup()); office = await h.login('office'); });
after(async () => { await browser?.close(); await h?.close(); });

const GEO = { longitude: 119.85, latitude: 28.41 };

// a big photo (2400×1800 PNG) drawn by the browser itself
async function bigPhoto(page) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 2400; c.height = 1800;
    const g = c.getContext('2d');
    for (let i = 0; i < 40; i++) { g.fillStyle = `hsl(${i * 9}, 70%, 50%)`; g.fillRect(i * 60, 0, 60, 1800); }
    g.fillStyle = '#fff'; g.font = '160px sans-serif'; g.fillText('现场照片', 600, 900);
    return c.toDataURL('image/png').split(',')[1];
  });
  return Buffer.from(b64, 'base64');
}

async function fillReport(page, desc) {
  await go(page, '#/report');
  await page.waitForFunction(() => document.getElementById('r-lon')?.value === '119.850000');
  await page.selectOption('#r-top', 'CS');
  await page.selectOption('#r-cat', 'CS01');
  await page.fill('#r-desc', desc);
}

async function problemsLike(desc) {
  const r = await h.api('GET', `/api/v1/problems?q=${encodeURIComponent(desc)}`, { token: office });
  return r.body.items;
}

test('reload offline: the application, the draft and its photo; submitted offline, sent when the signal returns, once', async () => {
  const DESC = '离线上报：碧湖村后山违规堆放建筑垃圾（离线测试）';
  const grid = await open(browser, h, 'grid', { viewport: PHONE, geo: GEO, sw: true });
  await grid.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 15000 });
  await fillReport(grid, DESC);
  const photo = await bigPhoto(grid);
  await grid.setInputFiles('#r-photo', { name: 'scene.png', mimeType: 'image/png', buffer: photo });
  await grid.waitForSelector('#r-preview:not(.hidden)');
  // resized on the phone: a JPEG of at most 1,600 px, the original's hash kept
  const kept = await grid.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('xz');
    rq.onsuccess = () => { const g = rq.result.transaction('photos').objectStore('photos').getAll(); g.onsuccess = () => resolve(g.result.map((p) => ({ type: p.type, w: p.width, h: p.height, size: p.size, original_size: p.original_size, sha: p.original_sha256, key: p.key }))); };
  }));
  assert.equal(kept.length, 1);
  assert.equal(kept[0].type, 'image/jpeg');
  assert.equal(Math.max(kept[0].w, kept[0].h), 1600);
  assert.ok(kept[0].size < kept[0].original_size, 'smaller than the original');
  assert.match(kept[0].sha, /^[0-9a-f]{64}$/);
  assert.ok(kept[0].key.length >= 16, 'the photo has its own Idempotency-Key');

  // no signal: reload — the application, not the browser's error page
  await grid.context().setOffline(true);
  await grid.reload();
  await grid.waitForSelector('header .who', { state: 'attached', timeout: 15000 });
  await grid.waitForSelector('main[data-screen="report"] #r-desc');
  assert.match(await grid.textContent('header'), /离线/);
  assert.equal(await grid.inputValue('#r-desc'), DESC, 'the draft is there');
  assert.equal(await grid.inputValue('#r-cat'), 'CS01');
  await grid.waitForSelector('#r-preview:not(.hidden)');
  assert.match(await grid.getAttribute('#r-preview', 'src'), /^blob:/, 'and its photo');
  assert.ok(await grid.evaluate(() => document.getElementById('r-preview').naturalWidth === 1600), 'the photo is the resized one');
  assert.match(await grid.textContent('#r-photo-info'), /已选照片/);
  await shot(grid, 'offline-draft-phone');

  // submitted offline: kept in the outbox, counted in the header
  await grid.click('#r-submit');
  await grid.waitForSelector('.warn-big');
  assert.match(await grid.textContent('.done'), /网络恢复后自动发送/);
  await grid.waitForSelector('#outbox-n:not(.hidden)');
  assert.equal((await grid.textContent('#outbox-n')).trim(), '待发送 1');
  await shot(grid, 'offline-outbox-phone');
  assert.equal((await problemsLike('离线测试')).length, 0, 'nothing reached the server');

  // the signal returns: the outbox sends it without a tap
  await grid.context().setOffline(false);
  await grid.waitForSelector('#outbox-n.hidden', { state: 'attached', timeout: 20000 });
  const got = await problemsLike('离线测试');
  assert.equal(got.length, 1, 'exactly one problem');
  const p = (await h.api('GET', `/api/v1/problems/${got[0].id}`, { token: office })).body;
  assert.equal(p.description, DESC);
  assert.equal(p.evidence.length, 1, 'exactly one photo');
  assert.equal(p.evidence[0].mime, 'image/jpeg');
  assert.equal(await grid.evaluate(() => localStorage.getItem('xzReportDraft:grid')), null, 'no draft left');
  assert.deepEqual(grid.errors, []);
});

test('a photo upload whose answer is lost is retried with the same key and stored once', async () => {
  const DESC = '照片回执丢失：碧湖村村道占道经营（幂等测试）';
  const grid = await open(browser, h, 'grid', { viewport: PHONE, geo: GEO });
  await fillReport(grid, DESC);
  await grid.setInputFiles('#r-photo', { name: 'scene.png', mimeType: 'image/png', buffer: await bigPhoto(grid) });
  await grid.waitForSelector('#r-preview:not(.hidden)');
  const keys = [];
  let dropped = 0;
  await grid.route('**/api/v1/problems/*/evidence', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (dropped++ === 0) { await route.fetch(); return route.abort('internetdisconnected'); }
    return route.continue();
  });
  await grid.click('#r-submit');
  await grid.waitForSelector('.ok-big', { timeout: 20000 });
  assert.equal(keys.length, 2, 'uploaded twice');
  assert.equal(keys[0], keys[1], 'with the same Idempotency-Key');
  assert.ok(keys[0].length >= 16);
  const got = await problemsLike('幂等测试');
  assert.equal(got.length, 1);
  const p = (await h.api('GET', `/api/v1/problems/${got[0].id}`, { token: office })).body;
  assert.equal(p.evidence.length, 1, 'stored once');
});
