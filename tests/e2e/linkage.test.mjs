// linkage.test.mjs — a county department's inspection of a township platform
// (督促检查, R9.3) in a real browser: the department records it with two
// findings; the township's office replies to one on a phone; the department
// accepts it; the other, past its deadline, shows red. And taking up (上提,
// R9.1): the department takes a township's problem up from its line's list
// and ends it with a result; the township's office reads where the problem
// went and the outcome on a phone. (Assigning down, escalation and the live
// inbox: linkage_loop.test.mjs, to keep each file short.)
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

// ---- the closed loop across levels (issue 13 items 1–3) ----
const tokens = {};
const as = async (u) => (tokens[u] ||= await h.login(u));
async function call(u, method, path, body) {
  const r = await h.api(method, path, { token: await as(u), body });
  assert.ok(r.status < 300, `${u} ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const report = (description) => call('grid', 'POST', '/api/v1/problems', { channel: 'patrol', category: 'CS01', description, lon: 119.845, lat: 28.405 });
const act = (u, id, body) => call(u, 'POST', `/api/v1/problems/${id}/actions`, body);
// the server's today in Shanghai, plus n days, as YYYY-MM-DD
const noScroll = async (page) => assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
async function fresh() { await h.setClock(null); for (const k of Object.keys(tokens)) delete tokens[k]; }

test('a department takes a township\'s problem up and ends it; the township office sees where it went and the outcome on a phone', async () => {
  await fresh();
  const p = await report('上提测试：碧湖村河道旁在建三层违法建筑（浏览器）');
  await act('office', p.id, { action: 'accept' });
  const dept = await open(browser, h, 'dept');
  await go(dept, `#/line?township_id=${p.township_id}`);
  const row = `#line-rows tr[data-id="${p.id}"]`;
  await dept.waitForSelector(row);
  assert.match(await dept.textContent(row), /碧湖镇[\s\S]*已受理/);
  await dept.click(`${row} [data-act="take_up"]`);
  await dept.fill('#dlg-reason', '案情复杂、涉及多个乡镇，由县综合行政执法局直接立案查处');
  await modalSubmit(dept);
  await dept.waitForFunction((sel) => /上提县级执法/.test(document.querySelector(sel)?.textContent || ''), row);
  await dept.selectOption('#line-filters select[name=state]', 'taken_up');
  await dept.waitForFunction(() => [...document.querySelectorAll('#line-rows tr[data-id]')].every((tr) => /上提县级执法/.test(tr.textContent)));
  assert.ok(await dept.isVisible(`${row} [data-act="conclude"]`) && await dept.isVisible(`${row} [data-act="hand_back"]`));
  await shot(dept, 'dept-line-taken-up');
  // the township's office sees where it went while the county handles it
  assert.equal((await call('office', 'GET', `/api/v1/problems/${p.id}`)).state, 'taken_up');
  await go(dept, `#/problem/${p.id}`);
  await dept.click('#actions [data-act="conclude"]');
  await dept.fill('#dlg-result', '已立案查处：责令当事人限期自行拆除，并处罚款2万元');
  await modalSubmit(dept);
  await dept.waitForFunction(() => /已结案/.test(document.querySelector('main h2')?.textContent || ''));
  await done(dept);

  const office = await open(browser, h, 'office', { viewport: PHONE });
  await go(office, `#/problem/${p.id}`);
  await office.waitForSelector('#linkage');
  const seen = await office.textContent('#linkage');
  assert.match(seen, /莲都区综合行政执法局/);
  assert.match(seen, /办理结果[\s\S]*责令当事人限期自行拆除/);
  assert.match(await office.textContent('#history'), /上提县级执法[\s\S]*县级部门：莲都区综合行政执法局[\s\S]*办结并反馈结果/);
  await noScroll(office);
  await office.locator('#linkage').scrollIntoViewIfNeeded();
  await shot(office, 'office-taken-up-outcome-phone');
  await done(office);
});

