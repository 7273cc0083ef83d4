// org.test.mjs — organisation and people (R1): the regions tree, departments,
// units under dual leadership, people with qualifications, the leadership
// group and named contacts; validation, pagination and version conflicts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t;
before(async () => { h = await startServer(); t = await h.tokens(['admin', 'office', 'office2', 'staff', 'dept', 'grid', 'leader']); });
after(async () => { await h.close(); });

test('collections answer {items,next} and page by cursor', async () => {
  for (const c of ['regions', 'departments', 'units', 'people']) {
    const r = await h.api('GET', `/api/v1/${c}`, { token: t.admin });
    assert.equal(r.status, 200, c);
    assert.ok(Array.isArray(r.body.items) && r.body.items.length > 0, c);
    assert.ok('next' in r.body);
  }
  const seen = new Set();
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const r = await h.api('GET', `/api/v1/people?limit=7${cursor ? '&cursor=' + cursor : ''}`, { token: t.admin });
    for (const p of r.body.items) { assert.ok(!seen.has(p.id), 'no repeats'); seen.add(p.id); }
    if (!r.body.next) break;
    cursor = r.body.next;
  }
  assert.ok(seen.size >= 40, `demo has 40+ people, saw ${seen.size}`);
  expectError(assert, await h.api('GET', '/api/v1/people?limit=0', { token: t.admin }), 400, 'invalid_query');
  expectError(assert, await h.api('GET', '/api/v1/people?cursor=abc', { token: t.admin }), 400, 'invalid_query');
});

test('demo: a county with 3+ townships, departments and their units in each township', async () => {
  const regions = (await h.api('GET', '/api/v1/regions?limit=500', { token: t.admin })).body.items;
  assert.ok(regions.filter((r) => r.level === 'township').length >= 3);
  const units = (await h.api('GET', '/api/v1/units?limit=500', { token: t.admin })).body.items;
  const depts = (await h.api('GET', '/api/v1/departments', { token: t.admin })).body.items;
  assert.ok(depts.length >= 7);
  for (const u of units) assert.ok(depts.find((d) => d.id === u.department_id), 'unit belongs to a department');
  const people = (await h.api('GET', '/api/v1/people?limit=500', { token: t.admin })).body.items;
  assert.ok(people.some((p) => p.is_auxiliary), 'some auxiliaries');
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  assert.ok(people.some((p) => p.qualifications.some((q) => q.valid_to < today)), 'some expired qualifications');
});

test('a township office sees only its own township; the other township is invisible', async () => {
  const mine = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  const units = (await h.api('GET', '/api/v1/units?limit=500', { token: t.office })).body.items;
  assert.ok(units.length > 0 && units.every((u) => u.township_id === mine.township_id));
  const all = (await h.api('GET', '/api/v1/units?limit=500', { token: t.admin })).body.items;
  const foreign = all.find((u) => u.township_id !== mine.township_id);
  expectError(assert, await h.api('GET', `/api/v1/units/${foreign.id}`, { token: t.office }), 404);
  const people = (await h.api('GET', '/api/v1/people?limit=500', { token: t.office })).body.items;
  assert.ok(people.every((p) => p.township_id === mine.township_id));
});

test('a county department sees its own line across townships and nothing else', async () => {
  const me = (await h.api('GET', '/api/v1/me', { token: t.dept })).body;
  const units = (await h.api('GET', '/api/v1/units?limit=500', { token: t.dept })).body.items;
  assert.ok(units.length >= 3);
  assert.ok(units.every((u) => u.department_id === me.department_id));
  assert.ok(new Set(units.map((u) => u.township_id)).size >= 3, 'across townships');
});

test('dispatched staff see their unit colleagues only', async () => {
  const me = (await h.api('GET', '/api/v1/me', { token: t.staff })).body;
  const people = (await h.api('GET', '/api/v1/people?limit=500', { token: t.staff })).body.items;
  assert.ok(people.length > 0 && people.every((p) => p.unit_id === me.unit_id));
});

test('create, read with ETag, update with version, stale update is 409', async () => {
  const town = (await h.api('GET', '/api/v1/me', { token: t.office })).body.township_id;
  const c = await h.api('POST', '/api/v1/people', { token: t.office, body: { name: '新网格员', township_id: town, phone: '13800001111', title: '网格员' } });
  assert.equal(c.status, 201);
  assert.equal(c.body.version, 1);
  const g = await h.api('GET', `/api/v1/people/${c.body.id}`, { token: t.office });
  assert.equal(g.headers.get('etag'), '"1"');
  const u1 = await h.api('PUT', `/api/v1/people/${c.body.id}`, { token: t.office, body: { version: 1, phone: '13800002222' } });
  assert.equal(u1.status, 200);
  assert.equal(u1.body.version, 2);
  assert.equal(u1.body.phone, '13800002222');
  expectError(assert, await h.api('PUT', `/api/v1/people/${c.body.id}`, { token: t.office, body: { version: 1, phone: '13800003333' } }), 409, 'version_conflict');
  expectError(assert, await h.api('PUT', `/api/v1/people/${c.body.id}`, { token: t.office, body: { phone: '1' } }), 400, 'version_required');
  const g2 = await h.api('GET', `/api/v1/people/${c.body.id}`, { token: t.office });
  assert.equal(g2.body.phone, '13800002222', 'the rejected update changed nothing');
  const ifm = await h.api('PUT', `/api/v1/people/${c.body.id}`, { token: t.office, headers: { 'If-Match': '"2"' }, body: { title: '专职网格员' } });
  assert.equal(ifm.status, 200);
});

