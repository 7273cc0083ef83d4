// meetings.test.mjs — joint meetings (R6, seed §4.3.2): the office schedules
// a regular meeting chaired by the group leader, the invited units answer,
// sign in on the day, the status report is generated from the records and
// frozen, the minutes are drafted, approved by the chair and published with
// a number, and a decided item runs in the owner unit's task list until the
// office verifies it; an overdue item turns red and is carried into the
// next meeting's report. Every figure is recounted here with SQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, walkPages } from './lib.mjs';

let h, t, me, ids;
const NAMES = ['office', 'office2', 'leader', 'contact', 'staff', 'grid', 'dept', 'admin', 'police'];
const q = (s) => Number(h.sql(s));
const iso = (d) => new Date(d).toISOString();
const DAY = 86400e3;

async function clock(at) { await h.setClock(at); t = await h.tokens(NAMES); }

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  me = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  const leader = (await h.api('GET', '/api/v1/me', { token: t.leader })).body;
  const contact = (await h.api('GET', '/api/v1/me', { token: t.contact })).body;
  ids = {
    town: me.township_id, leaderPerson: leader.person_id, unit: contact.unit_id,
    police: q("SELECT id FROM units WHERE code = 'GA-331102100'"),
    office2Town: (await h.api('GET', '/api/v1/me', { token: t.office2 })).body.township_id,
    notLeader: q(`SELECT id FROM people WHERE unit_id = ${contact.unit_id} ORDER BY id LIMIT 1`),
    units: q(`SELECT COUNT(*) FROM units WHERE township_id = ${me.township_id}`),
  };
});
after(async () => { await h.close(); });

function plan(extra = {}) {
  return {
    township_id: ids.town, kind: 'regular', title: '2026年第4季度综合执法联席会议',
    starts_at: iso(Date.now() + 2 * DAY), place: '镇政府三楼会议室', chair_person_id: ids.leaderPerson,
    agenda: [{ title: '通报本季度综合执法情况' }, { title: '研究跨部门疑难问题' }], ...extra,
  };
}

test('only the office and the leadership group schedule; the chair must lead the group; not in the past', async () => {
  for (const who of ['grid', 'contact', 'staff', 'admin', 'dept'])
    expectError(assert, await h.api('POST', '/api/v1/meetings', { token: t[who], body: plan() }), 403);
  expectError(assert, await h.api('POST', '/api/v1/meetings', { token: t.office2, body: plan() }), 403);
  let r = await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ chair_person_id: ids.notLeader }) });
  expectError(assert, r, 422, 'chair_not_leader');
  assert.equal(r.body.error.field, 'chair_person_id');
  r = await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ starts_at: iso(Date.now() - 3600e3) }) });
  expectError(assert, r, 422, 'starts_in_past');
  assert.equal(r.body.error.field, 'starts_at');
  expectError(assert, await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ kind: 'party' }) }), 400);
  expectError(assert, await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ invited_unit_ids: [999999] }) }), 422, 'invalid_unit');
  expectError(assert, await h.api('POST', '/api/v1/meetings', { token: t.office, body: { ...plan(), bogus: 1 } }), 400);
  assert.equal(q('SELECT COUNT(*) FROM meetings'), 0, 'nothing written by refused requests');
});

