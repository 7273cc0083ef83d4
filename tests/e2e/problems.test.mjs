// problems.test.mjs — the closed loop in a real browser. The grid member
// reports on a phone (360×740) with the phone's position and a photo while
// the network drops the first submission: the page says it is retrying and
// the server counts the report once. The office's queue, open all along,
// shows the new problem without reloading (SSE); the office accepts and
// dispatches it to the routed unit; the unit's officer takes and handles it
// with a photo on a phone; the grid member verifies it; the office closes
// it, and the problem's page shows the whole history. The office sees a
// complainant in full only after giving a reason; the unit never sees the
// button. The dashboard draws its charts and hot-spot map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';
import { seedProblems } from './seed.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

const GEO = { longitude: 119.85, latitude: 28.41 };
const DESC = '碧湖村下街12号旁新建彩钢棚，未见规划许可（浏览器测试）';

async function modalSubmit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}

test('report on a phone, accept and dispatch, handle, verify, close — the history on the page', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/queue');
  await office.waitForSelector('#rows');

  // a photo: a real PNG made by the browser itself
  const photo = await office.screenshot({ clip: { x: 0, y: 0, width: 320, height: 200 } });

  // 1. the grid member reports on a phone on a weak signal
  const grid = await open(browser, h, 'grid', { viewport: PHONE, geo: GEO });
  await go(grid, '#/report');
  await grid.waitForFunction(() => document.getElementById('r-lon')?.value === '119.850000');
  await grid.waitForFunction(() => /碧湖村第1网格/.test(document.getElementById('r-cell').textContent));
  assert.equal(await grid.inputValue('#r-ch'), 'patrol', 'channel defaults to patrol');
  await grid.selectOption('#r-top', 'CS');
  await grid.selectOption('#r-cat', 'CS01');
  await grid.fill('#r-desc', DESC);
  await grid.setInputFiles('#r-photo', { name: 'scene.png', mimeType: 'image/png', buffer: photo });
  // the draft survives a reload, with its Idempotency-Key
  const draft = JSON.parse(await grid.evaluate(() => localStorage.getItem('xzReportDraft:grid')));
  assert.equal(draft.description, DESC);
  assert.ok(draft.key.length >= 16);
  await shot(grid, 'grid-report-phone');
  let dropped = 0;
  const keys = [];
  await grid.route('**/api/v1/problems', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(route.request().headers()['idempotency-key']);
    if (dropped++ === 0) {
      // the request reaches the server but the answer is lost on the way back
      await route.fetch();
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  await grid.click('#r-submit');
  await grid.waitForFunction(() => /网络不稳，正在重试/.test(document.getElementById('r-status')?.textContent || ''));
  await shot(grid, 'grid-report-retrying-phone');
  await grid.waitForSelector('.done', { timeout: 20000 });
  assert.equal(keys.length, 2, 'submitted twice');
  assert.equal(keys[0], keys[1], 'with the same Idempotency-Key');
  assert.equal(keys[0], draft.key);
  const id = Number((await grid.textContent('.done a b')).replace('#', ''));
  assert.ok(id > 0);
  assert.equal(await grid.evaluate(() => localStorage.getItem('xzReportDraft:grid')), null, 'draft cleared after the acknowledgement');
  await shot(grid, 'grid-report-done-phone');
  const token = await h.login('office');
  const same = (await h.api('GET', `/api/v1/problems?q=${encodeURIComponent('浏览器测试')}`, { token })).body.items;
  assert.equal(same.length, 1, 'counted once');

  // 2. the office queue shows it without reloading (SSE)
  await office.waitForSelector(`#rows tr[data-id="${id}"]`, { timeout: 15000 });
  assert.match(await office.textContent(`#rows tr[data-id="${id}"]`), /违法建设/);
  await shot(office, 'office-queue');

  // 3. accept and dispatch to the routed unit
  await office.click(`#rows tr[data-id="${id}"] a`);
  await office.waitForSelector('#actions .act-accept');
  assert.match(await office.textContent('main'), /碧湖镇综合行政执法中队/);
  assert.equal(await office.locator('.evidence img').count(), 1, 'the grid member\'s photo');
  assert.ok(await office.evaluate(() => { const i = document.querySelector('.evidence img'); return i.complete && i.naturalWidth > 0; }), 'the photo loads');
  await office.click('#actions .act-accept');
  await modalSubmit(office);
  await office.waitForSelector('#actions .act-dispatch');
  await office.click('#actions .act-dispatch');
  assert.match(await office.locator('#dlg-unit_id option:checked').textContent(), /碧湖镇综合行政执法中队/, 'the routed unit preselected');
  await modalSubmit(office);
  await office.waitForFunction(() => /已派遣/.test(document.querySelector('main h2').textContent));

  // 4. the unit's officer takes and handles it with a photo, on a phone
  const staff = await open(browser, h, 'staff', { viewport: PHONE });
  await go(staff, '#/tasks');
  await staff.waitForSelector(`.pcard[data-id="${id}"] .act-take`);
  await shot(staff, 'staff-tasks-phone');
  await staff.click(`.pcard[data-id="${id}"] .act-take`);
  await modalSubmit(staff);
  await staff.waitForSelector(`.pcard[data-id="${id}"] .act-handle`);
  await staff.click(`.pcard[data-id="${id}"] .act-handle`);
  await staff.fill('#dlg-feedback', '已责令当事人停止建设并自行拆除彩钢棚，现场已恢复原状。');
  await staff.setInputFiles('#dlg-photos', { name: 'after.png', mimeType: 'image/png', buffer: photo });
  await modalSubmit(staff);
  await staff.waitForFunction((pid) => { const c = document.querySelector(`.pcard[data-id="${pid}"]`); return c && /已反馈/.test(c.textContent); }, id);
  // the unit sees no complainant button
  await go(staff, `#/problem/${id}`);
  await staff.waitForSelector('#history');
  assert.equal(await staff.locator('#showrep').count(), 0);

  // 5. the grid member verifies on site
  await go(grid, '#/verify');
  await grid.waitForSelector(`.pcard[data-id="${id}"] .act-verify`);
  await shot(grid, 'grid-verify-phone');
  await grid.click(`.pcard[data-id="${id}"] .act-verify`);
  await grid.selectOption('#dlg-passed', 'true');
  await grid.fill('#dlg-note', '现场复核：彩钢棚已拆除。');
  await modalSubmit(grid);
  await grid.waitForSelector(`.pcard[data-id="${id}"]`, { state: 'detached' });

  // 6. the office closes it; the page shows the whole story
  await office.waitForSelector('#actions .act-close', { timeout: 15000 }); // live refresh of the page
  await office.click('#actions .act-close');
  await modalSubmit(office);
  await office.waitForFunction(() => /已结案/.test(document.querySelector('main h2').textContent));
  const hist = await office.textContent('#history');
  for (const step of ['上报', '受理', '派遣', '签收', '处置反馈', '核查', '结案']) assert.match(hist, new RegExp(step), `history has ${step}`);
  assert.match(hist, /已责令当事人停止建设/);
  assert.match(hist, /碧湖镇网格员/);
  assert.match(hist, /年.*月.*日 \d\d:\d\d/, 'Chinese dates');
  assert.equal(await office.locator('.evidence img').count(), 2, 'report and handling photos');
  await shot(office, 'office-problem-closed');
  // the grid member's list shows it closed
  await go(grid, '#/mine');
  await grid.waitForSelector(`.pcard[data-id="${id}"]`);
  assert.match(await grid.textContent(`.pcard[data-id="${id}"]`), /已结案/);
  await shot(grid, 'grid-mine-phone');
  for (const p of [office, grid, staff]) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); }
});

