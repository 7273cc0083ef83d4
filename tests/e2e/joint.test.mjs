// joint.test.mjs — joint enforcement (R5) in a real browser. The office
// drafts an emergency action and submits it; the group leader approves it
// on a phone (360×740) and its page shows it in progress with the time from
// draft to approval. A unit contact applies for a special action: for a
// start two days away the form shows the server's too_late_to_apply
// message, for a start five days away the application goes in with the
// office's 2-day forwarding clock; the office forwards it; the leader
// decides on the phone to launch it with written reasons, the applying unit
// leads it and the decision PDF answers application/pdf. The contact sees
// an interactive notice with its same-day clock and answers it naming two
// officers of the unit. The lists filter by state and mechanism.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot as save, PHONE } from './browser.mjs';
import { seedNotice } from './seed.mjs';

let h, browser;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

// shot: the page without a passing toast over it
async function shot(page, name) {
  await page.evaluate(() => document.getElementById('toast')?.classList.add('hidden'));
  await save(page, name);
}
async function modalSubmit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
// a datetime-local value N days from the server's today (Shanghai), at hh:00
async function dayInput(days, hh) {
  const now = Date.parse((await h.api('GET', '/api/v1/health')).body.time);
  const d = new Date(now + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);
  return `${d}T${String(hh).padStart(2, '0')}:00`;
}
const actionId = (page) => Number(page.url().match(/#\/joint-action\/(\d+)/)[1]);
const done = async (...pages) => { for (const p of pages) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); } };

test('emergency: the office drafts and submits, the leader approves on a phone, it is in progress', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/joint-new');
  await office.selectOption('#j-mech', 'emergency');
  assert.match(await office.textContent('#j-rule'), /批准即开始实施/);
  assert.ok(await office.isChecked('#j-police'), 'police support forced for an emergency');
  await office.fill('#j-title', '碧湖镇化工仓库违规储存危险品应急处置');
  await office.fill('#j-targets', '城郊化工仓库违规储存危险化学品');
  await office.fill('#j-place', '碧湖镇城郊工业区');
  await office.check('#j-units input[value="4"]'); // 应急管理站
  await office.selectOption('#j-lead', '4');
  await office.fill('#j-tasks', '应急管理站现场处置；综合执法中队配合；派出所警戒');
  await shot(office, 'office-joint-new-emergency');
  await office.click('#j-submit');
  await office.waitForSelector('main[data-screen="joint-action"] #jactions');
  const id = actionId(office);
  assert.match(await office.textContent('main h2'), /应急启动.*已提交/);
  assert.match(await office.textContent('#plan'), /牵头单位碧湖镇应急管理站/);
  assert.match(await office.textContent('#plan'), /派出所参与/);
  assert.match(await office.textContent('#jhistory'), /起草[\s\S]*提交/);

  const leader = await open(browser, h, 'leader', { viewport: PHONE });
  await go(leader, '#/supervise');
  const card = `#joint-pending .jcard[data-id="${id}"]`;
  await leader.waitForSelector(card);
  assert.match(await leader.textContent(card), /应急启动[\s\S]*已等待/);
  await shot(leader, 'leader-joint-pending-phone');
  await leader.click(`${card} .jact-approve`);
  assert.match(await leader.textContent('.modal'), /立即开始实施/);
  await modalSubmit(leader);
  await leader.waitForSelector(card, { state: 'detached' });
  await go(leader, `#/joint-action/${id}`);
  await leader.waitForSelector('#limits');
  assert.match(await leader.textContent('main h2'), /实施中/);
  assert.match(await leader.textContent('#limits'), /起草至批准用时[\s\S]*开始实施/);
  assert.ok(await leader.evaluate(() => document.documentElement.scrollWidth <= 361), 'no sideways scrolling at 360 px');
  await shot(leader, 'leader-joint-in-progress-phone');
  // the office's list filtered by state and mechanism shows it
  await go(office, '#/joint?state=in_progress&mechanism=emergency');
  await office.waitForSelector(`#jrows tr[data-id="${id}"]`);
  assert.ok((await office.locator('#jrows tr[data-id]').count()) >= 2, 'the demo emergency and this one');
  for (const t of await office.locator('#jrows tr[data-id]').allTextContents()) assert.match(t, /应急启动[\s\S]*实施中/);
  await shot(office, 'office-joint-list');
  await done(office, leader);
});

