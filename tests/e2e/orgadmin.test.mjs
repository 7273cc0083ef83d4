// orgadmin.test.mjs — the administrator edits the organisation in the
// browser (issue 13, items 7–9): a unit with its contact and resources, an
// officer with a qualification (an expiring one marked), the township
// leadership group and a county department's leading group, a category
// with its time limits, a cell's grid members and the patrol checklist.
// Each change is then read through the API; each bad input shows the
// server's Chinese message beside its field and changes nothing. The
// security and audit administrators see none of these screens; the office
// reads the checklist without editing it; the unit's page fits a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, open, go, shot, PHONE } from './browser.mjs';

let h, browser, token, town, dept;
before(async () => {
  ({ h, browser } = await setup());
  token = await h.login('admin');
  town = (await h.api('GET', '/api/v1/me', { token: await h.login('office') })).body.township_id;
  dept = (await h.api('GET', '/api/v1/me', { token: await h.login('dept') })).body.department_id;
});
after(async () => { await browser?.close(); await h?.close(); });

const get = async (path) => (await h.api('GET', '/api/v1' + path, { token })).body;
const q = (s) => Number(h.sql(s));
const plus = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
async function submit(page) {
  await page.click('.modal button[type=submit]');
  await page.waitForSelector('.modal', { state: 'detached' });
}
// refused: submit, and the dialog stays with the message beside `field`.
async function refused(page, field, re) {
  await page.click('.modal button[type=submit]');
  const err = page.locator(`.modal [id$="-${field}-err"]`);
  await err.filter({ hasText: /\S/ }).waitFor();
  assert.match(await err.textContent(), re);
  assert.equal(await page.getAttribute(`.modal [name="${field}"]`, 'aria-invalid'), 'true');
}
const fill = async (page, values) => { for (const [k, v] of Object.entries(values)) await page.fill(`.modal [name="${k}"]`, String(v)); };

