// meetings.test.mjs — joint meetings (R6) in a real browser: the office
// schedules a regular meeting chaired by the group leader; the unit contact
// answers the invitation; on the day the office opens it (the status report
// appears with the period's figures), the contact signs in on a phone
// (360×740); the office records a decided item, drafts and submits the
// minutes; the leader approves them on a phone; the office publishes them
// with their number; the decided item runs in the unit's list until the
// office verifies it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot as save, PHONE } from './browser.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await h?.setClock(null).catch(() => {}); await browser?.close(); await h?.close(); });

async function shot(page, name) {
  await page.evaluate(() => document.getElementById('toast')?.classList.add('hidden'));
  await save(page, name);
}
async function modalSubmit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
const done = async (...pages) => { for (const p of pages) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); } };

test('a regular meeting: scheduled, answered, held with sign-in on a phone, minutes published, an item verified', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/meetings');
  await office.click('#m-new');
  await office.fill('#dlg-title', '第四季度综合执法联席会议');
  await office.fill('#dlg-place', '碧湖镇政府三楼会议室');
  await shot(office, 'office-meeting-new');
  await modalSubmit(office);
  await office.waitForSelector('main[data-screen="meeting"] h2');
  const id = Number(office.url().match(/#\/meeting\/(\d+)/)[1]);
  assert.match(await office.textContent('main h2'), /第四季度综合执法联席会议.*已安排/);
  const startsAt = (await h.api('GET', `/api/v1/meetings/${id}`, { token: await h.login('office') })).body.starts_at;
  await office.context().close();

  // the contact answers from the invitation
  let contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, `#/meeting/${id}`);
  await contact.click('#m-answer');
  await modalSubmit(contact);
  await contact.waitForFunction(() => /参会/.test(document.querySelector('main').textContent));
  await done(contact);

  // the meeting day
  await h.setClock(new Date(Date.parse(startsAt) - 5 * 60e3).toISOString());
  const office2 = await open(browser, h, 'office');
  await go(office2, `#/meeting/${id}`);
  await office2.click('[data-act="start"]');
  await office2.waitForFunction(() => /进行中/.test(document.querySelector('main h2').textContent));
  assert.match(await office2.textContent('main'), /各派驻机构问题办理/);
  await shot(office2, 'office-meeting-in-session');

  contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, `#/meeting/${id}`);
  await contact.click('#m-signin');
  await contact.waitForSelector('#m-signin', { state: 'detached' });
  assert.match(await contact.textContent('main'), /已到/);
  await shot(contact, 'contact-meeting-signed-in-phone');

  // a decided item, the minutes
  await go(office2, '#/meetings');
  await go(office2, `#/meeting/${id}`);
  await office2.click('#m-item');
  await office2.fill('#dlg-title', '沿街违章搭建集中整治');
  await office2.selectOption('#dlg-owner_unit_id', { label: '碧湖镇综合行政执法中队' });
  await modalSubmit(office2);
  await office2.waitForFunction(() => /沿街违章搭建集中整治/.test(document.querySelector('main').textContent));
  await office2.click('[data-act="finish"]');
  await office2.waitForFunction(() => /已召开/.test(document.querySelector('main h2').textContent));
  await office2.fill('#m-minutes', '会议听取了执法办公室关于本季度综合执法工作的情况报告，研究部署了沿街违章搭建集中整治。');
  await office2.click('#m-save');
  await office2.waitForFunction(() => !!document.querySelector('[data-act="submit_minutes"]'));
  await office2.click('[data-act="submit_minutes"]');
  await office2.waitForFunction(() => /纪要待审定/.test(document.querySelector('main h2').textContent));

  const leader = await open(browser, h, 'leader', { viewport: PHONE });
  await go(leader, `#/meeting/${id}`);
  await shot(leader, 'leader-minutes-approve-phone');
  await leader.click('[data-act="approve_minutes"]');
  await leader.waitForFunction(() => /纪要已审定/.test(document.querySelector('main h2').textContent));

  await go(office2, '#/meetings');
  await go(office2, `#/meeting/${id}`);
  await office2.click('[data-act="publish"]');
  await office2.waitForFunction(() => /纪要编号/.test(document.querySelector('main').textContent));
  assert.match(await office2.textContent('main'), /碧湖镇综合执法联席会议纪要〔\d{4}〕第1期/);
  await shot(office2, 'office-meeting-published');

  // the item in the unit's list: started, reported done, verified by the office
  await go(contact, '#/meeting-items');
  await contact.click('[data-iact="start"]');
  await contact.waitForSelector('[data-iact="done"]');
  await contact.click('[data-iact="done"]');
  await contact.fill('#dlg-result', '已拆除沿街违章搭建5处');
  await modalSubmit(contact);
  await contact.waitForFunction(() => /已办结待核验/.test(document.querySelector('main').textContent));
  await shot(contact, 'contact-meeting-items-phone');
  await go(office2, '#/meeting-items');
  await office2.click('[data-iact="verify"]');
  await office2.waitForFunction(() => /已核验办结/.test(document.querySelector('main').textContent));
  await done(office2, leader, contact);
  await h.setClock(null);
});
