// bulletins.test.mjs — in a real browser: the office picks last month,
// composes its bulletin, writes the analysis, publishes it and downloads
// the PDF and XLSX; a unit's contact finds it in the archive and reads it,
// and the office then sees that contact among the readers. The dashboard
// takes a period, shows the figures, and lists the problems behind one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

test('the office composes, publishes and exports a month\'s bulletin; a unit reads it', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/bulletins');
  await page.waitForSelector('#compose');
  await page.selectOption('#compose select[name=kind]', 'month');
  await page.click('#compose-btn');
  await page.waitForSelector('main[data-screen="bulletin"] #b-publish');
  const title = await page.textContent('main h2');
  assert.match(title, /碧湖镇综合执法工作通报（\d{4}年\d{1,2}月）/);
  assert.match(await page.textContent('main'), /按期结案率/);
  await page.fill('#b-analysis textarea', '本月违法建设问题集中，建议开展专项整治。');
  await page.click('#b-analysis button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#b-analysis textarea')?.value.includes('专项整治'));
  await page.click('#b-publish');
  await page.waitForFunction(() => /综合执法通报〔\d{4}〕第1期/.test(document.querySelector('#b-number')?.textContent || ''));
  await shot(page, 'bulletin-office');
  const id = Number((await page.evaluate(() => location.hash)).split('/').pop());
  for (const [sel, type] of [['#b-pdf', 'application/pdf'], ['#b-xlsx', 'spreadsheetml']]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
    assert.ok(await dl.path(), 'downloaded');
    const href = await page.getAttribute(sel, 'href');
    const res = await page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, type: r.headers.get('content-type') }; }, href);
    assert.equal(res.status, 200);
    assert.ok(res.type.includes(type), res.type);
  }
  assert.deepEqual(page.errors, []);

  const unit = await open(browser, h, 'contact');
  await go(unit, '#/bulletins');
  await unit.waitForSelector(`#bulletins tr[data-id="${id}"] a`);
  await unit.click(`#bulletins tr[data-id="${id}"] a`);
  await unit.waitForSelector('#b-number');
  assert.match(await unit.textContent('#b-number'), /第1期/);
  assert.match(await unit.textContent('#b-analysis-text'), /专项整治/);
  assert.equal(await unit.locator('#b-publish').count(), 0, 'a unit cannot publish');
  await shot(unit, 'bulletin-unit');
  assert.deepEqual(unit.errors, []);
  await unit.context().close();

  await go(page, '#/bulletins');
  await go(page, `#/bulletin/${id}`);
  await page.waitForSelector('main h3:has-text("阅读情况")');
  const row = page.locator('tr', { hasText: '派驻' }).filter({ hasNotText: '未读' });
  assert.ok(await row.count() >= 1, 'the contact is shown as having read it');
  await page.context().close();
});

test('the dashboard takes a period and lists the problems behind a figure', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/dashboard');
  await page.waitForSelector('#figs .figure[data-code="reported"]');
  await page.click('#period button[data-p="year"]');
  await page.waitForSelector('#figs .figure[data-code="reported"]');
  const shown = Number((await page.textContent('#figs .figure[data-code="reported"] b')).trim());
  assert.ok(shown > 0);
  await page.click('#figs .figure[data-code="reported"]');
  await page.waitForSelector('#drill-list tbody tr');
  const rows = await page.locator('#drill-list tbody tr').count();
  assert.equal(rows, Math.min(200, shown));
  await page.waitForSelector('#c-heat .leaflet-overlay-pane svg path');
  assert.match(await page.textContent('#hot-top'), /问题最多的网格/);
  await shot(page, 'dashboard-period');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.external, []);
  await page.context().close();
});