test('the office sees a complainant in full only with a reason', async () => {
  const token = await h.login('office');
  const r = await h.api('POST', '/api/v1/problems', { token, body: { channel: 'complaint', category: 'SR02', description: '河边倾倒建筑垃圾（投诉）', lon: 119.855, lat: 28.405, reporter: { name: '李秀英', phone: '13905781234' } } });
  assert.equal(r.status, 201);
  const page = await open(browser, h, 'office');
  await go(page, `#/problem/${r.body.id}`);
  await page.waitForSelector('#showrep');
  const masked = await page.textContent('#reporter');
  assert.ok(!masked.includes('李秀英') && !masked.includes('13905781234'), 'masked: ' + masked);
  await page.click('#showrep');
  await page.fill('#dlg-reason', '回访投诉人核实处置结果');
  await modalSubmit(page);
  await page.waitForFunction(() => /李秀英/.test(document.getElementById('reporter').textContent));
  assert.match(await page.textContent('#reporter'), /13905781234/);
  await page.context().close();
});

test('dashboard charts and hot spots; map markers; leader and inbox on a phone', async () => {
  await seedProblems(h, 30);
  // a day and a half later: short acceptance limits are overdue (red), others near (yellow)
  const now = (await h.api('GET', '/api/v1/health')).body.time;
  await h.setClock(new Date(Date.parse(now) + 30 * 3600 * 1000).toISOString());
  const page = await open(browser, h, 'office');
  await go(page, '#/dashboard');
  await page.waitForSelector('#c-heat .leaflet-overlay-pane svg path');
  await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 5);
  assert.match(await page.textContent('#kpi'), /问题总数/);
  assert.ok(await page.locator('#c-heat .leaflet-overlay-pane svg path').count() >= 9);
  assert.match(await page.textContent('main'), /问题最多的网格/);
  await shot(page, 'office-dashboard');
  await go(page, '#/map');
  await page.waitForSelector('#map path.pm');
  assert.ok(await page.locator('#map path.pm').count() >= 30, 'problem markers');
  assert.ok(await page.locator('#map path.pm-red').count() >= 1, 'overdue problems in red');
  await shot(page, 'office-map');
  await page.context().close();

  const leader = await open(browser, h, 'leader', { viewport: PHONE });
  await go(leader, '#/supervise');
  await leader.waitForSelector('#lists h3');
  assert.match(await leader.textContent('main'), /超期问题/);
  assert.match(await leader.textContent('main'), /联合执法待审批/);
  await shot(leader, 'leader-supervise-phone');
  await leader.context().close();

  const grid = await open(browser, h, 'grid', { viewport: PHONE });
  await grid.waitForFunction(() => !document.getElementById('badge').classList.contains('hidden'));
  const unread = Number(await grid.textContent('#badge'));
  assert.ok(unread > 0, 'unread badge');
  await go(grid, '#/inbox');
  await grid.waitForSelector('.inbox li');
  await shot(grid, 'grid-inbox-phone');
  await grid.click('.inbox li.unread [data-read]');
  await grid.waitForFunction((n) => Number(document.getElementById('badge').textContent) === n - 1 || document.getElementById('badge').classList.contains('hidden'), unread);
  await grid.context().close();
});
