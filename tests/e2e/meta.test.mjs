// meta.test.mjs — the web takes its words and its screens from the server.
// Labels of states, actions and notification kinds come from
// GET /api/v1/meta/labels (the built-in tables stand while it answers 404);
// the screens follow the permissions /me sends (today's role lists while it
// sends none). The server's answers are stood in for here with routes, so
// the test holds before and after those endpoints exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

const LABELS = {
  machines: { problem: { states: { reported: '待受理·服', accepted: '已受理·服' }, actions: { accept: '受理·服' } }, joint_action: { states: { draft: '草稿·服' }, actions: {} } },
  channels: { patrol: '巡查·服' }, roles: { office: '执法办·服' }, notification_kinds: { deadline_near: '临期·服' },
};

test('labels from the server: queue tabs, roles, inbox kinds; the tables when it has none', async () => {
  // a deadline warning as the scheduler writes it
  h.sql(`INSERT INTO notifications (user_id, kind, title, body, problem_id, created_at) SELECT id, 'deadline_near', '问题临近期限', '问题 #1（in_hand）', 1, ${Math.floor(Date.now() / 1000)} FROM users WHERE username = 'office'`);
  const page = await open(browser, h, 'office');
  await page.route('**/api/v1/meta/labels', (r) => r.fulfill({ json: LABELS }));
  await page.reload();
  await page.waitForSelector('header .who');
  assert.match(await page.textContent('header .who'), /执法办·服/);
  await go(page, '#/queue');
  await page.waitForSelector('#tabs a[data-state="reported"]');
  assert.match(await page.textContent('#tabs'), /待受理·服/);
  await go(page, '#/inbox');
  await page.waitForSelector('ul.inbox');
  assert.match(await page.textContent('ul.inbox'), /临期·服/);
  await page.context().close();

  const plain = await open(browser, h, 'office');
  await go(plain, '#/inbox');
  await plain.waitForSelector('ul.inbox');
  const text = await plain.textContent('ul.inbox');
  assert.match(text, /临近期限/, 'the built-in label while the server has none');
  assert.match(text, /（处置中）/, 'the state named in the message, in words');
  assert.doesNotMatch(text, /deadline_near|in_hand/);
  await plain.context().close();
});

test('screens follow the permissions /me sends', async () => {
  const page = await open(browser, h, 'office');
  await page.route('**/api/v1/me', async (r) => {
    const res = await r.fetch();
    const me = await res.json();
    me.permissions = ['problem.read', 'problem.report', 'problem.office', 'grid.read', 'unit.read', 'region.read', 'self'];
    return r.fulfill({ response: res, json: me });
  });
  await page.reload();
  await page.waitForSelector('nav');
  const nav = await page.textContent('nav');
  for (const t of ['问题受理', '上报问题', '网格地图']) assert.ok(nav.includes(t), `sees ${t}`);
  for (const t of ['统计分析', '督办与审批', '人员与执法资格', '网格管理']) assert.ok(!nav.includes(t), `does not see ${t} without its permission`);
  await page.context().close();
});

test('the administrator is not shown data its role cannot read', async () => {
  const page = await open(browser, h, 'admin');
  const nav = await page.textContent('nav');
  assert.ok(!nav.includes('问题受理'));
  await go(page, '#/map');
  await page.waitForSelector('#map .leaflet-overlay-pane svg path');
  await go(page, '#/dashboard');
  await page.waitForSelector('#c-state canvas');
  await page.waitForTimeout(300);
  assert.doesNotMatch(await page.textContent('main'), /无权执行此操作/);
  assert.equal(await page.locator('#c-heat').count(), 0, 'no hot-spot map built from problems it cannot read');
  await page.context().close();
});
