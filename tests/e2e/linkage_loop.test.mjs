// linkage_loop.test.mjs — the county–township linkage in a real browser
// (issue 13): a county department assigns a problem down (交办) with its own
// deadline from a phone and the township's office reads that deadline; a
// unit's contact asks for joint enforcement on a phone, the office
// escalates from its queue, and concluding the joint action (drafted in the
// browser, approved and started through the API) closes the problem; a
// notified unit's contact sees an interactive notice arrive in the open
// inbox within a second, and the alarm when it is left unanswered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';
import { seedNotice } from './seed.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await h?.setClock(null).catch(() => {}); await browser?.close(); await h?.close(); });

async function modalSubmit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
const done = async (...pages) => { for (const p of pages) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); } };

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
const serverDay = async (n = 0) => new Date(Date.parse((await h.api('GET', '/api/v1/health')).body.time) + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
const noScroll = async (page) => assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
async function fresh() { await h.setClock(null); for (const k of Object.keys(tokens)) delete tokens[k]; }

test('a department assigns a problem down with its deadline on a phone; the township sees that deadline', async () => {
  await fresh();
  const due = await serverDay(12);
  const [, m, d] = due.split('-').map(Number);
  const dept = await open(browser, h, 'dept', { viewport: PHONE });
  await go(dept, '#/line');
  await dept.click('#assign-new');
  const town = String((await call('office', 'GET', '/api/v1/me')).township_id);
  await dept.selectOption('#a-town', town);
  await dept.selectOption('#a-category', 'CS01');
  await dept.fill('#a-desc', '县局交办：群众来信反映碧湖村村口新建彩钢棚未经审批（浏览器测试）');
  await dept.fill('#a-address', '碧湖村村口');
  await dept.fill('#a-due', due);
  await dept.fill('#a-note', '请核实后依法处置，按期反馈');
  await noScroll(dept);
  await shot(dept, 'dept-assign-form-phone');
  await dept.click('#a-submit');
  await dept.waitForSelector('main[data-screen="problem"] #assigned');
  const id = Number(dept.url().match(/#\/problem\/(\d+)/)[1]);
  assert.match(await dept.textContent('#assigned'), new RegExp(`${m}月${d}日 23:59`));
  await done(dept);

  const office = await open(browser, h, 'office');
  await go(office, `#/problem/${id}`);
  await office.waitForSelector('#assigned');
  assert.match(await office.textContent('#assigned'), new RegExp(`${m}月${d}日 23:59[\\s\\S]*莲都区综合行政执法局限期交办`));
  assert.match(await office.textContent('main .kv'), new RegExp(`当前时限\\d{4}年${m}月${d}日 23:59`), 'the running deadline is the department\'s');
  assert.match(await office.textContent('#history'), /县级部门限期交办[\s\S]*办结期限/);
  await shot(office, 'office-assigned-deadline');
  await go(office, '#/queue?channel=assigned');
  await office.waitForSelector(`#rows tr[data-id="${id}"]`);
  assert.match(await office.textContent(`#rows tr[data-id="${id}"]`), new RegExp(`${m}月${d}日 23:59`));
  await done(office);
});

test('a unit asks for joint enforcement on a phone, the office escalates from its queue, the joint action\'s conclusion closes the problem', async () => {
  await fresh();
  const p = await report('申请联合执法：碧湖村河边砖混房屋涉及规划、国土（浏览器）');
  await act('office', p.id, { action: 'dispatch' });
  const contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, `#/problem/${p.id}`);
  await contact.click('#actions [data-act="request_escalation"]');
  await contact.fill('#dlg-reason', '涉及规划、国土多部门，本单位无法单独纠正');
  await modalSubmit(contact);
  await contact.waitForSelector('#esc-request');
  assert.match(await contact.textContent('#esc-request'), /待执法办公室决定/);
  await noScroll(contact);
  await shot(contact, 'contact-request-escalation-phone');
  await done(contact);

  const office = await open(browser, h, 'office');
  await go(office, '#/queue');
  const item = `#esc-requests .esc-item[data-id="${p.id}"]`;
  await office.waitForSelector(item);
  await shot(office, 'office-escalation-requests');
  await office.click(`${item} [data-act="escalate"]`);
  await office.fill('#dlg-reason', '同意派驻机构申请，提请联合执法');
  await modalSubmit(office);
  await office.waitForSelector(item, { state: 'detached' });
  assert.equal((await call('office', 'GET', `/api/v1/problems/${p.id}`)).state, 'escalated');
  // the office drafts the joint action naming the problem
  await go(office, '#/joint-new');
  await office.fill('#j-title', '碧湖村河边违法建筑联合整治（浏览器测试）');
  await office.check('#j-units input[value="1"]');
  await office.check('#j-units input[value="2"]');
  await office.fill('#j-tasks', '综合执法中队牵头拆除；自然资源所核查用地');
  await office.fill('#j-problems', String(p.id));
  await office.click('#j-submit');
  await office.waitForSelector('main[data-screen="joint-action"] #jactions');
  const aid = Number(office.url().match(/#\/joint-action\/(\d+)/)[1]);
  // approval and start through the API (walked in the browser by joint.test.mjs)
  await call('leader', 'POST', `/api/v1/joint-actions/${aid}/actions`, { action: 'approve' });
  await call('office', 'POST', `/api/v1/joint-actions/${aid}/actions`, { action: 'start' });
  await go(office, '#/joint');
  await go(office, `#/joint-action/${aid}`);
  await office.click('#jactions .jact-conclude');
  await office.fill('#dlg-summary', '拆除违法建筑1处，恢复河道原貌');
  await modalSubmit(office);
  await office.waitForFunction(() => /已结束/.test(document.querySelector('main h2')?.textContent || ''));
  const after = await call('office', 'GET', `/api/v1/problems/${p.id}`);
  assert.notEqual(after.state, 'escalated');
  assert.equal(after.state, 'closed');
  await go(office, `#/problem/${p.id}`);
  await office.waitForFunction(() => /已结案/.test(document.querySelector('main h2')?.textContent || ''));
  assert.match(await office.textContent('#history'), new RegExp(`联合执法行动 #${aid}[\\s\\S]*拆除违法建筑1处`));
  assert.match(await office.textContent('#history'), /纳入联合执法行动[\s\S]*经联合执法结案/, 'the steps in words');
  await shot(office, 'office-escalated-closed');
  await done(office);
});

test('the notified unit\'s contact sees an interactive notice in the inbox within a second, live; unanswered, it raises the alarm', async (t) => {
  await fresh();
  const day = await serverDay(0);
  await h.setClock(`${day}T14:50:00+08:00`);
  for (const k of Object.keys(tokens)) delete tokens[k];
  h.sql("INSERT INTO settings (key, value) VALUES ('joint.notice_alarm_hour', '15')");
  try {
    const contact = await open(browser, h, 'contact', { viewport: PHONE });
    await go(contact, '#/inbox');
    await contact.waitForSelector('main h2');
    const { notice } = await seedNotice(h, '河道沿线联合巡查（收件箱实时测试）');
    const t0 = Date.now();
    await contact.waitForFunction(() => [...document.querySelectorAll('.inbox li[data-id]')].some((li) => /互动执法协同通知/.test(li.textContent) && /河道旁新建彩钢棚/.test(li.textContent)), null, { timeout: 5000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `shown ${ms} ms after the notice was issued`);
    t.diagnostic(`notice shown in the open inbox ${ms} ms after it was issued`);
    const inbox = (await call('contact', 'GET', '/api/v1/inbox')).items;
    assert.ok(inbox.some((n) => n.kind === 'notice'), 'an item of kind notice');
    await shot(contact, 'contact-inbox-notice-live-phone');
    // left unanswered past the alarm hour: the alarm reaches the open inbox too
    await h.setClock(`${day}T15:00:01+08:00`);
    const t1 = Date.now();
    await h.api('POST', '/api/v1/test/tick', {});
    await contact.waitForFunction(() => [...document.querySelectorAll('.inbox li[data-id]')].some((li) => /尚未响应/.test(li.textContent)), null, { timeout: 5000 });
    const alarmMs = Date.now() - t1;
    assert.ok(alarmMs < 1500, 'the alarm shows as soon as the pass raises it');
    t.diagnostic(`alarm shown ${alarmMs} ms after the scheduler pass was asked`);
    await contact.waitForTimeout(600); // the list is read again once more after a live message
    // read in one go: the list may be redrawn by another live message meanwhile
    const alarm = await contact.evaluate(() => {
      const li = [...document.querySelectorAll('.inbox li[data-id]')].find((x) => /尚未响应/.test(x.textContent));
      li?.scrollIntoView({ block: 'center' });
      return li && { text: li.textContent, red: !!li.querySelector('.tag.red') };
    });
    assert.ok(alarm?.red, 'in red');
    assert.match(alarm.text, /通知未响应/, 'the kind in words');
    const n = (await call('contact', 'GET', '/api/v1/notices')).items.find((x) => x.id === notice.id);
    assert.ok(!n.answered_at, 'still unanswered');
    await noScroll(contact);
    await shot(contact, 'contact-inbox-alarm-phone');
    await done(contact);
  } finally {
    h.sql("DELETE FROM settings WHERE key = 'joint.notice_alarm_hour'");
    await h.setClock(null);
  }
});
