// accounts.test.mjs — the three administrators in the browser, each at
// their own part (三员分立): the system administrator creates an account
// (a refused password is told next to its field); the security
// administrator, on a phone, grants it a role and sees a refusal in the
// server's words; the account is locked by wrong passwords and the security
// administrator unlocks it; the new user logs in and has the screens of the
// role; the security settings refuse a short retention by the field; the
// auditor finds the grant by person and action and downloads it as CSV.
// Each administrator sees none of the others' screens or buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser, tok;
const NEW = { username: 'li.xin', name: '李新', password: 'Biheng-Xiang-2026!' };
before(async () => {
  ({ h, browser } = await setup());
  tok = await h.tokens(['admin', 'secadmin', 'auditor']);
});
after(async () => { await browser?.close(); await h?.close(); });

const navOf = (page) => page.$$eval('nav a', (as) => as.map((a) => a.textContent));
const rowOf = (page, username) => page.locator(`#acc-table tr[data-user="${username}"]`);
let newId;

test('the system administrator creates an account; another administrator\'s account is protected; no roles, settings or audit', async () => {
  const page = await open(browser, h, 'admin');
  const nav = await navOf(page);
  assert.ok(nav.includes('账号管理'));
  for (const other of ['安全设置', '审计日志']) assert.ok(!nav.includes(other), `admin has no ${other}`);
  await go(page, '#/users');
  await page.waitForSelector('#acc-table');
  assert.equal(await page.locator('#acc-table button[data-act=grant]').count(), 0, 'no role granting for the admin');
  assert.equal(await page.locator('#acc-table button[data-act=unlock]').count(), 0);
  assert.match(await rowOf(page, 'secadmin').textContent(), /受保护的管理员账号/);
  assert.equal(await rowOf(page, 'secadmin').locator('button').count(), 0);
  await page.click('#acc-new');
  await page.fill('#n-username', NEW.username);
  await page.fill('#n-display', NEW.name);
  await page.selectOption('#n-region', { label: '碧湖镇' });
  await page.fill('#n-password', 'short');
  await page.click('#acc-create button[type=submit]');
  await page.waitForFunction(() => document.getElementById('n-password-err')?.textContent);
  assert.match(await page.textContent('#n-password-err'), /密码/, 'the refusal next to the password');
  assert.equal(await page.getAttribute('#n-password', 'aria-invalid'), 'true');
  await shot(page, 'accounts-create-error');
  await page.fill('#n-password', NEW.password);
  await page.click('#acc-create button[type=submit]');
  await rowOf(page, NEW.username).waitFor();
  const row = await rowOf(page, NEW.username).textContent();
  assert.match(row, /李新/);
  assert.match(row, /碧湖镇/);
  assert.match(row, /无角色/);
  assert.match(row, /正常/);
  assert.match(await page.textContent('#acc-msg'), /已新建账号 li\.xin/);
  await shot(page, 'accounts-admin');
  const u = (await h.api('GET', `/api/v1/users?q=${NEW.username}`, { token: tok.admin })).body.items[0];
  assert.deepEqual(u.roles, []);
  newId = u.id;
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the security administrator, on a phone, grants the new account a role; a refusal shows in words; no account creation, no audit', async () => {
  const page = await open(browser, h, 'secadmin', { viewport: PHONE });
  const nav = await navOf(page);
  assert.ok(nav.includes('账号管理') && nav.includes('安全设置'));
  assert.ok(!nav.includes('审计日志'), 'secadmin has no audit');
  await go(page, '#/users');
  await page.waitForSelector('#acc-table');
  assert.equal(await page.locator('#acc-new').count(), 0, 'no account creation for the secadmin');
  assert.equal(await page.locator('#acc-table button[data-act=password], #acc-table button[data-act=disable]').count(), 0);
  await page.fill('#acc-q', '李新');
  await page.click('#acc-filter button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#acc-table tbody tr').length === 1);
  await rowOf(page, NEW.username).locator('button[data-act=grant]').click();
  await page.selectOption('#dlg-role', 'grid');
  await page.click('.modal button[type=submit]');
  await page.waitForFunction(() => /网格员/.test(document.querySelector('#acc-table tr[data-user="li.xin"]')?.textContent));
  assert.match(await page.textContent('#acc-msg'), /已授予 李新（li\.xin） 角色：网格员/);
  await shot(page, 'accounts-secadmin-phone');
  // another security administrator makes the account an administrator
  // meanwhile: from this (stale) list, a second administrator role is
  // refused with the server's words, never its code
  assert.equal((await h.api('PUT', `/api/v1/users/${newId}/roles/admin`, { token: tok.secadmin })).status, 200);
  await rowOf(page, NEW.username).locator('button[data-act=grant]').click();
  await page.selectOption('#dlg-role', 'auditor');
  await page.click('.modal button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#acc-msg[role=alert]')?.textContent);
  const refusal = await page.textContent('#acc-msg');
  assert.match(refusal, /三种角色不能由同一账号兼任/);
  assert.doesNotMatch(refusal, /roles_exclusive/);
  assert.match(await rowOf(page, NEW.username).textContent(), /受保护的管理员账号/, 'the list now shows it protected');
  assert.equal((await h.api('DELETE', `/api/v1/users/${newId}/roles/admin`, { token: tok.secadmin })).status, 403, 'now protected from the secadmin too');
  h.sql(`DELETE FROM user_roles WHERE user_id = ${newId} AND role = 'admin'`); // back as it was, for the next steps
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('locked by wrong passwords, unlocked by the security administrator; the new user then has the grid member\'s screens', async () => {
  for (let i = 0; i < 5; i++) await h.api('POST', '/api/v1/auth/login', { body: { username: NEW.username, password: 'wrong-password-' + i } });
  const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'block' });
  const user = await ctx.newPage();
  await user.goto(h.url + '/');
  await user.fill('#u', NEW.username);
  await user.fill('#p', NEW.password);
  await user.click('button[type=submit]');
  await user.waitForFunction(() => document.getElementById('err')?.textContent);
  assert.match(await user.textContent('#err'), /暂停|锁定/, 'the right password is refused while locked');

  const sec = await open(browser, h, 'secadmin');
  await go(sec, '#/users');
  await sec.selectOption('#acc-state', 'locked');
  await sec.click('#acc-filter button[type=submit]');
  await sec.waitForFunction(() => document.querySelectorAll('#acc-table tbody tr').length === 1);
  assert.match(await rowOf(sec, NEW.username).textContent(), /已锁定/);
  await shot(sec, 'accounts-locked');
  await rowOf(sec, NEW.username).locator('button[data-act=unlock]').click();
  await sec.waitForFunction(() => /已解除/.test(document.getElementById('acc-msg').textContent));
  await sec.waitForFunction(() => /没有符合条件的账号/.test(document.getElementById('acc-list').textContent)); // no locked account left
  // the security settings: a refusal next to its field, then saved
  await go(sec, '#/security');
  await sec.fill('#s-retention', '100');
  await sec.click('#sec-form button[type=submit]');
  await sec.waitForFunction(() => document.getElementById('s-retention-err')?.textContent);
  assert.match(await sec.textContent('#s-retention-err'), /至少保存184天/);
  await sec.fill('#s-retention', '365');
  await sec.selectOption('#s-profile', 'mlps');
  await sec.click('#sec-form button[type=submit]');
  await sec.waitForFunction(() => /已保存/.test(document.getElementById('sec-msg').textContent));
  const s = (await h.api('GET', '/api/v1/settings', { token: tok.secadmin })).body;
  assert.equal(s['audit.retention_days'], 365);
  assert.equal(s['password.profile'], 'mlps');
  await shot(sec, 'accounts-security');
  assert.deepEqual(sec.errors, []);
  await sec.context().close();

  await user.click('button[type=submit]');
  await user.waitForSelector('header .who');
  const nav = await navOf(user);
  for (const want of ['上报问题', '我的上报', '待核查']) assert.ok(nav.includes(want), `the grid member has ${want}: ${nav}`);
  for (const none of ['账号管理', '安全设置', '审计日志']) assert.ok(!nav.includes(none));
  assert.match(await user.textContent('header .who'), /李新（网格员）/);
  await ctx.close();
});

