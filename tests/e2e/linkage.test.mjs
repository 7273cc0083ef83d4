// linkage.test.mjs — a county department's inspection of a township platform
// (督促检查, R9.3) in a real browser: the department records it with two
// findings; the township's office replies to one on a phone; the department
// accepts it; the other, past its deadline, shows red.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await h?.setClock(null).catch(() => {}); await browser?.close(); await h?.close(); });

async function modalSubmit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
const done = async (...pages) => { for (const p of pages) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); } };

test('a department records an inspection, the office replies on a phone, the department accepts; an overdue finding is red', async () => {
  const town = (await h.api('GET', '/api/v1/me', { token: await h.login('office') })).body.township_id;
  const dept = await open(browser, h, 'dept');
  await go(dept, '#/inspections');
  await dept.click('#i-new');
  await dept.selectOption('#dlg-township', String(town));
  await dept.fill('#dlg-scope', '平台运行与事项清单公示');
  await dept.fill('#dlg-findings', '事项清单未在平台公示\n执法记录仪使用登记不全');
  await modalSubmit(dept);
  await dept.waitForSelector('main tr[data-finding]');
  const id = Number(dept.url().match(/#\/inspections\/(\d+)/)[1]);
  assert.equal(await dept.locator('main tr[data-finding]').count(), 2);
  await shot(dept, 'dept-inspection-new');
  await dept.context().close();

  const office = await open(browser, h, 'office', { viewport: PHONE });
  await go(office, `#/inspections/${id}`);
  await office.locator('main tr[data-finding] [data-act="reply"]').first().click();
  await office.fill('#dlg-note', '已在平台公示事项清单');
  await modalSubmit(office);
  await office.waitForFunction(() => /已回复待验收/.test(document.querySelector('main').textContent));
  await shot(office, 'office-inspection-reply-phone');
  await done(office);

  const dept2 = await open(browser, h, 'dept');
  await go(dept2, `#/inspections/${id}`);
  await dept2.click('[data-act="accept"]');
  await dept2.waitForFunction(() => /已验收/.test(document.querySelector('main').textContent));
  await done(dept2);

  await h.setClock(new Date(Date.now() + 20 * 86400e3).toISOString());
  const late = await open(browser, h, 'dept');
  await go(late, `#/inspections/${id}`);
  await late.waitForSelector('main .light.red');
  assert.match(await late.textContent('main'), /逾期未整改/);
  await done(late);
});