test('special: too late two days ahead, in time five days ahead; forwarded; decided in writing; decision PDF', async () => {
  const contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, '#/joint-new');
  assert.equal(await contact.inputValue('#j-mech'), 'special');
  assert.match(await contact.textContent('#j-rule'), /须在计划开始3日前提出/);
  const title = '碧湖村违法建设专项整治（浏览器测试）';
  await contact.fill('#j-title', title);
  await contact.fill('#j-targets', '碧湖村在建违法建筑3处，当事人拒不停工');
  await contact.fill('#j-place', '碧湖村');
  await contact.check('#j-units input[value="2"]'); // 自然资源所
  await contact.fill('#j-start', await dayInput(2, 9));
  await contact.fill('#j-end', await dayInput(2, 17));
  await contact.click('#j-submit');
  await contact.waitForFunction(() => document.getElementById('j-status').dataset.code === 'too_late_to_apply');
  assert.match(await contact.textContent('#j-status'), /须在实施3日前提出申请/);
  await shot(contact, 'contact-special-too-late-phone');
  const token = await h.login('office');
  const drafts = (await h.api('GET', '/api/v1/joint-actions?mechanism=special&state=draft', { token })).body.items;
  assert.ok(!drafts.some((a) => a.title === title), 'the refused application leaves no draft');
  // five days ahead: in time; the form kept what was typed
  assert.equal(await contact.inputValue('#j-title'), title);
  await contact.fill('#j-start', await dayInput(5, 9));
  await contact.fill('#j-end', await dayInput(5, 17));
  await contact.click('#j-submit');
  await contact.waitForSelector('main[data-screen="joint-action"] #limits');
  const id = actionId(contact);
  assert.match(await contact.textContent('main h2'), /专项启动.*已提交/);
  assert.match(await contact.textContent('#limits'), /收到申请[\s\S]*转报组长[\s\S]*剩余/);
  await shot(contact, 'contact-special-applied-phone');

  // the office forwards it, with the 2-day clock in view
  const office = await open(browser, h, 'office');
  await go(office, '#/supervise');
  const card = `#joint-pending .jcard[data-id="${id}"]`;
  await office.waitForSelector(card);
  assert.match(await office.textContent(card), /剩余 \d+天[\s\S]*转报期限/);
  assert.match(await office.textContent('#joint-pending'), /转报已超期/, 'the demo application past its 2 days is marked');
  await shot(office, 'office-forward-pending');
  await office.click(`${card} .jact-forward`);
  await modalSubmit(office);
  await office.waitForSelector(card, { state: 'detached' });

  // the leader decides on a phone, in writing
  const leader = await open(browser, h, 'leader', { viewport: PHONE });
  await go(leader, '#/supervise');
  const lcard = `#joint-pending .jcard[data-id="${id}"]`;
  await leader.waitForSelector(lcard);
  assert.match(await leader.textContent(lcard), /按时转报/);
  await leader.click(`${lcard} .jact-decide`);
  await leader.selectOption('#dlg-launch', 'true');
  await leader.fill('#dlg-reasons', '违法建设当事人拒不停工，单靠综合执法中队难以制止，同意启动专项联合执法，由申请单位牵头。');
  await shot(leader, 'leader-decide-phone');
  await modalSubmit(leader);
  await leader.waitForSelector(lcard, { state: 'detached' });
  await go(leader, `#/joint-action/${id}`);
  await leader.waitForSelector('#decisionpdf');
  assert.match(await leader.textContent('main h2'), /已批准/);
  assert.match(await leader.textContent('#plan'), /牵头单位碧湖镇综合行政执法中队/);
  assert.match(await leader.textContent('#limits'), /决定启动[\s\S]*拒不停工/);
  await shot(leader, 'leader-decided-phone');
  const href = await leader.getAttribute('#decisionpdf', 'href');
  const pdf = await leader.request.get(h.url + href);
  assert.equal(pdf.status(), 200);
  assert.match(pdf.headers()['content-type'], /^application\/pdf/);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  const plan = await leader.request.get(h.url + await leader.getAttribute('#planpdf', 'href'));
  assert.match(plan.headers()['content-type'], /^application\/pdf/);
  // the contact's page: the unit leads it and may start it
  await go(contact, '#/joint');
  await go(contact, `#/joint-action/${id}`);
  await contact.waitForSelector('#jactions .jact-start');
  await done(contact, office, leader);
});

