// linkage.test.mjs — county–township linkage (issue 13): a county
// department's inspection of a township platform (督促检查, R9.3, seed
// §3.5) with findings the township's office replies to by a deadline and
// the department accepts or sends back; an unreplied finding past its
// deadline turns red.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t, ids;
const NAMES = ['office', 'office2', 'leader', 'contact', 'staff', 'grid', 'dept', 'admin'];
const q = (s) => Number(h.sql(s));
const DAY = 86400e3;
const iso = (d) => new Date(d).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  const me = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  ids = { town: me.township_id, office: me.id,
    town2: (await h.api('GET', '/api/v1/me', { token: t.office2 })).body.township_id };
});
after(async () => { await h.close(); });

function plan(extra = {}) {
  return {
    township_id: ids.town, inspected_on: today(), scope: '综合执法平台运行情况',
    findings: [
      { text: '事项清单未在平台公示', due_at: iso(Date.now() + 5 * DAY) },
      { text: '执法记录仪使用登记不全', due_at: iso(Date.now() + 1 * DAY) },
    ], ...extra,
  };
}

test('only a county department or the administrator records an inspection; bad input changes nothing', async () => {
  for (const who of ['office', 'leader', 'contact', 'staff', 'grid'])
    expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t[who], body: plan() }), 403);
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ findings: [] }) }), 400);
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ findings: [{ text: 'x' }] }) }), 400);
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ findings: [{ text: 'x', due_at: iso(Date.now() + DAY), extra: 1 }] }) }), 400);
  let r = await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ findings: [{ text: 'x', due_at: iso(Date.now() - DAY) }] }) });
  expectError(assert, r, 422, 'due_in_past');
  assert.equal(r.body.error.field, 'findings');
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ inspected_on: '2026-13-40' }) }), 400);
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ inspected_on: iso(Date.now() + 3 * DAY).slice(0, 10) }) }), 422, 'inspected_in_future');
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ scope: ' ' }) }), 400);
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ township_id: 999999 }) }), 422, 'invalid_township');
  expectError(assert, await h.api('POST', '/api/v1/inspections', { token: t.dept, body: { ...plan(), bogus: 1 } }), 400);
  assert.equal(q('SELECT COUNT(*) FROM inspections'), 0, 'nothing written by refused requests');
  assert.equal(q('SELECT COUNT(*) FROM inspection_findings'), 0);
});

