// a11y.test.mjs — the accessibility standard (WCAG 2.1 AA, GB/T 37668-2019)
// checked by axe-core on every screen of every demo role, a problem's page,
// the inbox, an open dialog and the login form, at desktop size (and the
// grid member's screens on a phone). Any serious or critical violation
// fails, listed with the screen, the rule and the elements.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, open, go, PHONE } from './browser.mjs';
import { ROLES } from '../api/lib.mjs';
import { ROOT } from '../api/lib.mjs';

const AXE = readFileSync(`${ROOT}/node_modules/axe-core/axe.min.js`, 'utf8');
let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('main .loading, #app > .loading'), null, { timeout: 15000 });
  await page.waitForTimeout(150);
}

// audit: axe on the page as it is; answers "screen: rule (impact) × n: targets" lines.
async function audit(page, where) {
  await page.evaluate(`${AXE};0`); // by the debugger: not subject to the page's CSP
  const res = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    rules: { region: { enabled: false } },
  }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) × ${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// plain: what a person reads is words: no "not allowed" for data the role
// cannot read (the screen should not ask), no raw codes in the inbox, no
// markup or entity shown as text (escaping done twice, or not at all).
async function plain(page, where) {
  const text = await page.evaluate(() => document.querySelector('main').innerText);
  const out = [];
  if (/无权执行此操作/.test(text)) out.push(`${where}: shows 无权执行此操作`);
  const err = await page.evaluate(() => [...document.querySelectorAll('main .error, main [role=alert]')].map((e) => e.textContent.trim()).filter(Boolean));
  if (err.length) out.push(`${where}: shows an error: ${err.join(' / ')}`);
  const m = text.match(/<\/?[a-z][a-z0-9]*[\s>]|&(amp|lt|gt|quot|#39);/);
  if (m) out.push(`${where}: markup shown as text: ${m[0]}`);
  const code = text.match(/\b(new_problem|deadline_near|supervise_overdue|merged_closed|in_hand)\b/);
  if (code) out.push(`${where}: a raw code shown: ${code[0]}`);
  return out;
}

async function screensOf(page) {
  return page.$$eval('nav a[href^="#/"]', (as) => as.map((a) => a.getAttribute('href')));
}

test('the login form', async () => {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(h.url + '/');
  await page.waitForSelector('#login');
  await page.fill('#u', 'nobody');
  await page.fill('#p', 'wrong-password');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.getElementById('err')?.textContent);
  const bad = await audit(page, 'login');
  await ctx.close();
  assert.deepEqual(bad, []);
});

for (const role of ROLES) {
  test(`every screen of ${role}`, async () => {
    const page = await open(browser, h, role, role === 'grid' ? { viewport: PHONE, geo: { longitude: 119.85, latitude: 28.41 } } : {});
    const bad = [];
    const hrefs = [...await screensOf(page), '#/inbox'];
    for (const href of hrefs) {
      await go(page, href);
      await settle(page);
      bad.push(...await audit(page, `${role} ${href}`));
      bad.push(...await plain(page, `${role} ${href}`));
    }
    // a problem's page, when the role sees problems
    const pid = await page.evaluate(async () => {
      const r = await fetch('/api/v1/problems?limit=1');
      return r.ok ? (await r.json()).items[0]?.id : null;
    });
    if (pid) {
      await go(page, `#/problem/${pid}`);
      await settle(page);
      bad.push(...await audit(page, `${role} #/problem/${pid}`));
      bad.push(...await plain(page, `${role} #/problem/${pid}`));
    }
    bad.push(...page.errors.map((e) => `${role}: script error: ${e}`));
    await page.context().close();
    assert.deepEqual(bad, [], bad.join('\n'));
  });
}

test('county–township linkage at phone size: the department\'s line with its assign form open, a problem taken up, the office\'s escalation requests', async () => {
  const tok = {};
  const call = async (u, method, path, body) => (await h.api(method, path, { token: (tok[u] ||= await h.login(u)), body })).body;
  const p = await call('grid', 'POST', '/api/v1/problems', { channel: 'patrol', category: 'CS01', description: '无障碍检查：违建', lon: 119.845, lat: 28.405 });
  await call('office', 'POST', `/api/v1/problems/${p.id}/actions`, { action: 'dispatch' });
  await call('contact', 'POST', `/api/v1/problems/${p.id}/actions`, { action: 'request_escalation', reason: '需多部门联合' });
  const q = await call('grid', 'POST', '/api/v1/problems', { channel: 'patrol', category: 'CS01', description: '无障碍检查：上提', lon: 119.845, lat: 28.405 });
  await call('dept', 'POST', `/api/v1/problems/${q.id}/actions`, { action: 'take_up', reason: '县局直接查处' });
  await call('dept', 'POST', `/api/v1/problems/${q.id}/actions`, { action: 'conclude', result: '已查处' });
  const bad = [];
  const dept = await open(browser, h, 'dept', { viewport: PHONE });
  await go(dept, '#/line');
  await settle(dept);
  await dept.click('#assign-new');
  bad.push(...await audit(dept, 'dept #/line phone'), ...await plain(dept, 'dept #/line phone'));
  await dept.context().close();
  const office = await open(browser, h, 'office', { viewport: PHONE });
  await go(office, '#/queue');
  await settle(office);
  await office.waitForSelector(`#esc-requests .esc-item[data-id="${p.id}"]`);
  bad.push(...await audit(office, 'office #/queue phone'), ...await plain(office, 'office #/queue phone'));
  await go(office, `#/problem/${q.id}`);
  await settle(office);
  await office.waitForSelector('#linkage');
  bad.push(...await audit(office, 'office taken-up problem phone'), ...await plain(office, 'office taken-up problem phone'));
  await office.context().close();
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('a patrol: recording on a phone, the summary, the record with its track (grid and office)', async () => {
  const bad = [];
  const grid = await open(browser, h, 'grid', { viewport: PHONE, geo: { longitude: 119.845, latitude: 28.405 } });
  await go(grid, '#/patrol');
  await grid.click('#pt-go');
  await grid.waitForSelector('.patrol-live');
  await grid.locator('[data-item]').first().check();
  await grid.context().setGeolocation({ longitude: 119.846, latitude: 28.405 });
  await grid.waitForSelector('#pt-map path.patrol-track', { state: 'attached' });
  await settle(grid);
  bad.push(...await audit(grid, 'grid #/patrol (recording)'), ...await plain(grid, 'grid #/patrol (recording)'));
  await grid.click('#pt-stop');
  await grid.waitForFunction(() => /已同步到平台/.test(document.getElementById('pt-synced')?.textContent || ''), null, { timeout: 15000 });
  bad.push(...await audit(grid, 'grid #/patrol (summary)'));
  const id = await grid.evaluate(() => /#\/patrol\/(\d+)/.exec(document.querySelector('#pt-summary a').getAttribute('href'))[1]);
  await go(grid, `#/patrol/${id}`);
  await grid.waitForSelector('#pd-map path.patrol-track', { state: 'attached' });
  await settle(grid);
  bad.push(...await audit(grid, `grid #/patrol/${id}`), ...await plain(grid, `grid #/patrol/${id}`));
  const office = await open(browser, h, 'office');
  await go(office, `#/patrols/${id}`);
  await office.waitForSelector('#pd-map path.patrol-track', { state: 'attached' });
  await settle(office);
  bad.push(...await audit(office, `office #/patrols/${id}`), ...await plain(office, `office #/patrols/${id}`));
  bad.push(...grid.errors, ...office.errors);
  await grid.context().close();
  await office.context().close();
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('an open dialog', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/people');
  await settle(page);
  await page.click('#p-add');
  await page.waitForSelector('.modal [role=dialog], .modal[role=dialog]');
  const bad = await audit(page, 'office dialog');
  await page.context().close();
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('the organisation editor: a unit\'s page, a form showing an error beside its field, the checklist on a phone', async () => {
  const page = await open(browser, h, 'admin');
  const bad = [];
  const unit = await page.evaluate(async () => (await (await fetch('/api/v1/units?limit=1')).json()).items[0].id);
  await go(page, `#/units/${unit}`);
  await settle(page);
  bad.push(...await audit(page, `admin #/units/${unit}`), ...await plain(page, `admin #/units/${unit}`));
  await go(page, '#/categories');
  await settle(page);
  await page.click('#cat-add');
  await page.fill('.modal [name=code]', 'A11Y01');
  await page.fill('.modal [name=name]', '无障碍测试');
  await page.fill('.modal [name=accept_hours]', '0');
  await page.click('.modal button[type=submit]');
  await page.locator('.modal [id$="-accept_hours-err"]').filter({ hasText: /\S/ }).waitFor();
  bad.push(...await audit(page, 'admin category form with an error'));
  const described = await page.evaluate(() => {
    const el = document.querySelector('.modal [name=accept_hours]');
    return el.getAttribute('aria-invalid') === 'true' && document.getElementById(el.getAttribute('aria-describedby'))?.textContent.length > 0 && document.activeElement === el;
  });
  assert.ok(described, 'the field at fault is marked, described by the message and focused');
  await page.keyboard.press('Escape');
  await page.context().close();
  const phone = await open(browser, h, 'admin', { viewport: PHONE });
  for (const href of ['#/patrol-items', '#/leadership', '#/people']) {
    await go(phone, href);
    await settle(phone);
    bad.push(...await audit(phone, `admin phone ${href}`), ...await plain(phone, `admin phone ${href}`));
  }
  bad.push(...phone.errors.map((e) => `admin phone: script error: ${e}`));
  await phone.context().close();
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('the administrators\' screens: the new-account form, a role dialog and the audit search on a phone', async () => {
  const bad = [];
  let page = await open(browser, h, 'admin');
  await go(page, '#/users');
  await settle(page);
  await page.click('#acc-new');
  await page.waitForSelector('#acc-create');
  await page.click('#acc-create button[type=submit]'); // empty: the refusal by the field
  await page.waitForFunction(() => document.getElementById('n-username-err')?.textContent);
  bad.push(...await audit(page, 'admin new account'));
  await page.context().close();
  page = await open(browser, h, 'secadmin', { viewport: PHONE });
  for (const href of ['#/users', '#/security']) {
    await go(page, href);
    await settle(page);
    bad.push(...await audit(page, `secadmin phone ${href}`), ...await plain(page, `secadmin phone ${href}`));
  }
  await go(page, '#/users');
  await settle(page);
  await page.locator('#acc-table button[data-act=grant]').first().click();
  await page.waitForSelector('.modal [role=dialog]');
  bad.push(...await audit(page, 'secadmin grant dialog'));
  await page.context().close();
  page = await open(browser, h, 'auditor', { viewport: PHONE });
  await go(page, '#/audit');
  await settle(page);
  await page.waitForSelector('#au-table tbody tr');
  await page.click('#au-verify');
  await page.waitForFunction(() => /哈希链/.test(document.getElementById('au-verify-res').textContent));
  bad.push(...await audit(page, 'auditor phone #/audit'), ...await plain(page, 'auditor phone #/audit'));
  bad.push(...page.errors.map((e) => `auditor: script error: ${e}`));
  await page.context().close();
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('keyboard and screen readers: titles, focus, dialogs, skip link, photo picker, map controls, lights in words', async () => {
  const page = await open(browser, h, 'office');
  await go(page, '#/people');
  await settle(page);
  assert.match(await page.title(), /^人员与执法资格 · /, 'a page title per screen');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent), 'H2:人员与执法资格', 'focus on the new screen\'s heading');
  assert.equal(await page.getAttribute('a.skip', 'href'), '#main', 'a skip link to the content');
  // a dialog: labelled, Tab stays inside, Escape cancels and focus returns
  await page.focus('#p-add');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.modal [role=dialog][aria-modal=true]');
  const label = await page.$eval('.modal [role=dialog]', (d) => document.getElementById(d.getAttribute('aria-labelledby'))?.textContent);
  assert.equal(label, '新增人员');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('.modal')), 'Tab stays in the dialog');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.modal', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'p-add', 'focus back on the button that opened it');
  // lights in words, map controls in Chinese
  await go(page, '#/queue');
  await page.waitForSelector('#rows tr[data-id] .light-word');
  assert.match(await page.textContent('#rows tr[data-id] .light-word'), /超期|临期|正常/);
  await go(page, '#/map');
  await page.waitForSelector('.leaflet-control-zoom-in');
  assert.equal(await page.getAttribute('.leaflet-control-zoom-in', 'title'), '放大');
  assert.equal(await page.getAttribute('.leaflet-control-zoom-out', 'title'), '缩小');
  // the photo picker is reached with the keyboard
  await go(page, '#/report');
  await page.waitForSelector('#r-desc');
  await page.focus('#r-desc');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'r-photo', 'Tab from the description reaches the photo picker');
  await page.context().close();
});

test('the login error is announced', async () => {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(h.url + '/');
  await page.fill('#u', 'nobody');
  await page.fill('#p', 'wrong-password');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.getElementById('err')?.textContent);
  assert.equal(await page.getAttribute('#err', 'role'), 'alert');
  assert.match(await page.title(), /^登录/);
  await ctx.close();
});
