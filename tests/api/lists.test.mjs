// lists.test.mjs — power and responsibility lists (R2), categories, routing
// and the working-day calendar: versions that never change once published,
// CSV and XLSX import and export, routing with its reason, deadlines across
// holidays and make-up working days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, walkPages } from './lib.mjs';

let h, t;
before(async () => { h = await startServer(); t = await h.tokens(['admin', 'office', 'grid', 'staff', 'dept', 'auditor']); });
after(async () => { await h.close(); });

const town = (name) => Number(h.sql(`SELECT id FROM regions WHERE name = '${name}'`));

test('the category tree has two levels with codes and names', async () => {
  const r = await h.api('GET', '/api/v1/categories', { token: t.grid });
  assert.equal(r.status, 200);
  const cs = r.body.items.find((c) => c.code === 'CS');
  assert.equal(cs.name, '村镇建设');
  const wf = cs.children.find((c) => c.code === 'CS01');
  assert.equal(wf.name, '违法建设');
  assert.deepEqual(wf.power_codes, ['ZF-CF-001', 'ZF-CF-002']);
  assert.ok(r.body.items.every((c) => Array.isArray(c.children) && c.children.every((k) => k.children.length === 0)));
});

test('routing answers the unit, department, power item, version and reason', async () => {
  const r = await h.api('GET', `/api/v1/routing?category=CS01&township=${town('碧湖镇')}`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.unit_name, '碧湖镇综合行政执法中队');
  assert.equal(r.body.department_id, Number(h.sql("SELECT id FROM departments WHERE code = 'ZF'")));
  assert.equal(r.body.power_item.code, 'ZF-CF-001');
  assert.equal(r.body.list_version, 1);
  assert.match(r.body.reason, /违法建设.*ZF-CF-001/);
  // a delegated power: open burning belongs to 生态环境 but the township's enforcement team handles it
  const b = await h.api('GET', `/api/v1/routing?category=HJ02&township=${town('大港头镇')}`, { token: t.office });
  assert.equal(b.body.unit_name, '大港头镇综合行政执法中队');
  const w = await h.api('GET', `/api/v1/routing?category=HJ01&township=${town('大港头镇')}`, { token: t.office });
  assert.equal(w.body.unit_name, '大港头镇环保所');
  // by position
  const p = await h.api('GET', '/api/v1/routing?category=SC01&lon=119.85&lat=28.41', { token: t.grid });
  assert.equal(p.body.unit_name, '碧湖镇市场监管所');
  assert.ok(p.body.cell_id > 0);
  expectError(assert, await h.api('GET', `/api/v1/routing?category=QT01&township=${town('碧湖镇')}`, { token: t.office }), 404, 'no_responsible_unit');
  expectError(assert, await h.api('GET', `/api/v1/routing?category=NOPE&township=${town('碧湖镇')}`, { token: t.office }), 422, 'invalid_category');
  expectError(assert, await h.api('GET', '/api/v1/routing?category=CS01&lon=100&lat=20', { token: t.office }), 404, 'outside_grid');
  expectError(assert, await h.api('GET', '/api/v1/routing?category=CS01', { token: t.office }), 400, 'invalid_query');
  expectError(assert, await h.api('GET', `/api/v1/routing?category=CS01&township=${town('碧湖镇')}`, { token: t.auditor }), 403, 'forbidden');
});

test('no unit in the township means no_responsible_unit with the reason', async () => {
  const tz = town('老竹畲族镇');
  h.sql(`UPDATE units SET township_id = ${town('碧湖镇')} WHERE code = 'WL-331102102'`);
  const r = await h.api('GET', `/api/v1/routing?category=LY01&township=${tz}`, { token: t.admin });
  expectError(assert, r, 404, 'no_responsible_unit');
  assert.match(r.body.error.message, /没有派驻机构/);
  h.sql(`UPDATE units SET township_id = ${tz} WHERE code = 'WL-331102102'`);
});

test('powers list the published version with code, name, department and version', async () => {
  const r = await h.api('GET', '/api/v1/powers?limit=500', { token: t.grid });
  assert.equal(r.status, 200);
  assert.ok(r.body.items.length >= 20);
  for (const p of r.body.items) for (const k of ['code', 'name', 'department_id', 'version']) assert.ok(p[k] !== undefined && p[k] !== null, k);
  const depts = new Set(r.body.items.map((p) => p.department_id));
  assert.equal(depts.size, 7, 'all seven departments have items');
  const q = await h.api('GET', `/api/v1/powers?q=${encodeURIComponent('烟花爆竹')}`, { token: t.grid });
  assert.deepEqual(q.body.items.map((p) => p.code), ['YJ-CF-002']);
  assert.deepEqual(await walkPages(assert, h, '/api/v1/powers', t.grid, 6), r.body.items, 'page after page, the same items');
});