test('the unit contact sees an interactive notice with its same-day clock and answers it naming officers', async () => {
  const { action, notice } = await seedNotice(h);
  assert.equal(notice.unit_name, '碧湖镇综合行政执法中队');
  const contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, '#/notices');
  const card = `#nlist .ncard[data-nid="${notice.id}"]`;
  await contact.waitForSelector(card);
  assert.match(await contact.textContent(card), /剩余 \d+(小时|分)/);
  assert.match(await contact.textContent(card), /彩钢棚/);
  assert.match(await contact.textContent(card), /当日时限 \d{4}年\d+月\d+日 23:59/);
  await shot(contact, 'contact-notices-phone');
  await contact.click(`${card} [data-answer]`);
  await contact.waitForSelector('.modal input[name=pick]');
  const names = await contact.locator('.modal label.checkrow').allTextContents();
  assert.ok(names.some((n) => /徐磊/.test(n)) && names.some((n) => /郭杰/.test(n)), 'the unit\'s people');
  await contact.locator('.modal label.checkrow', { hasText: '徐磊' }).locator('input').check();
  await contact.locator('.modal label.checkrow', { hasText: '郭杰' }).locator('input').check();
  await shot(contact, 'contact-notice-answer-phone');
  await modalSubmit(contact);
  await contact.waitForSelector(card, { state: 'detached' }); // no longer open
  await contact.click('#ntabs a[data-open=""]');
  await contact.waitForSelector(card);
  assert.match(await contact.textContent(card), /当日响应/);
  assert.match(await contact.textContent(card), /徐磊、郭杰/);
  const token = await h.login('contact');
  const r = (await h.api('GET', '/api/v1/notices', { token })).body.items.find((n) => n.id === notice.id);
  assert.ok(r.answered_at && !r.late);
  assert.deepEqual(r.officers.sort(), [1, 2]);
  // the office's page of the action shows the answer too
  const office = await open(browser, h, 'office');
  await go(office, `#/joint-action/${action.id}`);
  await office.waitForSelector(`#notices .ncard[data-nid="${notice.id}"]`);
  assert.match(await office.textContent('#notices'), /当日响应[\s\S]*派出人员：徐磊、郭杰/);
  assert.match(await office.textContent('#jhistory'), /发出协同通知[\s\S]*协同通知已响应/);
  await shot(office, 'office-joint-action');
  await done(contact, office);
});

test('the police contact follows up an incident handed to the station', async () => {
  const police = await open(browser, h, 'police', { viewport: PHONE });
  await go(police, '#/notices');
  await police.waitForSelector('#incs');
  await police.waitForFunction(() => !document.querySelector('#incs .loading'));
  // the demo's obstruction incident was accepted already; add one through the office's page
  const office = await open(browser, h, 'office');
  await go(office, '#/joint-action/4');
  await office.waitForSelector('#addincident');
  await office.selectOption('#addincident select[name=kind]', 'violence');
  await office.fill('#addincident textarea', '当事人持木棍冲撞执法人员（浏览器测试）');
  await office.click('#addincident button[type=submit]');
  await office.waitForFunction(() => /持木棍冲撞/.test(document.getElementById('incidents').textContent));
  assert.match(await office.textContent('#incidents'), /暴力抗法[\s\S]*已移交派出所[\s\S]*持木棍冲撞/);
  await go(police, '#/joint');
  await go(police, '#/notices');
  await police.waitForFunction(() => /持木棍冲撞/.test(document.getElementById('incs')?.textContent || ''));
  const card = police.locator('#incs .icard', { hasText: '持木棍冲撞' });
  await card.locator('[data-follow]').click();
  await police.selectOption('#dlg-state', 'accepted');
  await police.fill('#dlg-note', '已出警，控制当事人并带回调查');
  await modalSubmit(police);
  await police.waitForFunction(() => /已出警，控制当事人/.test(document.getElementById('incs').textContent));
  assert.match(await card.textContent(), /派出所已受理/);
  await shot(police, 'police-incidents-phone');
  await done(police, office);
});