test('a department inspects, the office replies per finding, the department accepts one and reopens the other', async () => {
  const before = q(`SELECT COUNT(*) FROM notifications WHERE kind = 'inspection' AND user_id = ${ids.office}`);
  let r = await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const insp = r.body;
  assert.equal(insp.township_id, ids.town);
  assert.equal(insp.findings.length, 2);
  assert.ok(insp.findings.every((f) => f.state === 'open' && f.overdue === false && f.light === 'green'));
  assert.ok(insp.department_name, 'the inspecting department is named');
  assert.equal(q(`SELECT COUNT(*) FROM notifications WHERE kind = 'inspection' AND user_id = ${ids.office}`), before + 1,
    'the township office is told');
  const inbox = (await h.api('GET', '/api/v1/inbox', { token: t.office })).body.items;
  assert.ok(inbox.some((n) => n.kind === 'inspection'));
  const [f1, f2] = insp.findings;

  // who sees it
  for (const who of ['office', 'leader', 'dept', 'admin'])
    assert.equal((await h.api('GET', `/api/v1/inspections/${insp.id}`, { token: t[who] })).status, 200, who);
  expectError(assert, await h.api('GET', `/api/v1/inspections/${insp.id}`, { token: t.office2 }), 404);
  const list = (await h.api('GET', `/api/v1/inspections?township_id=${ids.town}`, { token: t.office })).body.items;
  assert.equal(list.length, 1);
  assert.equal(list[0].findings_open, 2);
  assert.equal((await h.api('GET', '/api/v1/inspections', { token: t.office2 })).body.items.length, 0,
    'another township does not see this inspection');
  expectError(assert, await h.api('GET', '/api/v1/inspections', { token: t.grid }), 403);

  // the office replies; a reply needs a note; only the office replies; the department cannot accept an open finding
  const act = (who, id, body) => h.api('POST', `/api/v1/inspection-findings/${id}/actions`, { token: t[who], body });
  expectError(assert, await act('office', f1.id, { action: 'reply' }), 422, 'note_required');
  expectError(assert, await act('dept', f1.id, { action: 'reply', note: 'x' }), 403);
  expectError(assert, await act('dept', f1.id, { action: 'accept' }), 409);
  expectError(assert, await act('office', f1.id, { action: 'fly' }), 400);
  expectError(assert, await act('office2', f1.id, { action: 'reply', note: 'x' }), 404);
  r = await act('office', f1.id, { action: 'reply', note: '已在平台公示事项清单' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.findings[0].state, 'replied');
  assert.equal(r.body.findings[0].reply_note, '已在平台公示事项清单');
  r = await act('office', f2.id, { action: 'reply', note: '已补登记' });
  assert.equal(r.body.findings[1].state, 'replied');
  const deptInbox = (await h.api('GET', '/api/v1/inbox', { token: t.dept })).body.items;
  assert.ok(deptInbox.some((n) => n.kind === 'inspection'), 'the inspector is told of the reply');

  // the department accepts one and sends the other back; only the inspecting department (or the admin)
  expectError(assert, await act('office', f1.id, { action: 'accept' }), 403);
  assert.deepEqual((await h.api('GET', `/api/v1/inspections/${insp.id}`, { token: t.dept })).body.findings[0]
    .allowed_actions.map((a) => a.action), ['accept', 'reopen'], 'the inspecting department sees accept and reopen');
  const own = q(`SELECT department_id FROM inspections WHERE id = ${insp.id}`);
  const other = q(`SELECT id FROM departments WHERE id <> ${own} ORDER BY id LIMIT 1`);
  h.sql(`UPDATE inspections SET department_id = ${other} WHERE id = ${insp.id}`);
  expectError(assert, await act('dept', f1.id, { action: 'accept' }), 403);
  h.sql(`UPDATE inspections SET department_id = ${own} WHERE id = ${insp.id}`);
  r = await act('dept', f1.id, { action: 'accept' });
  assert.equal(r.body.findings[0].state, 'accepted');
  assert.equal(r.body.findings[0].light, 'none');
  expectError(assert, await act('dept', f2.id, { action: 'reopen' }), 422, 'reason_required');
  r = await act('dept', f2.id, { action: 'reopen', reason: '登记表仍缺少3月份记录' });
  assert.equal(r.body.findings[1].state, 'open');
  assert.equal(r.body.findings[1].reopen_reason, '登记表仍缺少3月份记录');
  assert.deepEqual(r.body.findings[1].history.map((x) => x.action), ['create', 'reply', 'reopen']);
  assert.deepEqual((await h.api('GET', `/api/v1/inspections/${insp.id}`, { token: t.office })).body.findings[1]
    .allowed_actions.map((a) => a.action), ['reply']);
  assert.ok(q(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'inspection%'`) >= 5);

  // past its deadline the reopened finding, still unanswered, is red
  await h.setClock(iso(Date.now() + 2 * DAY));
  t = await h.tokens(NAMES);
  const late = (await h.api('GET', `/api/v1/inspections/${insp.id}`, { token: t.dept })).body;
  assert.equal(late.findings[1].overdue, true);
  assert.equal(late.findings[1].light, 'red');
  assert.equal(late.findings[0].overdue, false, 'an accepted finding is never overdue');
  const l2 = (await h.api('GET', `/api/v1/inspections?township_id=${ids.town}`, { token: t.dept })).body.items;
  assert.equal(l2[0].findings_overdue, 1);
  await h.setClock(null);
  t = await h.tokens(NAMES);
});

test('a unit\'s funding, equipment and premises as the township and the department provide them (R1.6)', async () => {
  const dept = (await h.api('GET', '/api/v1/me', { token: t.dept })).body;
  const unit = q(`SELECT id FROM units WHERE township_id = ${ids.town} AND department_id = ${dept.department_id} ORDER BY id LIMIT 1`);
  const other = q(`SELECT id FROM units WHERE department_id <> ${dept.department_id} ORDER BY id LIMIT 1`);
  const res = (extra = {}) => ({ kind: 'funding', description: '2026年度执法工作经费', amount: 120000, provided_by: 'township', year: 2026, ...extra });
  const post = (who, id, body) => h.api('POST', `/api/v1/units/${id}/resources`, { token: t[who], body });
  expectError(assert, await post('grid', unit, res()), 403);
  expectError(assert, await post('dept', other, res()), 404, 'not_found');
  expectError(assert, await post('office', unit, res({ kind: 'cash' })), 400);
  expectError(assert, await post('office', unit, res({ provided_by: 'city' })), 400);
  expectError(assert, await post('office', unit, res({ year: 1900 })), 400);
  expectError(assert, await post('office', unit, res({ amount: -1 })), 400);
  expectError(assert, await post('office', unit, res({ amount: '1' })), 400);
  expectError(assert, await post('office', unit, res({ description: '' })), 400);
  assert.equal(q('SELECT COUNT(*) FROM unit_resources'), 0);
  let r = await post('office', unit, res());
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await post('dept', unit, res({ kind: 'equipment', description: '执法记录仪', amount: 6, provided_by: 'department' }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await post('admin', unit, res({ kind: 'premises', description: '镇政府一楼办公用房2间', amount: null, year: 2025 }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const list = (await h.api('GET', `/api/v1/units/${unit}/resources`, { token: t.leader })).body.items;
  assert.deepEqual(list.map((x) => [x.kind, x.provided_by, x.year]),
    [['funding', 'township', 2026], ['equipment', 'department', 2026], ['premises', 'township', 2025]]);
  assert.equal(Number(list[0].amount), 120000);
  assert.equal(list[2].amount, null);
  expectError(assert, await h.api('GET', `/api/v1/units/${unit}/resources`, { token: t.office2 }), 404);
});

test('the share of frontline enforcement staff per unit and per township (R1.6)', async () => {
  const unit = q(`SELECT u.id FROM units u WHERE u.township_id = ${ids.town} AND (SELECT COUNT(*) FROM people p WHERE p.unit_id = u.id AND p.active = 1) >= 2 ORDER BY u.id LIMIT 1`);
  const people = h.sql(`SELECT id FROM people WHERE unit_id = ${unit} AND active = 1 ORDER BY id`).trim().split(/\s+/).map(Number);
  const p0 = (await h.api('GET', `/api/v1/people/${people[0]}`, { token: t.admin })).body;
  assert.equal(p0.frontline, 0, 'nobody is frontline until flagged');
  const r = await h.api('PUT', `/api/v1/people/${people[0]}`, { token: t.admin,
    body: { frontline: true, version: p0.version } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(q(`SELECT frontline FROM people WHERE id = ${people[0]}`), 1);
  const f = (await h.api('GET', `/api/v1/org/frontline?township_id=${ids.town}`, { token: t.office })).body;
  const u = f.units.find((x) => x.unit_id === unit);
  assert.equal(u.active, people.length);
  assert.equal(u.frontline, 1);
  assert.equal(u.share, Math.round(10000 / people.length) / 10000);
  const active = q(`SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.township_id = ${ids.town} AND p.active = 1`);
  const front = q(`SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.township_id = ${ids.town} AND p.active = 1 AND p.frontline = 1`);
  assert.equal(f.active, active);
  assert.equal(f.frontline, front);
  assert.equal(f.share, Math.round(10000 * front / active) / 10000);
  assert.equal((await h.api('GET', '/api/v1/org/frontline', { token: t.office })).body.township_id, ids.town,
    'the township defaults to the caller\'s');
  expectError(assert, await h.api('GET', '/api/v1/org/frontline', { token: t.admin }), 400);
  assert.equal((await h.api('GET', `/api/v1/org/frontline?township_id=${ids.town}`, { token: t.office2 })).body.units.length, 0,
    'another township sees none of these units');
});

test('a county department keeps its own leading group beside the townships\' (R9.4)', async () => {
  const dept = (await h.api('GET', '/api/v1/me', { token: t.dept })).body;
  const other = q(`SELECT id FROM departments WHERE id <> ${dept.department_id} ORDER BY id LIMIT 1`);
  const person = q(`SELECT id FROM people WHERE department_id = ${dept.department_id} AND active = 1 ORDER BY id LIMIT 1`);
  const outsider = q(`SELECT id FROM people WHERE (department_id IS NULL OR department_id <> ${dept.department_id}) ORDER BY id LIMIT 1`);
  const path = `/api/v1/departments/${dept.department_id}/leadership`;
  expectError(assert, await h.api('POST', path, { token: t.office, body: { person_id: person, position: 'leader' } }), 403);
  expectError(assert, await h.api('POST', `/api/v1/departments/${other}/leadership`, { token: t.dept, body: { person_id: person, position: 'leader' } }), 403);
  expectError(assert, await h.api('POST', path, { token: t.dept, body: { person_id: person, position: 'boss' } }), 400);
  expectError(assert, await h.api('POST', path, { token: t.dept, body: { person_id: outsider, position: 'member' } }), 422, 'person_not_in_department');
  expectError(assert, await h.api('POST', '/api/v1/departments/999999/leadership', { token: t.admin, body: { person_id: person, position: 'leader' } }), 404);
  let r = await h.api('POST', path, { token: t.dept, body: { person_id: person, position: 'leader' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  expectError(assert, await h.api('POST', path, { token: t.admin, body: { person_id: person, position: 'member' } }), 409, 'already_member');
  const list = (await h.api('GET', path, { token: t.admin })).body.items;
  assert.deepEqual(list.map((x) => [x.person_id, x.position]), [[person, 'leader']]);
  assert.equal(q(`SELECT COUNT(*) FROM leadership WHERE person_id = ${person}`), 0, 'the townships\' groups are untouched');
});

test('a department assigns a problem down (交办) to a township: it enters the township\'s loop with the acceptance clock', async () => {
  const body = { channel: 'assigned', category: 'CS01', description: '县局交办：碧湖村河边违法建房线索', lon: 119.845, lat: 28.405, township_id: ids.town };
  const r = await h.api('POST', '/api/v1/problems', { token: t.dept, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.channel, 'assigned');
  assert.equal(r.body.township_id, ids.town);
  assert.ok(r.body.due_at, 'the acceptance deadline runs from the assignment');
  const seen = await h.api('GET', `/api/v1/problems/${r.body.id}`, { token: t.office });
  assert.equal(seen.status, 200);
  assert.equal(seen.body.state, 'reported');
});

test('the inspection list pages newest first with a string cursor, as every list does', async () => {
  for (const scope of ['翻页检查一', '翻页检查二'])
    assert.equal((await h.api('POST', '/api/v1/inspections', { token: t.dept, body: plan({ scope }) })).status, 201);
  const all = (await h.api('GET', `/api/v1/inspections?township_id=${ids.town}&limit=500`, { token: t.office })).body;
  assert.ok(all.items.length >= 2);
  assert.equal(all.next, null, 'a page that is not full ends the list');
  const ids_ = all.items.map((i) => i.id);
  assert.deepEqual(ids_, [...ids_].sort((a, b) => b - a), 'newest first');
  const seen = [];
  let cursor = '';
  for (;;) {
    const page = (await h.api('GET', `/api/v1/inspections?township_id=${ids.town}&limit=1${cursor}`, { token: t.office })).body;
    seen.push(...page.items.map((i) => i.id));
    if (page.next === null) break;
    assert.equal(typeof page.next, 'string');
    assert.equal(page.next, String(page.items[0].id));
    cursor = `&cursor=${page.next}`;
  }
  assert.deepEqual(seen, ids_);
});