test('the auditor finds the grant by person and action, checks the chain and downloads the CSV', async () => {
  const page = await open(browser, h, 'auditor', { viewport: PHONE });
  const nav = await navOf(page);
  assert.ok(nav.includes('审计日志'));
  for (const none of ['账号管理', '安全设置']) assert.ok(!nav.includes(none), `auditor has no ${none}`);
  await go(page, '#/audit');
  await page.waitForSelector('#au-table tbody tr');
  await page.waitForFunction(() => /哈希链完整/.test(document.getElementById('au-verify-res').textContent));
  await page.click('#au-verify');
  await page.waitForFunction(() => /哈希链完整/.test(document.getElementById('au-verify-res').textContent));
  await page.fill('#au-actor', 'secadmin');
  await page.fill('#au-action', 'role.grant');
  await page.click('#au-filter button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#au-table tbody tr')].every((r) => /授予角色/.test(r.textContent)) && document.querySelectorAll('#au-table tbody tr').length >= 1);
  const rows = await page.$$eval('#au-table tbody tr', (rs) => rs.map((r) => r.innerText));
  assert.ok(rows.some((r) => /角色：网格员/.test(r) && new RegExp(`账号 ${newId}`).test(r) && /成功/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => /角色：审计管理员/.test(r) && /拒绝/.test(r)), 'the refused grant is there too');
  await shot(page, 'audit-phone');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#au-csv')]);
  assert.match(dl.suggestedFilename(), /^audit-\d{4}-\d\d-\d\d\.csv$/);
  const text = readFileSync(await dl.path(), 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\r\n').filter(Boolean);
  assert.match(lines[0], /^"序号","时间","用户"/);
  assert.ok(lines.length - 1 === rows.length, `the file has the ${rows.length} entries the screen found`);
  assert.ok(lines.slice(1).every((l) => l.includes('"secadmin"') && l.includes('"role.grant"')));
  assert.ok(lines.some((l) => l.includes(`"role.grant","user","${newId}","ok","grid"`)), lines.join('\n'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
