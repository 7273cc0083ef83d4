// orgadmin.test.mjs — the API pieces the administrator's organisation
// screens need beyond plain records (issue 13, items 7–9): removing a unit's
// resource and a member of a county department's leading group (both
// through the one authorisation function, audited, nothing changed on a
// refusal), the township leadership group's office (position `office`),
// category time limits whose errors name the limit at fault, and moving a
// person to another unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t, ids;
const NAMES = ['office', 'office2', 'leader', 'grid', 'dept', 'admin', 'secadmin', 'auditor'];
const q = (s) => Number(h.sql(s));

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  const office = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  const dept = (await h.api('GET', '/api/v1/me', { token: t.dept })).body;
  ids = { town: office.township_id, dept: dept.department_id };
});
after(async () => { await h.close(); });

test('a unit\'s resource is removed by who may record it; others change nothing; the removal is audited', async () => {
  const unit = q(`SELECT id FROM units WHERE township_id = ${ids.town} AND department_id = ${ids.dept} ORDER BY id LIMIT 1`);
  const other = q(`SELECT id FROM units WHERE township_id = ${ids.town} AND id <> ${unit} ORDER BY id LIMIT 1`);
  const add = await h.api('POST', `/api/v1/units/${unit}/resources`, { token: t.admin,
    body: { kind: 'equipment', description: '执法记录仪', amount: 4, provided_by: 'department', year: 2026 } });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  const rid = add.body.id;
  const del = (who, u, r = rid) => h.api('DELETE', `/api/v1/units/${u}/resources/${r}`, { token: t[who] });
  expectError(assert, await del('grid', unit), 403);
  expectError(assert, await del('secadmin', unit), 403);
  expectError(assert, await del('office2', unit), 404, 'not_found');
  expectError(assert, await del('admin', other), 404, 'not_found');
  expectError(assert, await del('admin', unit, 999999), 404, 'not_found');
  assert.equal(q(`SELECT COUNT(*) FROM unit_resources WHERE id = ${rid}`), 1, 'nothing removed by a refusal');
  const r = await del('dept', unit);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(q(`SELECT COUNT(*) FROM unit_resources WHERE id = ${rid}`), 0);
  assert.equal((await h.api('GET', `/api/v1/units/${unit}/resources`, { token: t.admin })).body.items.length, 0);
  assert.equal(q(`SELECT COUNT(*) FROM audit_log WHERE action = 'unit.resource.delete' AND object_id = '${unit}'`), 1);
  expectError(assert, await del('admin', unit), 404, 'not_found');
});

test('a member of a county department\'s leading group is removed by the department or the administrator', async () => {
  const path = `/api/v1/departments/${ids.dept}/leadership`;
  const person = q(`SELECT id FROM people WHERE department_id = ${ids.dept} AND active = 1 ORDER BY id LIMIT 1`);
  const other = q(`SELECT id FROM departments WHERE id <> ${ids.dept} AND county_id = (SELECT county_id FROM departments WHERE id = ${ids.dept}) ORDER BY id LIMIT 1`);
  const add = await h.api('POST', path, { token: t.admin, body: { person_id: person, position: 'deputy' } });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  const lid = add.body.id;
  expectError(assert, await h.api('DELETE', `${path}/${lid}`, { token: t.office }), 403);
  expectError(assert, await h.api('DELETE', `/api/v1/departments/${other}/leadership/${lid}`, { token: t.admin }), 404, 'not_found');
  expectError(assert, await h.api('DELETE', `/api/v1/departments/999999/leadership/${lid}`, { token: t.admin }), 404);
  assert.equal(q(`SELECT COUNT(*) FROM county_leadership WHERE id = ${lid}`), 1, 'nothing removed by a refusal');
  const r = await h.api('DELETE', `${path}/${lid}`, { token: t.dept });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual((await h.api('GET', path, { token: t.admin })).body.items, []);
  assert.equal(q(`SELECT COUNT(*) FROM audit_log WHERE action = 'dept.leadership.delete' AND object_id = '${ids.dept}'`), 1);
  // the person may join again afterwards
  assert.equal((await h.api('POST', path, { token: t.admin, body: { person_id: person, position: 'member' } })).status, 201);
});

