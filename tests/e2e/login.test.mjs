// login.test.mjs — the web interface in a real browser (Debian's Chromium
// through playwright-core): every demo role logs in and sees its screens in
// Chinese, at desktop and phone sizes; a wrong password shows the Chinese
// error; logout returns to the login page. Screenshots go to
// tests/e2e/screenshots/. A Chromium that does not start fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer, ROLES, PASSWORD, ROOT } from '../api/lib.mjs';

const SHOTS = `${ROOT}/tests/e2e/screenshots`;
let h, browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startServer({ extraArgs: ['--web', `${ROOT}/web/dist`] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
after(async () => { await browser?.close(); await h?.close(); });

async function login(page, username, password = PASSWORD) {
  await page.goto(h.url + '/');
  await page.fill('#u', username);
  await page.fill('#p', password);
  await page.click('button[type=submit]');
}

const EXPECT = { admin: '系统管理员', office: '执法办公室', leader: '领导小组', contact: '派驻机构负责人', staff: '派驻人员', grid: '网格员', dept: '主管部门', secadmin: '安全管理员', auditor: '审计管理员' };

test('each role logs in and sees its role and place in Chinese', async () => {
  for (const role of ROLES) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await login(page, role);
    await page.waitForSelector('header .who');
    assert.match(await page.textContent('header .who'), new RegExp(EXPECT[role]));
    assert.match(await page.textContent('main'), /工作台/);
    await page.screenshot({ path: `${SHOTS}/${role}-home.png` });
    await page.close();
  }
});

test('the office sees people with qualification warnings; the auditor sees an intact chain', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await login(page, 'office');
  await page.waitForSelector('header .who');
  await page.click('nav >> text=人员与执法资格');
  await page.waitForSelector('main table');
  assert.match(await page.textContent('main'), /执法证已过期/);
  assert.ok(await page.locator('main .tag.red').count() > 0, 'expired qualifications in red');
  await page.screenshot({ path: `${SHOTS}/office-people.png`, fullPage: false });
  await page.close();
  const a = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await login(a, 'auditor');
  await a.waitForSelector('header .who');
  await a.click('nav >> text=审计日志');
  await a.waitForSelector('main table');
  // the chain is checked after the table is drawn (the audit screen's own request)
  await a.waitForFunction(() => /完整|篡改/.test(document.querySelector('main').textContent));
  assert.match(await a.textContent('main'), /完整/);
  await a.screenshot({ path: `${SHOTS}/auditor-audit.png` });
  await a.close();
});

test('a wrong password shows the Chinese error; logout returns to login', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await login(page, 'grid', 'wrong-password-1');
  await page.waitForFunction(() => document.getElementById('err')?.textContent.length > 0);
  assert.equal(await page.textContent('#err'), '用户名或密码错误');
  await login(page, 'grid');
  await page.waitForSelector('header');
  await page.screenshot({ path: `${SHOTS}/grid-phone.png` });
  await page.click('#logout');
  await page.waitForSelector('#login');
  assert.match(await page.textContent('#err'), /已退出登录/);
  await page.close();
});