test('the admin builds a unit: contact, resources, an officer with a qualification; bad input changes nothing', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/units');
  await page.waitForSelector('#units tbody tr');
  const units0 = q('SELECT COUNT(*) FROM units');
  // a unit without a name is refused beside the name
  await page.click('#u-add');
  await fill(page, { code: 'BH-TEST' });
  await page.selectOption('.modal [name=township_id]', String(town));
  await page.selectOption('.modal [name=department_id]', String(dept));
  await refused(page, 'name', /名称/);
  assert.equal(q('SELECT COUNT(*) FROM units'), units0, 'nothing created');
  await fill(page, { name: '碧湖镇测试执法站' });
  await page.selectOption('.modal [name=kind]', 'planning');
  await submit(page);
  await page.waitForSelector('#units tbody tr:has-text("碧湖镇测试执法站")');
  const unit = (await get('/units?limit=500')).items.find((u) => u.code === 'BH-TEST');
  assert.equal(unit.township_id, town);
  assert.equal(unit.department_id, dept);
  assert.equal(unit.kind, 'planning');

  // an officer of the unit, frontline, with a qualification ending in 10 days
  await go(page, `#/people?unit=${unit.id}`);
  await page.click('#p-add');
  await fill(page, { name: '测试执法员', title: '执法队员', phone: '13800000000' });
  await page.selectOption('.modal [name=unit_id]', String(unit.id));
  await page.check('.modal [name=frontline]');
  await submit(page);
  await page.waitForSelector('#people tr:has-text("测试执法员")');
  const officer = (await get(`/people?unit_id=${unit.id}`)).items[0];
  assert.equal(officer.name, '测试执法员');
  assert.equal(officer.frontline, 1);
  await page.click(`#people [data-qual="${officer.id}"]`);
  await fill(page, { cert_no: 'ZJ-TEST-0001', domains: '规划建设、村镇建设', valid_from: plus(10), valid_to: plus(-300) });
  await refused(page, 'valid_to', /有效期/);
  assert.equal(q(`SELECT COUNT(*) FROM qualifications WHERE person_id = ${officer.id}`), 0, 'nothing registered');
  await fill(page, { valid_from: plus(-300), valid_to: plus(10) });
  await submit(page);
  await page.waitForSelector('#people .qual-yellow');
  assert.match(await page.textContent(`#people tr[data-id="${officer.id}"]`), /ZJ-TEST-0001 30天内到期/);
  const quals = (await get(`/people/${officer.id}`)).qualifications;
  assert.deepEqual(quals.map((x) => [x.cert_no, x.domains, x.valid_to]), [['ZJ-TEST-0001', ['规划建设', '村镇建设'], plus(10)]]);
  // renewed: the form fills with the certificate chosen; the mark turns green
  await page.click(`#people [data-qual="${officer.id}"]`);
  await page.selectOption('.modal [name=action]', `edit:${quals[0].id}`);
  assert.equal(await page.inputValue('.modal [name=cert_no]'), 'ZJ-TEST-0001');
  await fill(page, { valid_to: plus(1000) });
  await submit(page);
  await page.waitForSelector(`#people tr[data-id="${officer.id}"] .qual-green`);
  assert.deepEqual((await get(`/people/${officer.id}`)).qualifications.map((x) => [x.id, x.valid_to]), [[quals[0].id, plus(1000)]]);

  // the officer becomes the unit's joint-enforcement contact
  await go(page, '#/units');
  await page.click(`#units [data-edit="${unit.id}"]`);
  await page.selectOption('.modal [name=contact_person_id]', String(officer.id));
  await submit(page);
  await page.waitForSelector(`#units tr[data-id="${unit.id}"]:has-text("测试执法员")`);
  assert.equal((await get(`/units/${unit.id}`)).contact_person_id, officer.id);

  // resources: a negative amount is refused beside it; then funding is recorded
  await go(page, `#/units/${unit.id}`);
  assert.match(await page.textContent('#u-share'), /100\.0%/, 'the one active officer is frontline');
  await page.click('#res-add');
  await fill(page, { description: '2026年度执法工作经费', amount: -5, year: 2026 });
  await refused(page, 'amount', /非负/);
  assert.equal(q(`SELECT COUNT(*) FROM unit_resources WHERE unit_id = ${unit.id}`), 0, 'nothing recorded');
  await fill(page, { amount: 80000 });
  await submit(page);
  await page.waitForSelector('#res tbody tr:has-text("2026年度执法工作经费")');
  const res = (await get(`/units/${unit.id}/resources`)).items;
  assert.deepEqual(res.map((x) => [x.kind, x.provided_by, Number(x.amount), x.year]), [['funding', 'township', 80000, 2026]]);
  await shot(page, 'orgadmin-unit');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.external, []);
  await page.context().close();

  // the unit's page on a phone: nothing wider than the screen
  const phone = await open(browser, h, 'admin', { viewport: PHONE });
  await go(phone, `#/units/${unit.id}`);
  await phone.waitForSelector('#res tbody tr');
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'fits 360 px');
  await shot(phone, 'orgadmin-unit-phone');
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

