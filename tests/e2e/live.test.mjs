// live.test.mjs — live updates patch the lists instead of downloading them
// again. The grid member's "我的上报" (158 reports in the demo) loads 50 at a
// time with "加载更多" (no silent cap); when the office accepts one of the
// reports, the page changes that card's state from the event, asking the
// server only for that one problem (one row, a few KB), not the whole list.
// The office's queue does the same for a new report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, PHONE } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

// track: the /api/v1/problems requests the page makes from now on, with
// the bytes of each answer as sent (compressed).
function track(page) {
  const seen = [];
  page.on('requestfinished', async (rq) => {
    const u = new URL(rq.url());
    if (!u.pathname.startsWith('/api/v1/problems')) return;
    const sizes = await rq.sizes().catch(() => ({ responseBodySize: 0 }));
    seen.push({ path: u.pathname + u.search, bytes: sizes.responseBodySize });
  });
  return seen;
}

test('"我的上报" pages with the cursor and patches a card from the event', async () => {
  const office = await h.login('office');
  const gridTok = await h.login('grid');
  const grid = await open(browser, h, 'grid', { viewport: PHONE });
  await go(grid, '#/mine');
  await grid.waitForSelector('.pcard');
  const first = await grid.locator('.pcard').count();
  assert.ok(first <= 50, 'the first page only');
  assert.match(await grid.textContent('main'), /加载更多/);
  await grid.click('button[data-more]');
  await grid.waitForFunction((n) => document.querySelectorAll('.pcard').length > n, first);

  const reported = (await h.api('GET', '/api/v1/problems?mine=1&state=reported&limit=1', { token: gridTok })).body.items[0];
  assert.ok(reported, 'the demo grid member has a report waiting');
  await grid.waitForSelector(`.pcard[data-id="${reported.id}"]`);
  const seen = track(grid);
  const r = await h.api('POST', `/api/v1/problems/${reported.id}/actions`, { token: office, body: { action: 'accept' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await grid.waitForFunction((id) => /已受理/.test(document.querySelector(`.pcard[data-id="${id}"] .tag`)?.textContent || ''), reported.id, { timeout: 15000 });
  await grid.waitForTimeout(300);
  assert.ok(seen.length >= 1, 'asked the server');
  for (const s of seen) assert.match(s.path, /limit=1(&|$)/, `only the problem concerned: ${s.path}`);
  const bytes = seen.reduce((a, s) => a + s.bytes, 0);
  assert.ok(bytes < 8 * 1024, `a few KB, not the list again (${bytes} bytes)`);
});

test('the office queue inserts a new report from the event', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/queue');
  await office.waitForSelector('#rows tr[data-id]');
  const seen = track(office);
  const grid = await h.login('grid');
  const r = await h.api('POST', '/api/v1/problems', { token: grid, body: { channel: 'patrol', category: 'CS01', description: '实时增量测试：新上报', lon: 119.85, lat: 28.41 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await office.waitForSelector(`#rows tr[data-id="${r.body.id}"]`, { timeout: 15000 });
  assert.equal(await office.locator('#rows tr[data-id]').first().getAttribute('data-id'), String(r.body.id), 'at the top');
  await office.waitForTimeout(300);
  for (const s of seen.filter((x) => x.path.startsWith('/api/v1/problems?'))) assert.match(s.path, /limit=1(&|$)/, s.path);
});
