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

test('one escaping helper: html`` escapes what it is given, setHtml takes nothing else, no other innerHTML', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { ROOT } = await import('../api/lib.mjs');
  const dir = `${ROOT}/web/static`;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    const lines = readFileSync(`${dir}/${f}`, 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(|document\.write/.test(l) && !(f === 'core.js' && /^export function (setHtml|addHtml)/.test(l)))
        assert.fail(`${f}:${i + 1} writes HTML without the helper: ${l.trim()}`);
    });
  }
  const page = await open(browser, h, 'grid');
  const r = await page.evaluate(async () => {
    const core = await import(document.querySelector('link[rel=modulepreload]').href);
    const { html, setHtml, esc } = core;
    const evil = '<img src=x onerror="alert(1)">&';
    const el = document.createElement('div');
    setHtml(el, html`<p title="${evil}">${evil}</p>${[html`<b>${evil}</b>`, evil]}${null}${false}${esc(evil)}`);
    let threw = false;
    try { setHtml(el.appendChild(document.createElement('span')), '<b>plain string</b>'); } catch { threw = true; }
    return { imgs: el.querySelectorAll('img').length, text: el.querySelector('p').textContent, title: el.querySelector('p').title, bold: el.querySelectorAll('b').length, threw, out: el.innerHTML.length };
  });
  assert.equal(r.imgs, 0, 'no element from the text');
  assert.equal(r.text, '<img src=x onerror="alert(1)">&');
  assert.equal(r.title, '<img src=x onerror="alert(1)">&');
  assert.equal(r.bold, 1, 'markup made by html`` stays markup');
  assert.ok(r.threw, 'setHtml refuses a plain string');
  await page.context().close();
});
