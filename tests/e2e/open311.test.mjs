// open311.test.mjs — the administrator registers an outside system for the
// Open311 interface in a real browser: the key is shown once, the system is
// listed by its key prefix only, the key works at /open311/v2/, and revoking
// it in the screen stops it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

test('the admin registers a system, hands its key over once, and revokes it', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/open311');
  await page.waitForSelector('#o311list table');
  await page.fill('#o311new [name=name]', '12345政务服务热线');
  await page.selectOption('#o311new [name=channel]', 'complaint');
  await page.click('#o311new button');
  const key = (await page.locator('.o311-key').textContent()).trim();
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  await page.waitForFunction(() => document.querySelector('#o311list').textContent.includes('12345政务服务热线'));
  const listed = await page.locator('#o311list').textContent();
  assert.ok(listed.includes(key.slice(0, 8)) && !listed.includes(key), 'listed by prefix only');
  await shot(page, 'open311-admin');
  assert.equal((await fetch(`${h.url}/open311/v2/services.json?api_key=${key}`)).status, 200);
  page.once('dialog', (d) => d.accept());
  await page.click('[data-revoke]');
  await page.waitForFunction(() => document.querySelector('#o311list').textContent.includes('已吊销'));
  const r = await fetch(`${h.url}/open311/v2/services.json?api_key=${key}`);
  assert.equal(r.status, 403);
  assert.match((await r.json())[0].description, /吊销/);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.external, []);
});