test('the admin edits the township leadership group and a county department\'s leading group', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, `#/leadership?township=${town}&dept=${dept}`);
  await page.waitForSelector('#ld tbody tr');
  const n0 = q(`SELECT COUNT(*) FROM leadership WHERE township_id = ${town}`);
  // no person chosen: refused beside the person
  await page.click('#ld-add');
  await refused(page, 'person_id', /\S/);
  assert.equal(q(`SELECT COUNT(*) FROM leadership WHERE township_id = ${town}`), n0, 'nothing added');
  const person = q(`SELECT id FROM people WHERE township_id = ${town} AND active = 1 AND id NOT IN (SELECT person_id FROM leadership) ORDER BY id LIMIT 1`);
  await page.selectOption('.modal [name=person_id]', String(person));
  await page.selectOption('.modal [name=position]', 'office');
  await submit(page);
  await page.waitForSelector('#ld tbody tr:has-text("办公室")');
  const items = (await get(`/leadership?township_id=${town}`)).items;
  const row = items.find((l) => l.person_id === person);
  assert.equal(row.position, 'office');
  // the office member becomes a deputy
  await page.click(`#ld [data-pos="${row.id}"]`);
  await page.selectOption('.modal [name=position]', 'deputy');
  await submit(page);
  await page.waitForFunction((id) => /副组长/.test(document.querySelector(`#ld tr[data-id="${id}"]`)?.textContent), row.id);
  assert.equal((await get(`/leadership?township_id=${town}`)).items.find((l) => l.id === row.id).position, 'deputy');

  const member = q(`SELECT id FROM people WHERE department_id = ${dept} AND active = 1 ORDER BY id LIMIT 1`);
  await page.click('#dl-add');
  await page.selectOption('.modal [name=person_id]', String(member));
  await page.selectOption('.modal [name=position]', 'leader');
  await submit(page);
  await page.waitForSelector('#dl tbody tr:has-text("组长")');
  const group = (await get(`/departments/${dept}/leadership`)).items;
  assert.deepEqual(group.map((l) => [l.person_id, l.position]), [[member, 'leader']]);
  await shot(page, 'orgadmin-leadership');
  // and out again
  await page.click(`#dl [data-del="${group[0].id}"]`);
  await submit(page);
  await page.waitForSelector('#dl tbody tr:has-text("尚未组建")');
  assert.deepEqual((await get(`/departments/${dept}/leadership`)).items, []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the admin adds a category with its time limits, assigns a grid member and edits the patrol checklist', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/categories');
  await page.waitForSelector('#cats tbody tr');
  const cats0 = q('SELECT COUNT(*) FROM categories');
  const parent = (await get('/categories')).items[0];
  await page.click('#cat-add');
  await page.selectOption('.modal [name=parent_id]', String(parent.id));
  await fill(page, { code: 'UI01', name: '界面测试类别', accept_hours: 0, handle_days: 3, verify_days: 1 });
  await refused(page, 'accept_hours', /受理时限/);
  assert.equal(q('SELECT COUNT(*) FROM categories'), cats0, 'nothing created');
  await fill(page, { accept_hours: 12 });
  await submit(page);
  await page.waitForSelector('#cats tr:has-text("界面测试类别")');
  const cat = (await get('/categories')).items.find((c) => c.id === parent.id).children.find((k) => k.code === 'UI01');
  assert.deepEqual([cat.accept_hours, cat.handle_days, cat.verify_days], [12, 3, 1]);

  // a grid member for the first cell
  await go(page, '#/grid-members');
  await page.waitForSelector('#cells tbody tr');
  const cellId = Number(await page.getAttribute('#cells tbody tr', 'data-id'));
  const cell = (await get(`/grid/cells/${cellId}`)).properties;
  const person = q(`SELECT id FROM people WHERE township_id = ${cell.township_id} AND unit_id IS NULL AND active = 1 AND id NOT IN (SELECT person_id FROM grid_members WHERE cell_id = ${cellId}) ORDER BY id LIMIT 1`);
  await page.click(`#cells [data-cell="${cellId}"]`);
  await page.check(`.modal input[name=members][value="${person}"]`);
  await submit(page);
  await page.waitForSelector(`#cells tr[data-id="${cellId}"] .members`);
  const members = (await get(`/grid/cells/${cellId}`)).properties.members.map((m) => m.person_id);
  assert.ok(members.includes(person), 'the member is stored');
  assert.equal(members.length, cell.members.length + 1, 'the others stay');

  // the patrol checklist: an empty item is refused and changes nothing; a new one is saved
  await go(page, '#/patrol-items');
  await page.waitForSelector('#pi tbody tr');
  const before = (await get('/patrol-items')).items.filter((x) => x.is_active);
  await page.click('#pi-add');
  await page.click('#pi button[type=submit]');
  await page.locator('#pi-err').filter({ hasText: /第\d+项/ }).waitFor();
  assert.equal(await page.getAttribute('#pi tbody tr:last-child [name=name]', 'aria-invalid'), 'true');
  assert.deepEqual((await get('/patrol-items')).items.filter((x) => x.is_active), before, 'nothing changed');
  await page.fill('#pi tbody tr:last-child [name=name]', '违法搭建农房巡查（测试）');
  await page.click('#pi button[type=submit]');
  await page.waitForSelector('#pi tbody tr:has(input[value="违法搭建农房巡查（测试）"])');
  const after = (await get('/patrol-items')).items.filter((x) => x.is_active);
  assert.equal(after.length, before.length + 1);
  assert.equal(after.at(-1).name, '违法搭建农房巡查（测试）');
  assert.deepEqual(after.slice(0, -1).map((x) => x.id), before.map((x) => x.id), 'the others keep their ids');
  await shot(page, 'orgadmin-patrol-items');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the admin adds, renames and deletes a village; a duplicate code and a region still in use are refused', async () => {
  const page = await open(browser, h, 'admin');
  await go(page, '#/regions');
  await page.waitForSelector(`main tr[data-id="${town}"]`);
  const n0 = q('SELECT COUNT(*) FROM regions');
  const taken = h.sql(`SELECT code FROM regions WHERE parent_id = ${town} ORDER BY id LIMIT 1`);
  await page.click(`main [data-add="${town}"]`);
  await fill(page, { name: '测试村', code: taken });
  await refused(page, 'code', /已存在/);
  assert.equal(q('SELECT COUNT(*) FROM regions'), n0, 'nothing created');
  await fill(page, { code: '331102999001' });
  await submit(page);
  const v = (await get(`/regions?parent_id=${town}&limit=500`)).items.find((r) => r.code === '331102999001');
  assert.equal(v.level, 'village');
  await page.click(`main [data-edit="${v.id}"]`);
  await fill(page, { name: '测试新村' });
  await submit(page);
  await page.waitForSelector(`main tr[data-id="${v.id}"]:has-text("测试新村")`);
  assert.equal((await get(`/regions/${v.id}`)).name, '测试新村');
  // the township is still in use: refused, the message on the screen, nothing deleted
  await page.click(`main [data-del="${town}"]`);
  await submit(page);
  await page.locator('.org-status.bad').filter({ hasText: /未删除/ }).waitFor();
  assert.equal(q(`SELECT COUNT(*) FROM regions WHERE id = ${town}`), 1);
  await page.click(`main [data-del="${v.id}"]`);
  await submit(page);
  await page.waitForSelector(`main tr[data-id="${v.id}"]`, { state: 'detached' });
  assert.equal(q(`SELECT COUNT(*) FROM regions WHERE id = ${v.id}`), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the security and audit administrators see none of these screens; the office reads the checklist', async () => {
  for (const who of ['secadmin', 'auditor']) {
    const page = await open(browser, h, who);
    const hrefs = await page.$$eval('nav a[href^="#/"]', (as) => as.map((a) => a.getAttribute('href')));
    for (const s of ['#/regions', '#/units', '#/people', '#/leadership', '#/categories', '#/grid-members', '#/patrol-items'])
      assert.ok(!hrefs.includes(s), `${who} does not see ${s}`);
    await page.context().close();
  }
  const office = await open(browser, h, 'office');
  await go(office, '#/patrol-items');
  await office.waitForSelector('#pi tbody tr');
  assert.equal(await office.locator('#pi input').count(), 0, 'read only');
  await go(office, '#/regions');
  await office.waitForSelector('main table tbody tr');
  assert.equal(await office.locator('main [data-edit]').count(), 0, 'no edit buttons');
  assert.deepEqual(office.errors, []);
  await office.context().close();
});
