// patrol.test.mjs — a grid member patrols their cell with a phone (R3.3):
// starts a patrol, ticks the checklist, walks (the phone's location moves),
// reports a finding through the report form (placed at the patrol's last
// position, linked to it), loses the signal for a moment (the positions
// and ticks wait in the outbox) and gets it back, stops; the server then
// has the track, the ticks and the finding, each once, and the office sees
// the patrol with its track on the map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser, office;
before(async () => { ({ h, browser } = await setup()); office = await h.login('office'); });
after(async () => { await browser?.close(); await h?.close(); });

const START = { longitude: 119.845, latitude: 28.405 };
const outboxCalls = (page) => page.evaluate(() => new Promise((resolve) => {
  const rq = indexedDB.open('xz');
  rq.onsuccess = () => { const g = rq.result.transaction('outbox').objectStore('outbox').getAll(); g.onsuccess = () => resolve(g.result.filter((x) => x.kind === 'call').map((x) => x.path)); };
}));

test('a grid member records a patrol on a phone: checklist, track, a finding, a moment offline, the stop; the office sees it', async () => {
  const grid = await open(browser, h, 'grid', { viewport: PHONE, geo: START });
  const ctx = grid.context();
  await go(grid, '#/patrol');
  await grid.waitForSelector('#pt-go');
  await grid.waitForFunction(() => /当前位置/.test(document.getElementById('pt-where')?.textContent || ''));
  await grid.click('#pt-go');
  await grid.waitForSelector('.patrol-live');
  const id = await grid.evaluate(() => JSON.parse(localStorage.getItem('xzPatrol:grid')).id);
  assert.ok(id > 0);

  // the checklist
  const boxes = grid.locator('[data-item]');
  const items = await boxes.evaluateAll((bs) => bs.map((b) => Number(b.dataset.item)));
  assert.ok(items.length >= 6, 'the checklist is shown');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await grid.waitForFunction(() => /已查 2 \//.test(document.getElementById('pt-done').textContent));

  // walking east: every ~100 m a position
  const walk = async (i) => { await ctx.setGeolocation({ longitude: START.longitude + i * 0.001, latitude: START.latitude }); await grid.waitForFunction((n) => JSON.parse(localStorage.getItem('xzPatrol:grid')).track.length >= n, i + 1); await grid.waitForTimeout(1050); };
  for (let i = 1; i <= 3; i++) await walk(i);
  assert.match(await grid.textContent('#pt-pts'), /4 个/);
  await grid.waitForSelector('#pt-map path.patrol-track', { state: 'attached' });
  await shot(grid, 'patrol-live-phone');

  // a finding: the report form at the patrol's position, linked to it
  await grid.click('#pt-report');
  await grid.waitForSelector('#r-patrol');
  assert.equal(await grid.inputValue('#r-lon'), '119.848000');
  assert.equal(await grid.inputValue('#r-lat'), '28.405000');
  await grid.selectOption('#r-top', 'CS');
  await grid.selectOption('#r-cat', 'CS01');
  await grid.fill('#r-desc', '巡查发现：村道旁新建简易棚（巡查测试）');
  await grid.click('#r-submit');
  await grid.waitForSelector('.ok-big');
  await grid.click('.done a[href="#/patrol"]');
  await grid.waitForSelector('.patrol-live');
  await grid.waitForFunction(() => /^1 件/.test(document.getElementById('pt-find').textContent));
  await walk(4);

  // the signal drops: positions and ticks wait in the outbox
  await ctx.setOffline(true);
  await grid.waitForFunction(() => navigator.onLine === false);
  await boxes.nth(2).check();
  await walk(5);
  await walk(6);
  await grid.waitForFunction(() => /待发送/.test(document.getElementById('pt-sync').textContent));
  const waiting = await outboxCalls(grid);
  assert.ok(waiting.includes(`/patrols/${id}/checks`), `the tick waits: ${waiting}`);
  assert.ok(waiting.includes(`/patrols/${id}/track`), `positions wait: ${waiting}`);
  await shot(grid, 'patrol-offline-phone');

  // the signal returns: everything is sent by itself
  await ctx.setOffline(false);
  await grid.waitForFunction(() => /已同步/.test(document.getElementById('pt-sync').textContent), null, { timeout: 20000 });
  assert.deepEqual(await outboxCalls(grid), []);

  // stop: the summary, confirmed by the server
  await grid.click('#pt-stop');
  await grid.waitForSelector('#pt-summary');
  await grid.waitForFunction(() => /已同步到平台/.test(document.getElementById('pt-synced')?.textContent || ''), null, { timeout: 20000 });
  const summary = await grid.textContent('#pt-summary');
  assert.match(summary, /已查 3 \//);
  assert.match(summary, /发现问题1 件/);
  assert.match(summary, /轨迹点7 个/);
  await shot(grid, 'patrol-summary-phone');
  assert.equal(await grid.evaluate(() => localStorage.getItem('xzPatrol:grid')), null, 'no patrol left on the phone');

  // the server has the track, the ticks and the finding, once each
  const p = (await h.api('GET', `/api/v1/patrols/${id}`, { token: office })).body;
  assert.equal(p.state, 'done');
  assert.equal(p.track.length, 7);
  assert.deepEqual(p.track.map((x) => Math.round((x[0] - START.longitude) * 1000)), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(p.distance_m > 550 && p.distance_m < 620, `distance ${p.distance_m}`);
  assert.deepEqual(p.checks.filter((c) => c.is_checked).map((c) => c.item_id).sort(), items.slice(0, 3).sort());
  assert.equal(p.problems.length, 1);
  assert.match(p.problems[0].description, /巡查测试/);
  assert.equal(p.problems[0].lon, 119.848);

  // the office sees it, with its track on the map
  const off = await open(browser, h, 'office', { viewport: PHONE });
  await go(off, '#/patrols');
  await off.click(`a[href="#/patrols/${id}"]`);
  await off.waitForSelector('#pd-map path.patrol-track', { state: 'attached' });
  assert.match(await off.textContent('main'), /巡查测试/);
  assert.match(await off.textContent('#pd-pts'), /7 个/);
  await shot(off, 'patrol-office-phone');
  assert.deepEqual(grid.errors, []);
  assert.deepEqual(off.errors, []);
  assert.deepEqual([...grid.external, ...off.external], [], 'nothing fetched from the internet');
});