test('versions: draft, edit, import, diff, publish; published versions never change and routings keep theirs', async () => {
  const bh = town('碧湖镇');
  const before = (await h.api('GET', `/api/v1/routing?category=CS01&township=${bh}`, { token: t.office })).body;
  let r = await h.api('POST', '/api/v1/lists/versions', { token: t.admin, body: { note: '2027年调整' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const draft = r.body;
  assert.deepEqual([draft.state, draft.number], ['draft', 2]);
  expectError(assert, await h.api('POST', '/api/v1/lists/versions', { token: t.admin, body: {} }), 409, 'draft_exists');
  expectError(assert, await h.api('POST', '/api/v1/lists/versions', { token: t.office, body: {} }), 403, 'forbidden');
  // a published item cannot be edited
  const pub = (await h.api('GET', '/api/v1/powers?q=ZF-CF-001', { token: t.admin })).body.items[0];
  expectError(assert, await h.api('PUT', `/api/v1/powers/${pub.id}`, { token: t.admin, body: { ...strip(pub), name: '改名' } }), 409, 'version_published');
  // export the draft as CSV, change it, import it back
  let res = await h.api('GET', `/api/v1/lists/versions/${draft.id}/export?format=csv`, { token: t.admin, raw: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/csv/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM so that Excel reads UTF-8');
  let csv = new TextDecoder().decode(bytes);
  assert.ok(csv.startsWith('编码,名称'));
  const zr = Number(h.sql("SELECT id FROM departments WHERE code = 'ZR'"));
  csv = csv.replace(/\r?\nZF-CF-005,[^\r\n]*/, '') // removed
    .replace('对未取得建设工程规划许可证进行建设的行政处罚', '对未取得建设工程规划许可证进行建设的行政处罚（修订）')
    + 'ZR-JC-009,对耕地保护的行政检查,行政检查,《土地管理法》,ZR,国土资源,无,ZR,巡查,5\r\n';
  r = await h.api('POST', `/api/v1/lists/versions/${draft.id}/import`, { token: t.admin, body: csv, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const d = (await h.api('GET', `/api/v1/lists/versions/${draft.id}/diff`, { token: t.office })).body;
  assert.deepEqual(d.added.map((i) => i.code), ['ZR-JC-009']);
  assert.deepEqual(d.removed.map((i) => i.code), ['ZF-CF-005']);
  assert.deepEqual(d.changed.map((i) => i.code), ['ZF-CF-001']);
  assert.ok(d.changed[0].fields.name);
  assert.equal(d.added[0].department_id, zr);
  // a bad row rejects the whole import and names the row
  r = await h.api('POST', `/api/v1/lists/versions/${draft.id}/import`, { token: t.admin, body: '编码,名称,类别,实施部门编码\r\nA-1,甲,行政处罚,ZF\r\nA-2,乙,行政处罚,NOPE\r\n', headers: { 'Content-Type': 'text/csv' } });
  expectError(assert, r, 422, 'invalid_reference');
  assert.match(r.body.error.message, /第3行/);
  expectError(assert, await h.api('POST', `/api/v1/lists/versions/${draft.id}/import`, { token: t.admin, body: '名称\r\n甲\r\n', headers: { 'Content-Type': 'text/csv' } }), 400, 'missing_column');
  assert.equal((await h.api('GET', `/api/v1/lists/versions/${draft.id}/diff`, { token: t.admin })).body.added.length, 1, 'draft unchanged by failed imports');
  // XLSX export of the draft reads back through import unchanged
  res = await h.api('GET', `/api/v1/lists/versions/${draft.id}/export?format=xlsx`, { token: t.admin, raw: true });
  const xlsx = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...xlsx.slice(0, 2)], [0x50, 0x4b]);
  r = await h.api('POST', `/api/v1/lists/versions/${draft.id}/import`, { token: t.admin, body: xlsx, headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const d2 = (await h.api('GET', `/api/v1/lists/versions/${draft.id}/diff`, { token: t.admin })).body;
  assert.deepEqual([d2.added.length, d2.removed.length, d2.changed.length], [1, 1, 1]);
  // edit one item of the draft through the API
  const item = (await h.api('GET', `/api/v1/powers?version_id=${draft.id}&q=ZR-JC-009`, { token: t.admin })).body.items[0];
  r = await h.api('PUT', `/api/v1/powers/${item.id}`, { token: t.admin, body: { ...strip(item), time_limit_days: 7 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.time_limit_days, 7);
  // the routing remembers version 1 until the draft is published; then v2 routes
  r = await h.api('POST', `/api/v1/lists/versions/${draft.id}/publish`, { token: t.admin });
  assert.equal(r.body.state, 'published');
  const vs = (await h.api('GET', '/api/v1/lists/versions', { token: t.office })).body.items;
  assert.deepEqual(vs.map((v) => [v.number, v.state]), [[2, 'published'], [1, 'superseded']]);
  const after = (await h.api('GET', `/api/v1/routing?category=CS01&township=${bh}`, { token: t.office })).body;
  assert.equal(before.list_version, 1);
  assert.equal(after.list_version, 2);
  assert.notEqual(after.power_item.id, before.power_item.id);
  // version 1 is still there, unchanged
  const old = (await h.api('GET', '/api/v1/powers?version=1&q=ZF-CF-001', { token: t.admin })).body.items[0];
  assert.equal(old.name, '对未取得建设工程规划许可证进行建设的行政处罚');
  expectError(assert, await h.api('POST', `/api/v1/lists/versions/${draft.id}/import`, { token: t.admin, body: csv, headers: { 'Content-Type': 'text/csv' } }), 409, 'version_published');
  const tpl = await h.api('GET', '/api/v1/lists/template?format=xlsx', { token: t.admin, raw: true });
  assert.equal(tpl.status, 200);
  assert.match(tpl.headers.get('content-disposition'), /power-list-template\.xlsx/);
});

function strip(p) {
  const { code, name, kind, legal_basis, department_id, domain, delegation, duty, time_limit_days } = p;
  return { code, name, kind, legal_basis, department_id, domain, delegation, duty, time_limit_days, ...(p.resp_department_id ? { resp_department_id: p.resp_department_id } : {}) };
}

test('power item validation', async () => {
  const draft = (await h.api('POST', '/api/v1/lists/versions', { token: t.admin, body: {} })).body;
  const zf = Number(h.sql("SELECT id FROM departments WHERE code = 'ZF'"));
  const base = { version_id: draft.id, code: 'X-1', name: '测试事项', kind: '行政处罚', department_id: zf };
  let r = await h.api('POST', '/api/v1/powers', { token: t.admin, body: base });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  expectError(assert, await h.api('POST', '/api/v1/powers', { token: t.admin, body: base }), 409, 'duplicate_code');
  expectError(assert, await h.api('POST', '/api/v1/powers', { token: t.admin, body: { ...base, code: 'X-2', kind: '随便' } }), 400, 'invalid_field');
  expectError(assert, await h.api('POST', '/api/v1/powers', { token: t.admin, body: { ...base, code: 'X-3', department_id: 99999 } }), 422, 'invalid_reference');
  expectError(assert, await h.api('POST', '/api/v1/powers', { token: t.admin, body: { ...base, code: 'X-4', extra: 1 } }), 400, 'invalid_body');
  assert.equal((await h.api('DELETE', `/api/v1/powers/${r.body.id}`, { token: t.admin })).status, 204);
  assert.equal((await h.api('DELETE', `/api/v1/lists/versions/${draft.id}`, { token: t.admin })).status, 204);
});

test('categories can be added and edited with a version check', async () => {
  const cs = Number(h.sql("SELECT id FROM categories WHERE code = 'CS'"));
  let r = await h.api('POST', '/api/v1/categories', { token: t.admin, body: { parent_id: cs, code: 'CS09', name: '违规建设临时设施', power_codes: ['ZF-CF-001'] } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  r = await h.api('PUT', `/api/v1/categories/${id}`, { token: t.admin, body: { parent_id: cs, code: 'CS09', name: '临时设施', version: 1 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  expectError(assert, await h.api('PUT', `/api/v1/categories/${id}`, { token: t.admin, body: { parent_id: cs, code: 'CS09', name: '再改', version: 1 } }), 409, 'version_conflict');
  const sub = Number(h.sql("SELECT id FROM categories WHERE code = 'CS01'"));
  expectError(assert, await h.api('POST', '/api/v1/categories', { token: t.admin, body: { parent_id: sub, code: 'CS0101', name: '三级' } }), 422, 'invalid_parent');
  expectError(assert, await h.api('POST', '/api/v1/categories', { token: t.office, body: { code: 'Z', name: 'z' } }), 403, 'forbidden');
});

const dl = async (from, amount, unit) => (await h.api('GET', `/api/v1/calendar/deadline?from=${encodeURIComponent(from)}${amount === null ? '' : `&amount=${amount}`}&unit=${unit}`, { token: t.grid })).body;

test('deadlines go through the calendar: holidays, make-up days, month and year ends, end of day', async () => {
  assert.equal((await dl('2026-09-30T14:00:00+08:00', 3, 'working_days')).due_at, '2026-10-10T23:59:59+08:00', 'Oct 1–7 off, Sat Oct 10 is a make-up working day');
  assert.equal((await dl('2026-02-13T09:00:00+08:00', 1, 'working_days')).due_at, '2026-02-14T23:59:59+08:00', 'make-up Saturday before the Spring Festival');
  assert.equal((await dl('2026-02-14T09:00:00+08:00', 1, 'working_days')).due_at, '2026-02-24T23:59:59+08:00', 'across the Spring Festival');
  assert.equal((await dl('2026-12-31T10:00:00+08:00', 1, 'working_days')).due_at, '2027-01-04T23:59:59+08:00', 'New Year holiday, then the weekend');
  assert.equal((await dl('2026-11-26T10:00:00+08:00', 2, 'days')).due_at, '2026-11-28T23:59:59+08:00');
  assert.equal((await dl('2026-01-31T10:00:00+08:00', 1, 'days')).due_at, '2026-02-01T23:59:59+08:00');
  assert.equal((await dl('2026-11-26T23:30:00+08:00', 2, 'hours')).due_at, '2026-11-27T01:30:00+08:00');
  assert.equal((await dl('2026-11-26T00:00:00+08:00', null, 'end_of_day')).due_at, '2026-11-26T23:59:59+08:00');
  assert.equal((await dl('2026-11-26T23:59:59+08:00', 0, 'end_of_day')).due_at, '2026-11-26T23:59:59+08:00');
  assert.equal((await dl('2026-11-26T16:00:00Z', 0, 'end_of_day')).due_at, '2026-11-27T23:59:59+08:00', 'a UTC time after 16:00 is already the next day in Shanghai');
  for (const [q, code] of [['from=x&amount=1&unit=days', 'invalid_query'], ['from=2026-01-01&amount=-1&unit=days', 'invalid_query'], ['from=2026-01-01&amount=1&unit=weeks', 'invalid_query'], ['from=2026-01-01&unit=days', 'invalid_query']])
    expectError(assert, await h.api('GET', `/api/v1/calendar/deadline?${q}`, { token: t.grid }), 400, code);
});

test('the administrator edits the calendar and every deadline follows at once', async () => {
  const before = await dl('2026-11-26T10:00:00+08:00', 1, 'working_days');
  assert.equal(before.due_at, '2026-11-27T23:59:59+08:00');
  expectError(assert, await h.api('PUT', '/api/v1/calendar/days/2026-11-27', { token: t.office, body: { kind: 'holiday' } }), 403, 'forbidden');
  let r = await h.api('PUT', '/api/v1/calendar/days/2026-11-27', { token: t.admin, body: { kind: 'holiday', name: '防汛调休' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await dl('2026-11-26T10:00:00+08:00', 1, 'working_days')).due_at, '2026-11-30T23:59:59+08:00');
  r = await h.api('POST', '/api/v1/calendar/import', { token: t.admin, body: { days: [{ date: '2026-11-28', kind: 'workday', name: '调休' }] } });
  assert.equal(r.status, 200);
  assert.equal((await dl('2026-11-26T10:00:00+08:00', 1, 'working_days')).due_at, '2026-11-28T23:59:59+08:00');
  expectError(assert, await h.api('POST', '/api/v1/calendar/import', { token: t.admin, body: { days: [{ date: '2026-12-01', kind: 'holiday' }, { date: '2026-13-01', kind: 'holiday' }] } }), 400, 'invalid_date');
  const cal = (await h.api('GET', '/api/v1/calendar?year=2026', { token: t.grid })).body.days;
  assert.ok(!cal.some((d) => d.date === '2026-12-01'), 'a failed import changes nothing');
  assert.ok(cal.some((d) => d.date === '2026-10-01' && d.kind === 'holiday'));
  assert.equal((await h.api('DELETE', '/api/v1/calendar/days/2026-11-27', { token: t.admin })).status, 204);
  assert.equal((await h.api('DELETE', '/api/v1/calendar/days/2026-11-28', { token: t.admin })).status, 204);
  assert.equal((await dl('2026-11-26T10:00:00+08:00', 1, 'working_days')).due_at, '2026-11-27T23:59:59+08:00');
});

test('a category body is checked against its declared shape before anything is written', async () => {
  const before = h.sql('SELECT COUNT(*) FROM categories');
  for (const [body, field] of [[{ code: '', name: 'x' }, 'code'], [{ code: 'X'.repeat(65), name: 'x' }, 'code'], [{ code: 'SH1', name: '名'.repeat(100) }, 'name'], [{ code: 'SH2', name: 'x', power_codes: Array(21).fill('ZF-CF-001') }, 'power_codes'], [{ code: 'SH3', name: 'x', power_codes: [1] }, 'power_codes']]) {
    const r = await h.api('POST', '/api/v1/categories', { token: t.admin, body });
    expectError(assert, r, 400, 'invalid_field');
    assert.equal(r.body.error.field, field, JSON.stringify(body).slice(0, 80));
  }
  assert.equal(h.sql('SELECT COUNT(*) FROM categories'), before, 'nothing written');
});