test('validation: wrong types 400, unknown fields 400, broken rules 422, nothing written', async () => {
  const before = (await h.api('GET', '/api/v1/units?limit=500', { token: t.admin })).body.items.length;
  expectError(assert, await h.api('POST', '/api/v1/units', { token: t.admin, body: { name: 1 } }), 400, 'invalid_field');
  expectError(assert, await h.api('POST', '/api/v1/units', { token: t.admin, body: { bogus: 1 } }), 400, 'unknown_field');
  const depts = (await h.api('GET', '/api/v1/departments', { token: t.admin })).body.items;
  const regions = (await h.api('GET', '/api/v1/regions?limit=500', { token: t.admin })).body.items;
  const village = regions.find((r) => r.level === 'village');
  const town = regions.find((r) => r.level === 'township');
  expectError(assert, await h.api('POST', '/api/v1/units', { token: t.admin, body: { department_id: depts[0].id, township_id: village.id, code: 'X1', name: '测试' } }), 422, 'invalid_reference');
  expectError(assert, await h.api('POST', '/api/v1/units', { token: t.admin, body: { department_id: 99999, township_id: town.id, code: 'X1', name: '测试' } }), 422, 'invalid_reference');
  expectError(assert, await h.api('POST', '/api/v1/units', { token: t.admin, body: { department_id: depts[0].id, township_id: town.id, code: 'X1', name: '测试', kind: 'spaceship' } }), 422, 'invalid_value');
  const dup = await h.api('POST', '/api/v1/units', { token: t.admin, body: { department_id: depts[0].id, township_id: town.id, code: 'ZF-331102100', name: '重复' } });
  expectError(assert, dup, 409, 'duplicate');
  assert.equal((await h.api('GET', '/api/v1/units?limit=500', { token: t.admin })).body.items.length, before);
  const ok = await h.api('POST', '/api/v1/units', { token: t.admin, body: { department_id: depts[0].id, township_id: town.id, code: 'ZF-NEW', name: '新建中队', kind: 'enforcement' } });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.county_id, town.county_id, 'county derived from the township');
});

test('a unit contact must be one of the unit\'s people', async () => {
  const units = (await h.api('GET', '/api/v1/units?limit=500', { token: t.admin })).body.items;
  const [a, b] = units;
  const people = (await h.api('GET', `/api/v1/people?unit_id=${b.id}`, { token: t.admin })).body.items;
  expectError(assert, await h.api('PUT', `/api/v1/units/${a.id}`, { token: t.admin, body: { version: a.version, contact_person_id: people[0].id } }), 422, 'contact_not_in_unit');
});