test('a county department launches a county-wide action across two townships', async () => {
  const dept = await open(browser, h, 'dept');
  await go(dept, '#/joint-new');
  assert.match(await dept.textContent('#j-rule'), /每个乡镇生成一个分行动/);
  await dept.fill('#j-title', '全区违法建设统一整治（浏览器测试）');
  await dept.selectOption('#j-mode', 'dispersed');
  const towns = dept.locator('#j-towns input[name=town]');
  const n = await towns.count();
  assert.ok(n >= 2, 'the county\'s townships');
  for (let i = 2; i < n; i++) await towns.nth(i).uncheck();
  await dept.click('#j-submit');
  await dept.waitForSelector('main[data-screen="joint-action"] #jactions');
  assert.match(await dept.textContent('main h2'), /全县统一行动/);
  assert.match(await dept.textContent('main'), /各乡镇（街道）分行动[\s\S]*碧湖镇/);
  assert.equal(await dept.locator('main a[href^="#/joint-action/"]').count() >= 2, true, 'two township parts');
  await dept.waitForSelector('#jactions .jact-start');
  await shot(dept, 'dept-county-action');
  await done(dept);
});

test('the unit contact names participants (an expired certificate is refused by name) and checks one in on the day', async () => {
  const contact = await open(browser, h, 'contact', { viewport: PHONE });
  await go(contact, '#/joint-action/4'); // the demo's routine action in progress today
  await contact.waitForSelector('#addpart');
  const opt = await contact.locator('#addpart select[name=person_id] option', { hasText: '曹志强' }).textContent();
  assert.match(opt, /执法资格不覆盖本次行动/, 'the form warns before sending');
  await contact.selectOption('#addpart select[name=person_id]', { label: opt });
  await contact.selectOption('#addpart select[name=role]', 'enforcer');
  await contact.click('#addpart button[type=submit]');
  await contact.waitForFunction(() => /曹志强/.test(document.getElementById('partstatus').textContent));
  assert.match(await contact.textContent('#partstatus'), /执法资格|qualification/);
  // as support he may join
  await contact.selectOption('#addpart select[name=role]', 'support');
  await contact.click('#addpart button[type=submit]');
  await contact.waitForFunction(() => /曹志强/.test(document.querySelector('#participants table')?.textContent || ''));
  // 韩霞 checks in through her unit's contact
  const row = contact.locator('#participants tr', { hasText: '韩霞' });
  await row.locator('[data-check="check-in"]').click();
  await contact.waitForFunction(() => [...document.querySelectorAll('#participants tr')].some((tr) => /韩霞/.test(tr.textContent) && tr.querySelector('[data-check="check-out"]')));
  assert.match(await contact.locator('#participants tr', { hasText: '韩霞' }).textContent(), /\d+月\d+日 \d\d:\d\d/);
  await contact.locator('#participants').scrollIntoViewIfNeeded();
  await shot(contact, 'contact-participants-phone');
  await done(contact);
});

test('a plan the leader sends back is revised in the same form and resubmitted', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/joint-new');
  await office.fill('#j-title', '碧湖村违规户外广告清理（退回修改）');
  await office.check('#j-units input[value="1"]');
  await office.fill('#j-tasks', '综合执法中队负责');
  await office.click('#j-submit');
  await office.waitForSelector('main[data-screen="joint-action"] #jactions');
  const id = actionId(office);
  const leader = await h.login('leader');
  const back = await h.api('POST', `/api/v1/joint-actions/${id}/actions`, { token: leader, body: { action: 'return', reason: '请补充市场监管所分工' } });
  assert.equal(back.body.state, 'draft');
  await go(office, '#/joint');
  await go(office, `#/joint-action/${id}`);
  await office.waitForSelector('#jedit');
  await office.click('#jedit');
  await office.waitForSelector('#jnew');
  assert.equal(await office.inputValue('#j-title'), '碧湖村违规户外广告清理（退回修改）');
  await office.check('#j-units input[value="6"]'); // 市场监管所
  await office.fill('#j-tasks', '综合执法中队拆除广告；市场监管所核查经营户证照');
  await shot(office, 'office-joint-edit');
  await office.click('#j-submit');
  await office.waitForSelector('main[data-screen="joint-action"] #jactions');
  assert.equal(actionId(office), id, 'the same action, not a new one');
  assert.match(await office.textContent('#plan'), /市场监管所核查经营户证照/);
  assert.match(await office.textContent('main h2'), /已提交/);
  await done(office);
});
