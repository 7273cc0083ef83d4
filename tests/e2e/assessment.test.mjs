// assessment.test.mjs — the assessment of dispatched units and staff (R8,
// issue 12) in a real browser. The office sets up the year's scheme in the
// editor (the weights' sum shown as typed) and submits it; the leader
// approves it on a phone; the scoreboard shows every unit of the township,
// a point drills down to its records, and the office rates a unit on the
// rating form; the office generates the year's results and grades a unit,
// the leader sends it to the department, and the department records its
// final grade beside the township's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot as save, PHONE } from './browser.mjs';

let h, browser, schemeId;
before(async () => { ({ h, browser } = await setup()); });
after(async () => { await browser?.close(); await h?.close(); });

async function shot(page, name) {
  await page.evaluate(() => document.getElementById('toast')?.classList.add('hidden'));
  await save(page, name);
}
async function modal(page, fill = async () => {}) {
  await page.waitForSelector('.modal');
  await fill();
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
const heading = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('main h2')?.textContent || ''), re.source);
const done = async (...pages) => { for (const p of pages) { assert.deepEqual(p.errors, []); assert.deepEqual(p.external, []); await p.context().close(); } };

test('the office sets up the year\'s scheme and the leader approves it on a phone', async () => {
  const office = await open(browser, h, 'office');
  await go(office, '#/assessment');
  await office.click('#as-new');
  await office.waitForSelector('#as-form');
  assert.equal(await office.textContent('#as-sum'), '100');
  await office.fill('#as-rating', '40');
  assert.equal(await office.textContent('#as-sum'), '110', 'the sum follows the typing');
  await office.fill('#as-rating', '30');
  await shot(office, 'office-assessment-editor');
  await office.click('#as-save');
  await office.waitForFunction(() => /#\/assessment\/\d+/.test(location.hash));
  schemeId = Number(await office.evaluate(() => location.hash.match(/\d+/)[0]));
  await heading(office, /草稿/);
  await office.click('.actions button[data-act=submit]');
  await heading(office, /待审批/);

  const leader = await open(browser, h, 'leader', { viewport: PHONE });
  await go(leader, `#/assessment/${schemeId}`);
  await leader.waitForSelector('.actions button[data-act=approve]');
  await shot(leader, 'leader-assessment-approve-phone');
  await leader.click('.actions button[data-act=approve]');
  await heading(leader, /已批准/);
  await done(office, leader);
});

test('scores show for every unit, a point drills down to its records, the office rates a unit', async () => {
  const office = await open(browser, h, 'office');
  await go(office, `#/assessment/${schemeId}`);
  await office.waitForSelector('#as-scores tbody tr[data-id]');
  const units = Number(h.sql("SELECT COUNT(*) FROM units WHERE township_id = (SELECT id FROM regions WHERE name = '碧湖镇')"));
  assert.equal(await office.locator('#as-scores tbody tr[data-id]').count(), units);
  await office.click('#as-scores tr[data-id="1"] a[data-ind="overdue"]');
  await office.waitForSelector('#as-records .card');
  assert.match(await office.textContent('#as-records'), /碧湖镇综合行政执法中队 · overdue：\d+ 条记录/);
  await office.selectOption('#r-kind', 'unit');
  await office.selectOption('#r-subject', '1');
  await office.fill('#r-score', '88');
  await office.fill('#r-remarks', '响应及时');
  await office.click('#r-submit');
  await office.waitForFunction(() => /88/.test(document.querySelector('#as-scores tr[data-id="1"] td.pts[data-ind="rating"]')?.textContent || ''));
  await office.click('#as-tabs a[data-subject=person]');
  await office.waitForFunction(() => document.querySelectorAll('#as-scores tbody tr[data-id]').length > 7);
  await shot(office, 'office-assessment-scores');
  await done(office);
});

test('the year\'s result goes to the department, which records its final grade', async () => {
  const office = await open(browser, h, 'office');
  await go(office, `#/assessment/${schemeId}`);
  await office.click('#as-generate');
  await office.waitForSelector('main[data-screen="assessment-results"] #as-results tr[data-id]');
  const row = '#as-results tr:has-text("碧湖镇综合行政执法中队（机构）")';
  await office.click(`${row} button[data-act=finalise]`);
  await modal(office, async () => { await office.selectOption('.modal select[name=grade]', '优秀'); await office.fill('.modal textarea[name=remarks]', '全年任务按期办结'); });
  await office.waitForSelector(`${row}:has-text("乡镇已评定")`);

  const leader = await open(browser, h, 'leader');
  await go(leader, '#/assessment-results');
  await leader.click(`${row} button[data-act=send]`);
  await leader.waitForSelector(`${row}:has-text("已报送主管部门")`);

  const dept = await open(browser, h, 'dept', { viewport: PHONE });
  await go(dept, '#/assessment-results');
  await dept.click(`${row} button[data-act=department_final]`);
  await modal(dept, async () => { await dept.selectOption('.modal select[name=grade]', '称职'); await dept.fill('.modal textarea[name=remarks]', '依据乡镇通报情况综合确定'); });
  await dept.waitForSelector(`${row}:has-text("主管部门已确定")`);
  const text = await dept.textContent(row);
  assert.match(text, /优秀/);
  assert.match(text, /称职/);
  await shot(dept, 'dept-assessment-final-phone');
  await done(office, leader, dept);
});

test('the flags board lists the signs with their evidence and the leader supervises one', async () => {
  const leader = await open(browser, h, 'leader');
  await go(leader, '#/assessment-flags');
  await leader.waitForSelector('.as-flag');
  const flag = leader.locator('.as-flag:has(button[data-act=supervise])').first();
  assert.match(await flag.textContent(), /(不作为|慢作为|乱作为)[\s\S]*证据（\d+ 条）：#\d+/);
  const id = await flag.getAttribute('data-id');
  await flag.locator('button[data-act=supervise]').click();
  await modal(leader, async () => { await leader.fill('.modal textarea[name=note]', '请限期整改并报告'); });
  await leader.waitForSelector(`.as-flag[data-id="${id}"]:has-text("已督办")`);
  await shot(leader, 'leader-assessment-flags');
  await done(leader);
});