test('the township leadership group has its office beside the leader, deputies and members', async () => {
  const person = q(`SELECT id FROM people WHERE township_id = ${ids.town} AND id NOT IN (SELECT person_id FROM leadership) ORDER BY id LIMIT 1`);
  expectError(assert, await h.api('POST', '/api/v1/leadership', { token: t.admin, body: { township_id: ids.town, person_id: person, position: 'boss' } }), 422, 'invalid_value');
  const r = await h.api('POST', '/api/v1/leadership', { token: t.admin, body: { township_id: ids.town, person_id: person, position: 'office' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const items = (await h.api('GET', `/api/v1/leadership?township_id=${ids.town}`, { token: t.office })).body.items;
  assert.equal(items.at(-1).person_id, person, 'the office listed after the members');
  assert.equal(items.at(-1).position, 'office');
  assert.equal(items[0].position, 'leader');
  const del = await h.api('DELETE', `/api/v1/leadership/${r.body.id}`, { token: t.office });
  assert.equal(del.status, 200, JSON.stringify(del.body));
});

test('a category\'s time limit out of range names its own field and writes nothing', async () => {
  const parent = q("SELECT id FROM categories WHERE parent_id IS NULL ORDER BY id LIMIT 1");
  const body = (x) => ({ parent_id: parent, code: 'TL01', name: '测试时限', accept_hours: 24, handle_days: 5, verify_days: 2, ...x });
  const before = q('SELECT COUNT(*) FROM categories');
  for (const [field, v] of [['accept_hours', 0], ['accept_hours', 721], ['handle_days', 366], ['verify_days', 0]]) {
    const r = await h.api('POST', '/api/v1/categories', { token: t.admin, body: body({ [field]: v }) });
    expectError(assert, r, 400, 'invalid_field');
    assert.equal(r.body.error.field, field);
  }
  assert.equal(q('SELECT COUNT(*) FROM categories'), before, 'nothing written');
  const ok = await h.api('POST', '/api/v1/categories', { token: t.admin, body: body({ handle_days: 3 }) });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const up = await h.api('PUT', `/api/v1/categories/${ok.body.id}`, { token: t.admin, body: body({ handle_days: 0, version: ok.body.version }) });
  expectError(assert, up, 400, 'invalid_field');
  assert.equal(up.body.error.field, 'handle_days');
  assert.equal(q(`SELECT handle_days FROM categories WHERE id = ${ok.body.id}`), 3, 'the stored limit stands');
  expectError(assert, await h.api('POST', '/api/v1/categories', { token: t.office, body: body({ code: 'TL02' }) }), 403);
});

test('a person moves to another unit and takes its township and department; the unit\'s contact must be its own', async () => {
  const [u1, u2] = h.sql(`SELECT id FROM units WHERE township_id = ${ids.town} ORDER BY id LIMIT 2`).split(/\s+/).map(Number);
  const made = await h.api('POST', '/api/v1/people', { token: t.admin, body: { name: '调动测试', unit_id: u1 } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const p = made.body;
  const unit2 = (await h.api('GET', `/api/v1/units/${u2}`, { token: t.admin })).body;
  expectError(assert, await h.api('PUT', `/api/v1/units/${u2}`, { token: t.admin, body: { contact_person_id: p.id, version: unit2.version } }), 422, 'contact_not_in_unit');
  const moved = await h.api('PUT', `/api/v1/people/${p.id}`, { token: t.admin, body: { unit_id: u2, version: p.version } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.unit_id, u2);
  assert.equal(moved.body.department_id, unit2.department_id);
  const named = await h.api('PUT', `/api/v1/units/${u2}`, { token: t.admin, body: { contact_person_id: p.id, version: unit2.version } });
  assert.equal(named.status, 200, JSON.stringify(named.body));
  assert.equal(named.body.contact_person_id, p.id);
});

test('a qualification is corrected in place: same checks as registering, nothing changed on a refusal, audited', async () => {
  const person = q(`SELECT id FROM people WHERE township_id = ${ids.town} AND unit_id IS NOT NULL AND is_auxiliary = 0 ORDER BY id LIMIT 1`);
  const body = (x = {}) => ({ cert_no: 'ZJ-FIX-1', issuer: '浙江省人民政府', domains: ['村镇建设'], valid_from: '2026-01-01', valid_to: '2027-12-31', ...x });
  const made = await h.api('POST', `/api/v1/people/${person}/qualifications`, { token: t.admin, body: body() });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const put = (who, x, id = made.body.id) => h.api('PUT', `/api/v1/qualifications/${id}`, { token: t[who], body: body(x) });
  let r = await put('admin', { valid_to: '2025-12-31' });
  expectError(assert, r, 422, 'invalid_period');
  assert.equal(r.body.error.field, 'valid_to');
  r = await put('admin', { valid_from: '2026-13-40' });
  expectError(assert, r, 400, 'invalid_field');
  assert.equal(r.body.error.field, 'valid_from');
  expectError(assert, await put('admin', { domains: [] }), 400);
  expectError(assert, await put('admin', { extra: 1 }), 400);
  expectError(assert, await put('grid', {}), 403);
  expectError(assert, await put('secadmin', {}), 403);
  expectError(assert, await put('office2', {}), 403);
  expectError(assert, await put('admin', {}, 999999), 404);
  assert.equal(h.sql(`SELECT valid_to FROM qualifications WHERE id = ${made.body.id}`), '2027-12-31', 'nothing changed');
  r = await put('office', { valid_to: '2029-06-30', domains: ['村镇建设', '市容环境'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.valid_to, r.body.domains], ['2029-06-30', ['村镇建设', '市容环境']]);
  const check = (await h.api('GET', `/api/v1/people/${person}/qualification?date=2028-06-01&domain=市容环境`, { token: t.admin })).body;
  assert.equal(check.valid, true, 'the corrected period and domain count');
  assert.equal(q(`SELECT COUNT(*) FROM audit_log WHERE action = 'qualification.update' AND object_id = '${person}'`), 1);
  // another certificate's number is taken
  const other = await h.api('POST', `/api/v1/people/${person}/qualifications`, { token: t.admin, body: body({ cert_no: 'ZJ-FIX-2' }) });
  expectError(assert, await put('admin', { cert_no: 'ZJ-FIX-2' }), 409, 'duplicate');
  await h.api('DELETE', `/api/v1/qualifications/${other.body.id}`, { token: t.admin });
});

test('a leadership member\'s position changes; a new leader replaces the old one', async () => {
  const rows = () => h.api('GET', `/api/v1/leadership?township_id=${ids.town}`, { token: t.office }).then((r) => r.body.items);
  const before = await rows();
  const leader = before.find((l) => l.position === 'leader');
  const deputy = before.find((l) => l.position === 'deputy');
  const put = (who, id, position) => h.api('PUT', `/api/v1/leadership/${id}`, { token: t[who], body: { position } });
  expectError(assert, await put('admin', deputy.id, 'boss'), 422, 'invalid_value');
  expectError(assert, await put('grid', deputy.id, 'leader'), 403);
  expectError(assert, await put('office2', deputy.id, 'leader'), 403);
  expectError(assert, await put('admin', 999999, 'leader'), 404);
  assert.deepEqual(await rows(), before, 'nothing changed');
  const r = await put('office', deputy.id, 'leader');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await rows();
  assert.equal(after.find((l) => l.id === deputy.id).position, 'leader');
  assert.equal(after.find((l) => l.id === leader.id).position, 'member', 'the old leader is a member');
  assert.equal(after.filter((l) => l.position === 'leader').length, 1);
  assert.equal(q(`SELECT COUNT(*) FROM audit_log WHERE action = 'leadership.update'`), 1);
  // and back
  assert.equal((await put('admin', leader.id, 'leader')).status, 200);
  assert.equal((await put('admin', deputy.id, 'deputy')).status, 200);
});

test('the patrol checklist names only categories that exist; a refusal changes nothing', async () => {
  const get = async () => (await h.api('GET', '/api/v1/patrol-items', { token: t.office })).body.items.filter((x) => x.is_active);
  const before = await get();
  const items = before.map(({ id, group, name, category_code }) => ({ id, group, name, ...(category_code ? { category_code } : {}) }));
  let r = await h.api('PUT', '/api/v1/patrol-items', { token: t.admin, body: { items: [...items, { group: '测试', name: '测试条目', category_code: 'NOPE99' }] } });
  expectError(assert, r, 422, 'unknown_category');
  assert.equal(r.body.error.field, 'items');
  assert.match(r.body.error.message, new RegExp(`第${items.length + 1}项`));
  r = await h.api('PUT', '/api/v1/patrol-items', { token: t.admin, body: { items: [...items, { group: '测试', name: '测试条目', category_code: 7 }] } });
  expectError(assert, r, 400, 'invalid_body');
  expectError(assert, await h.api('PUT', '/api/v1/patrol-items', { token: t.office, body: { items } }), 403);
  assert.deepEqual(await get(), before, 'nothing changed');
  const code = h.sql('SELECT code FROM categories WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1');
  r = await h.api('PUT', '/api/v1/patrol-items', { token: t.admin, body: { items: [...items, { group: '测试', name: '测试条目', category_code: code }] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await get()).at(-1).category_code, code);
});