test('a regular meeting from scheduling to published minutes and a verified decided item', async () => {
  const before = q('SELECT COUNT(*) FROM notifications');
  let r = await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const m = r.body;
  assert.equal(m.state, 'scheduled');
  assert.equal(m.agenda.length, 2);
  assert.equal(m.invitees.length, ids.units, 'every dispatched unit of the township is invited by default');
  assert.ok(q('SELECT COUNT(*) FROM notifications') > before, 'invitees are told');
  const inbox = (await h.api('GET', '/api/v1/inbox', { token: t.contact })).body;
  assert.ok(inbox.items.some((n) => n.kind === 'meeting'), 'the unit contact finds the invitation in the inbox');

  // the units answer
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/answer`, { token: t.contact, body: { answer: 'absent' } }), 422, 'reason_required');
  r = await h.api('POST', `/api/v1/meetings/${m.id}/answer`, { token: t.contact, body: { answer: 'attend' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await h.api('POST', `/api/v1/meetings/${m.id}/answer`, { token: t.police, body: { answer: 'substitute', substitute_name: '王警官' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const mine = r.body.invitees.find((i) => i.unit_id === ids.police);
  assert.equal(mine.answer, 'substitute');
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/answer`, { token: t.contact, body: { answer: 'attend', unit_id: ids.police } }), 403);

  // minutes cannot be drafted before the meeting
  expectError(assert, await h.api('PUT', `/api/v1/meetings/${m.id}/minutes`, { token: t.office, body: { minutes: '草稿' } }), 409, 'minutes_locked');

  // the meeting day: start freezes the report; the contact signs in on a phone
  await clock(iso(Date.parse(m.starts_at) - 60e3));
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.grid, body: { action: 'start' } });
  expectError(assert, r, 403);
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'start' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'in_session');
  const rep = r.body.report;
  assert.ok(rep && rep.period && rep.units, 'the report is generated at the start');
  const from = Date.parse(rep.period.from) / 1000, to = Date.parse(rep.period.to) / 1000;
  for (const u of rep.units) {
    assert.equal(u.assigned, q(`SELECT COUNT(*) FROM problems WHERE unit_id = ${u.unit_id} AND created_at >= ${from} AND created_at < ${to}`), `assigned of ${u.unit_name}`);
    assert.equal(u.closed, q(`SELECT COUNT(*) FROM problems WHERE unit_id = ${u.unit_id} AND closed_at >= ${from} AND closed_at < ${to}`), `closed of ${u.unit_name}`);
    assert.equal(u.open, q(`SELECT COUNT(*) FROM problems WHERE unit_id = ${u.unit_id} AND state IN ('reported','accepted','dispatched','in_hand','handled','verified','escalated','taken_up')`));
  }
  assert.ok(rep.units.some((u) => u.assigned > 0), 'the demo data gives real figures');
  assert.equal(rep.escalations_open.count, q(`SELECT COUNT(*) FROM problems WHERE township_id = ${ids.town} AND state = 'escalated'`));
  assert.equal(rep.notices.issued, q(`SELECT COUNT(*) FROM joint_notices WHERE township_id = ${ids.town} AND issued_at >= ${from} AND issued_at < ${to}`));
  assert.equal(rep.joint_actions.total, q(`SELECT COUNT(*) FROM joint_actions WHERE township_id = ${ids.town} AND created_at >= ${from} AND created_at < ${to}`));

  await clock(iso(Date.parse(m.starts_at) + 10 * 60e3));
  r = await h.api('POST', `/api/v1/meetings/${m.id}/signin`, { token: t.contact });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.attendance.find((i) => i.unit_id === ids.unit).attendance, 'late', 'signing in 10 minutes after the start is late');
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/signin`, { token: t.staff }), 409, 'already_signed_in');
  r = await h.api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: t.office, body: { unit_id: ids.police, status: 'substitute', substitute_name: '王警官' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: t.contact, body: { unit_id: ids.unit, status: 'present' } }), 403);

  // a decided item: owner and deadline required
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/items`, { token: t.office, body: { title: '整治沿街违章搭建', due_days: 5 } }), 422, 'owner_required');
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/items`, { token: t.office, body: { title: '整治沿街违章搭建', owner_unit_id: ids.unit } }), 422, 'deadline_required');
  r = await h.api('POST', `/api/v1/meetings/${m.id}/items`, { token: t.office, body: { title: '整治沿街违章搭建', owner_unit_id: ids.unit, due_days: 5 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const item = r.body;
  assert.equal(item.state, 'open');
  assert.equal(item.light, 'green');
  const second = (await h.api('POST', `/api/v1/meetings/${m.id}/items`, { token: t.office, body: { title: '联合整治夜间噪声', owner_unit_id: ids.police, due_at: iso(Date.parse(m.starts_at) + 1 * DAY) } })).body;
  assert.ok(second.id, JSON.stringify(second));

  // the owner unit sees it in its task list and carries it out
  const tasks = (await h.api('GET', `/api/v1/meeting-items?unit_id=${ids.unit}&state=open`, { token: t.contact })).body;
  assert.ok(tasks.items.some((i) => i.id === item.id));
  expectError(assert, await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.police, body: { action: 'start' } }), 403);
  r = await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.staff, body: { action: 'start' } });
  assert.equal(r.body.state, 'in_progress');
  expectError(assert, await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.staff, body: { action: 'done' } }), 422, 'result_required');
  r = await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.staff, body: { action: 'done', result: '已拆除3处违章搭建' } });
  assert.equal(r.body.state, 'done');
  r = await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.office, body: { action: 'reopen', reason: '现场仍有1处未拆除' } });
  assert.equal(r.body.state, 'in_progress');
  await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.staff, body: { action: 'done', result: '已全部拆除' } });
  expectError(assert, await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.staff, body: { action: 'verify' } }), 403);
  r = await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.office, body: { action: 'verify' } });
  assert.equal(r.body.state, 'verified');
  expectError(assert, await h.api('POST', `/api/v1/meeting-items/${item.id}/actions`, { token: t.office, body: { action: 'verify' } }), 409, 'invalid_transition');
  r = await h.api('POST', `/api/v1/meeting-items/${second.id}/actions`, { token: t.leader, body: { action: 'supervise', note: '请加快办理' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.supervised, 1);

  // finishing marks the units that never came as absent
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'finish' } });
  assert.equal(r.body.state, 'held');
  assert.ok(r.body.attendance.filter((i) => i.attendance === 'absent').length >= ids.units - 2);

  // minutes: drafted by the office, approved by the chair, published with a number
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'submit_minutes' } }), 422, 'minutes_required');
  r = await h.api('PUT', `/api/v1/meetings/${m.id}/minutes`, { token: t.office, body: { minutes: '会议听取了执法办公室关于本季度综合执法工作情况的报告，研究了沿街违章搭建整治等问题。' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'submit_minutes' } });
  assert.equal(r.body.state, 'minutes_submitted');
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'approve_minutes' } }), 403);
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.leader, body: { action: 'return_minutes' } }), 422, 'reason_required');
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.leader, body: { action: 'approve_minutes' } });
  assert.equal(r.body.state, 'minutes_approved', JSON.stringify(r.body));
  r = await h.api('POST', `/api/v1/meetings/${m.id}/actions`, { token: t.office, body: { action: 'publish' } });
  assert.equal(r.body.state, 'published');
  assert.match(r.body.minutes_no, /^碧湖镇综合执法联席会议纪要〔\d{4}〕第1期$/);
  expectError(assert, await h.api('PUT', `/api/v1/meetings/${m.id}/minutes`, { token: t.office, body: { minutes: '改动' } }), 409, 'minutes_locked');
  const unitView = (await h.api('GET', `/api/v1/meetings/${m.id}`, { token: t.contact })).body;
  assert.ok(unitView.minutes.length > 10, 'the units read the published minutes');
  const got = (await h.api('GET', '/api/v1/inbox', { token: t.contact })).body;
  assert.ok(got.items.some((n) => n.kind === 'minutes' && /第1期/.test(n.title)), 'the attending unit receives the minutes');

  for (const doc of ['report', 'minutes']) {
    const res = await h.api('GET', `/api/v1/meetings/${m.id}/documents/${doc}.pdf`, { token: t.contact, raw: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  }

  // the frozen report does not move when the records do
  const frozen = (await h.api('GET', `/api/v1/meetings/${m.id}`, { token: t.office })).body.report;
  h.sql(`UPDATE problems SET rework_count = rework_count + 1 WHERE township_id = ${ids.town}`);
  assert.deepEqual((await h.api('GET', `/api/v1/meetings/${m.id}`, { token: t.office })).body.report, frozen);
  expectError(assert, await h.api('POST', `/api/v1/meetings/${m.id}/report`, { token: t.office, body: {} }), 409, 'report_frozen');

  // the other township and the audit trail
  expectError(assert, await h.api('GET', `/api/v1/meetings/${m.id}`, { token: t.office2 }), 404);
  assert.ok(q(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'meeting%' AND object_id = '${m.id}'`) >= 8, 'every change audited');

  // the unfinished item turns red and is carried into the next meeting's report
  await clock(iso(Date.parse(second.due_at) + 3600e3));
  r = await h.api('POST', '/api/v1/test/tick', {});
  assert.equal(r.status, 200);
  const red = (await h.api('GET', `/api/v1/meeting-items/${second.id}`, { token: t.police })).body;
  assert.equal(red.light, 'red');
  assert.equal(red.overdue, true);
  const pinbox = (await h.api('GET', '/api/v1/inbox', { token: t.police })).body;
  assert.ok(pinbox.items.some((n) => n.kind === 'overdue' && n.title.includes('联合整治夜间噪声')), 'the owner unit is told once it is overdue');
  const n2 = (await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ title: '专题会', kind: 'special', starts_at: iso(Date.parse(second.due_at) + 2 * DAY), invited_unit_ids: [ids.unit, ids.police] }) })).body;
  assert.equal(n2.invitees.length, 2);
  r = await h.api('POST', `/api/v1/meetings/${n2.id}/report`, { token: t.office, body: {} });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const carried = r.body.report.open_items;
  assert.equal(carried.count, 1);
  assert.equal(carried.overdue, 1);
  assert.equal(carried.items[0].id, second.id);
  assert.equal(Date.parse(r.body.report.period.from), Date.parse(m.starts_at), 'the period runs from the previous meeting');
  const list = (await h.api('GET', `/api/v1/meetings?township_id=${ids.town}`, { token: t.leader })).body;
  assert.deepEqual(list.items.map((x) => x.id), [n2.id, m.id]);
  assert.ok('next' in list);
  r = await h.api('POST', `/api/v1/meetings/${n2.id}/actions`, { token: t.office, body: { action: 'cancel', reason: '改期' } });
  assert.equal(r.body.state, 'cancelled');
  await h.setClock(null);
});

