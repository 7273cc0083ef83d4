// inbox.test.mjs — a message opens the record it is about (issue 13): the
// notified unit's contact hears of an interactive notice live (the bell
// counts it), opens the inbox and, with one tap on the message, lands on
// that notice, marked; the office opens a new report's problem and an
// invited unit its meeting, at desktop and phone sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser, t, ids;
before(async () => {
  ({ h, browser } = await setup());
  t = {};
  for (const n of ['office', 'leader', 'grid']) t[n] = await h.login(n);
  const q = (s) => Number(h.sql(s));
  ids = {
    town: q("SELECT id FROM regions WHERE code = '331102100'"),
    zf: q("SELECT id FROM units WHERE code = 'ZF-331102100'"), zr: q("SELECT id FROM units WHERE code = 'ZR-331102100'"),
    leaderPerson: q("SELECT person_id FROM users WHERE username = 'leader'"),
  };
});
after(async () => { await browser?.close(); await h?.close(); });

const api = (...a) => h.api(...a);
const badge = (page) => page.evaluate(() => Number(document.getElementById('badge')?.textContent || 0));

async function runningAction() {
  const start = new Date(Date.now() + 3 * 86400e3).toISOString(), end = new Date(Date.now() + 3 * 86400e3 + 8 * 3600e3).toISOString();
  const a = (await api('POST', '/api/v1/joint-actions', { token: t.office, body: { mechanism: 'routine', title: '消息直达联合整治', planned_start: start, planned_end: end,
    township_id: ids.town, participating_units: [ids.zf, ids.zr], lead_unit_id: ids.zf } })).body;
  for (const [who, action] of [['office', 'submit'], ['leader', 'approve'], ['office', 'start']])
    assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/actions`, { token: t[who], body: { action } })).status, 200);
  return a;
}

test('a notice reaches the unit live and one tap opens it', async () => {
  const a = await runningAction();
  const market = await open(browser, h, 'market');
  await go(market, '#/inbox');
  await market.waitForSelector('ul.inbox');
  const before0 = await badge(market);
  const n = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营的小作坊（消息直达）' } })).body;
  assert.ok(n.id, JSON.stringify(n));
  await market.waitForFunction((b) => Number(document.getElementById('badge')?.textContent || 0) > b, before0, { timeout: 3000 });
  await go(market, '#/home');
  await go(market, '#/inbox');
  const item = market.locator('ul.inbox li', { hasText: '消息直达' }).first();
  await item.waitFor();
  assert.match(await item.textContent(), /查看协同通知/);
  await shot(market, 'inbox-notice');
  await item.locator('div').nth(1).click(); // the message's text, not a button
  await market.waitForSelector(`main[data-screen="notices"] [data-nid="${n.id}"].spotlight`);
  assert.equal(await market.evaluate(() => location.hash), `#/notices/${n.id}`);
  await shot(market, 'inbox-notice-opened');
  // opened is read
  const items = (await api('GET', '/api/v1/inbox?limit=50', { token: await h.login('market') })).body.items;
  assert.ok(items.find((x) => x.record_id === n.id && x.record_kind === 'joint_notice').read_at, 'marked read');
  assert.deepEqual(market.errors, []);
});

test('on a phone: the office opens a new report, an invited unit its meeting', async () => {
  const p = (await api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '河道边堆放建筑垃圾（消息直达）', lon: 119.845, lat: 28.405 } })).body;
  const office = await open(browser, h, 'office', { viewport: PHONE });
  await go(office, '#/inbox');
  const msg = office.locator('ul.inbox li', { hasText: '消息直达' }).first();
  await msg.waitFor();
  await msg.locator('button[data-open]').click();
  await office.waitForSelector('main[data-screen="problem"]');
  assert.equal(await office.evaluate(() => location.hash), `#/problem/${p.id}`);

  const m = await api('POST', '/api/v1/meetings', { token: t.office, body: { township_id: ids.town, kind: 'regular', title: '消息直达联席会议',
    starts_at: new Date(Date.now() + 2 * 86400e3).toISOString(), place: '镇政府会议室', chair_person_id: ids.leaderPerson, agenda: [{ title: '议题一' }], invited_unit_ids: [ids.zf] } });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, '#/inbox');
  const inv = contact.locator('ul.inbox li', { hasText: '消息直达联席会议' }).first();
  await inv.waitFor();
  await shot(contact, 'inbox-meeting-phone');
  assert.match(await inv.locator('.tag').textContent(), /联席会议/, 'the kind in words, not its code');
  await inv.click();
  await contact.waitForSelector('main[data-screen="meeting"]');
  assert.equal(await contact.evaluate(() => location.hash), `#/meeting/${m.body.id}`);
  await contact.waitForFunction(() => /消息直达联席会议/.test(document.querySelector('main').textContent));
  assert.deepEqual([...office.errors, ...contact.errors], []);
});