test('qualification valid on a date for a domain; expired, auxiliary and wrong domain are not', async () => {
  const town = (await h.api('GET', '/api/v1/me', { token: t.office })).body.township_id;
  const p = (await h.api('POST', '/api/v1/people', { token: t.office, body: { name: '资格测试', township_id: town } })).body;
  const q = await h.api('POST', `/api/v1/people/${p.id}/qualifications`, { token: t.office, body: { cert_no: 'T-0001', issuer: '浙江省人民政府', domains: ['村镇建设'], valid_from: '2026-01-01', valid_to: '2026-12-31' } });
  assert.equal(q.status, 201);
  const check = async (date, domain) => (await h.api('GET', `/api/v1/people/${p.id}/qualification?date=${date}&domain=${encodeURIComponent(domain)}`, { token: t.office })).body;
  assert.equal((await check('2026-12-31', '村镇建设')).valid, true, 'last day counts');
  assert.equal((await check('2027-01-01', '村镇建设')).valid, false);
  assert.equal((await check('2027-01-01', '村镇建设')).reason, 'expired_or_not_yet_valid');
  assert.equal((await check('2026-06-01', '环境保护')).reason, 'domain_not_covered');
  expectError(assert, await h.api('POST', `/api/v1/people/${p.id}/qualifications`, { token: t.office, body: { cert_no: 'T-0002', issuer: 'x', domains: ['a'], valid_from: '2026-12-31', valid_to: '2026-01-01' } }), 422, 'invalid_period');
  expectError(assert, await h.api('POST', `/api/v1/people/${p.id}/qualifications`, { token: t.office, body: { cert_no: 'T-0001', issuer: 'x', domains: ['a'], valid_from: '2026-01-01', valid_to: '2026-12-31' } }), 409, 'duplicate');
  // declared shapes: each limit named once (http/shape.c), the field named, nothing written
  const quals = h.sql(`SELECT COUNT(*) FROM qualifications WHERE person_id = ${p.id}`);
  for (const [body, field] of [[{ domains: [] }, 'domains'], [{ domains: [''] }, 'domains'], [{ domains: Array(33).fill('a') }, 'domains'], [{ cert_no: '' }, 'cert_no'], [{ issuer: 'x'.repeat(201) }, 'issuer']]) {
    const r = await h.api('POST', `/api/v1/people/${p.id}/qualifications`, { token: t.office, body: { cert_no: 'T-0009', issuer: 'x', domains: ['a'], valid_from: '2026-01-01', valid_to: '2026-12-31', ...body } });
    expectError(assert, r, 400, 'invalid_field');
    assert.equal(r.body.error.field, field);
  }
  assert.equal(h.sql(`SELECT COUNT(*) FROM qualifications WHERE person_id = ${p.id}`), quals);
  const aux = (await h.api('POST', '/api/v1/people', { token: t.office, body: { name: '协管员甲', township_id: town, is_auxiliary: true } })).body;
  await h.api('POST', `/api/v1/people/${aux.id}/qualifications`, { token: t.office, body: { cert_no: 'T-0003', issuer: 'x', domains: ['村镇建设'], valid_from: '2026-01-01', valid_to: '2026-12-31' } });
  const ca = (await h.api('GET', `/api/v1/people/${aux.id}/qualification?date=2026-06-01&domain=${encodeURIComponent('村镇建设')}`, { token: t.office })).body;
  assert.equal(ca.valid, false);
  assert.equal(ca.reason, 'auxiliary');
});

test('leadership group: one leader per township, members of the township only, contacts listed', async () => {
  const me = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  const l = await h.api('GET', `/api/v1/leadership?township_id=${me.township_id}`, { token: t.leader });
  assert.equal(l.status, 200);
  assert.equal(l.body.items.filter((x) => x.position === 'leader').length, 1);
  assert.ok(l.body.items.some((x) => x.position === 'deputy'));
  assert.ok(l.body.contacts.filter((c) => c.person_id).length >= 7, 'each demo unit names its contact');
  const foreign = (await h.api('GET', '/api/v1/people?limit=500', { token: t.admin })).body.items.find((p) => p.township_id && p.township_id !== me.township_id);
  expectError(assert, await h.api('POST', '/api/v1/leadership', { token: t.office, body: { township_id: me.township_id, person_id: foreign.id, position: 'member' } }), 422, 'not_in_township');
  expectError(assert, await h.api('POST', '/api/v1/leadership', { token: t.office2, body: { township_id: me.township_id, person_id: foreign.id, position: 'member' } }), 403);
  const p = (await h.api('POST', '/api/v1/people', { token: t.office, body: { name: '新镇长' } })).body;
  assert.equal((await h.api('POST', '/api/v1/leadership', { token: t.office, body: { township_id: me.township_id, person_id: p.id, position: 'leader' } })).status, 201);
  const l2 = await h.api('GET', `/api/v1/leadership?township_id=${me.township_id}`, { token: t.leader });
  const leaders = l2.body.items.filter((x) => x.position === 'leader');
  assert.equal(leaders.length, 1);
  assert.equal(leaders[0].person_id, p.id);
});

test('regions form a tree: parent one level up, counties and townships carry their place', async () => {
  const regions = (await h.api('GET', '/api/v1/regions?limit=500', { token: t.admin })).body.items;
  const town = regions.find((r) => r.level === 'township');
  const v = await h.api('POST', '/api/v1/regions', { token: t.admin, body: { parent_id: town.id, level: 'village', code: '999001', name: '新村' } });
  assert.equal(v.status, 201);
  assert.equal(v.body.township_id, town.id);
  assert.equal(v.body.county_id, town.county_id);
  expectError(assert, await h.api('POST', '/api/v1/regions', { token: t.admin, body: { parent_id: v.body.id, level: 'township', code: '999002', name: '错层' } }), 422, 'invalid_parent');
  expectError(assert, await h.api('POST', '/api/v1/regions', { token: t.office, body: { parent_id: town.id, level: 'village', code: '999003', name: '无权' } }), 403);
  expectError(assert, await h.api('DELETE', `/api/v1/regions/${town.id}`, { token: t.admin }), 409, 'in_use');
  assert.equal((await h.api('DELETE', `/api/v1/regions/${v.body.id}`, { token: t.admin })).status, 200);
});