test('the items board pages by cursor, each item as its own page shows it', async () => {
  // an hour after the last open item fell due: the board has a red one
  await clock(iso((q("SELECT MAX(due_at) FROM meeting_items WHERE state <> 'verified'") + 3600) * 1000));
  for (const who of ['office', 'leader', 'contact', 'police', 'office2']) {
    const paged = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const r = await h.api('GET', `/api/v1/meeting-items?limit=1${cursor ? '&cursor=' + cursor : ''}`, { token: t[who] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      paged.push(...r.body.items);
      if (!r.body.next) break;
      assert.equal(r.body.next, String(r.body.items[0].id));
      cursor = r.body.next;
    }
    const all = (await h.api('GET', '/api/v1/meeting-items?limit=500', { token: t[who] })).body;
    assert.equal(all.next, null);
    assert.deepEqual(paged, all.items, who);
    for (const it of all.items) {
      const one = (await h.api('GET', `/api/v1/meeting-items/${it.id}`, { token: t[who] })).body;
      assert.deepEqual(it, Object.fromEntries(Object.keys(it).map((k) => [k, one[k]])), `item ${it.id} for ${who}`);
    }
    if (who === 'office') assert.ok(all.items.length >= 2 && all.items.some((x) => x.overdue) && all.items.some((x) => x.allowed_actions.length));
  }
  await h.setClock(null);
});

test('the meetings list pages newest first by its string cursor, without minutes or report', async () => {
  for (const title of ['翻页会议一', '翻页会议二'])
    assert.equal((await h.api('POST', '/api/v1/meetings', { token: t.office, body: plan({ title }) })).status, 201);
  const all = (await h.api('GET', `/api/v1/meetings?township_id=${ids.town}&limit=500`, { token: t.office })).body;
  assert.ok(all.items.length >= 2);
  assert.deepEqual(all.items.map((m) => m.id), all.items.map((m) => m.id).sort((a, b) => b - a), 'newest first');
  for (const m of all.items) {
    assert.ok(!('minutes' in m) && !('report_json' in m) && !('report' in m), 'a list leaves the texts out');
    assert.equal(typeof m.state_label, 'string');
  }
  const paged = await walkPages(assert, h, `/api/v1/meetings?township_id=${ids.town}`, t.office, 1);
  assert.deepEqual(paged, all.items);
});
