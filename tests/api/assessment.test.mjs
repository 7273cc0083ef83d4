// assessment.test.mjs — the assessment of dispatched units and staff (R8,
// R1.7; issue 12): the office sets up a year's scheme whose weights must
// sum to 100, the leader approves it and it can no longer change; the
// scores of every unit and every person of the demo township match an
// independent recount of their records, part by part, with the records
// behind each part; the township rates only its own units; a unit that
// leaves a task unaccepted past its deadline is flagged with the evidence,
// its head and the office are told, and the leader supervises the flag;
// the year's results are graded by the township, approved and sent to the
// competent department, which records its final grade beside the
// township's (and only for its own line); consultation on a unit head;
// exports; bad input changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError } from './lib.mjs';

let h, t, town, now, year, from, to, scheme;
const OPEN = "('reported','accepted','dispatched','in_hand','handled','verified')";
const count = (sql) => Number(h.sql(sql));
const instant = (date) => Math.floor(Date.parse(date + 'T00:00:00+08:00') / 1000);
const r2 = (v) => Math.round(v * 100) / 100;
const near = (a, b, msg) => assert.ok(Math.abs(a - b) < 1e-6, `${msg}: ${a} != ${b}`);

const PARTS = [
  { indicator: 'on_time_handling_rate', weight: 30 },
  { indicator: 'rework_rate', weight: 20 },
  { indicator: 'overdue', weight: 10, rule: 'per_event', per: -1, cap: -10 },
  { indicator: 'joint_actions', weight: 10 },
  { kind: 'rating', weight: 30 },
];

before(async () => {
  h = await startServer();
  t = await h.tokens(['admin', 'office', 'office2', 'leader', 'staff', 'contact', 'market', 'dept']);
  town = Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'"));
  now = Math.floor(Date.now() / 1000);
  await h.setClock(new Date(now * 1000).toISOString());
  year = new Date((now + 28800) * 1000).getUTCFullYear();
  from = instant(`${year}-01-01`);
  to = instant(`${year + 1}-01-01`);
});
after(async () => { await h.close(); });

const act = (tok, id, body) => h.api('POST', `/api/v1/problems/${id}/actions`, { token: tok, body });
const schemeBody = (extra = {}) => ({ township_id: town, name: `${year}年度派驻机构和派驻人员考核办法`, period_start: `${year}-01-01`, period_end: `${year}-12-31`, parts: PARTS, ...extra });

test('bad schemes are refused with the field at fault and nothing is stored', async () => {
  const before = count('SELECT COUNT(*) FROM assessment_schemes');
  let r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ parts: [{ indicator: 'on_time_handling_rate', weight: 60 }, { kind: 'rating', weight: 30 }] }) });
  expectError(assert, r, 422, 'weights_not_100');
  assert.equal(r.body.error.field, 'parts');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ parts: [{ indicator: 'no_such', weight: 100 }] }) });
  expectError(assert, r, 422, 'unknown_indicator');
  assert.equal(r.body.error.field, 'parts[0].indicator');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ parts: [{ indicator: 'overdue', weight: 50, rule: 'per_event', per: -1, cap: 5 }, { kind: 'rating', weight: 50 }] }) });
  expectError(assert, r, 422, 'invalid_cap');
  assert.equal(r.body.error.field, 'parts[0].cap');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ parts: [{ kind: 'rating', weight: 50 }, { kind: 'rating', weight: 50 }] }) });
  expectError(assert, r, 422, 'duplicate_rating');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ period_start: '2026-13-01' }) });
  expectError(assert, r, 400, 'invalid_date');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ period_end: `${year - 1}-01-01` }) });
  expectError(assert, r, 422, 'invalid_period');
  r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: { ...schemeBody(), extra: 1 } });
  expectError(assert, r, 400);
  // only the township's own office
  expectError(assert, await h.api('POST', '/api/v1/assessment/schemes', { token: t.office2, body: schemeBody() }), 403);
  expectError(assert, await h.api('POST', '/api/v1/assessment/schemes', { token: t.staff, body: schemeBody() }), 403);
  assert.equal(count('SELECT COUNT(*) FROM assessment_schemes'), before);
});

test('the office sets up the year, the leader approves it, and a scheme in use cannot change', async () => {
  let r = await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  scheme = r.body;
  assert.equal(scheme.state, 'draft');
  assert.equal(scheme.period_kind, 'year');
  assert.deepEqual(scheme.parts.map((p) => p.weight), [30, 20, 10, 10, 30]);
  // defaults filled in: a rate scores linearly, lower-is-better the other way round
  assert.deepEqual([scheme.parts[0].good, scheme.parts[0].bad], [100, 0]);
  assert.deepEqual([scheme.parts[1].good, scheme.parts[1].bad], [0, 100]);
  assert.equal(scheme.parts[3].rule, 'per_event');
  // the office may not approve its own scheme; the leader cannot approve a draft
  expectError(assert, await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.leader, body: { action: 'approve' } }), 409, 'invalid_transition');
  r = await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.office, body: { action: 'submit' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  expectError(assert, await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.office, body: { action: 'approve' } }), 403);
  // returned with a reason, resubmitted, approved
  expectError(assert, await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.leader, body: { action: 'return' } }), 422, 'reason_required');
  r = await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.leader, body: { action: 'return', reason: '请补充日常评价细则' } });
  assert.equal(r.body.state, 'draft');
  assert.equal(r.body.return_reason, '请补充日常评价细则');
  assert.equal((await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.office, body: { action: 'submit' } })).status, 200);
  r = await h.api('POST', `/api/v1/assessment/schemes/${scheme.id}/actions`, { token: t.leader, body: { action: 'approve' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'approved');
  const { period_start, period_end, name } = schemeBody();
  expectError(assert, await h.api('PUT', `/api/v1/assessment/schemes/${scheme.id}`, { token: t.office, body: { name, period_start, period_end, parts: PARTS } }), 409, 'scheme_in_use');
  expectError(assert, await h.api('POST', '/api/v1/assessment/schemes', { token: t.office, body: schemeBody({ previous_id: scheme.id }) }), 422, 'period_overlaps');
  // every step is audited
  assert.ok(count(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'assessment_scheme' AND object_id = '${scheme.id}'`) >= 5);
});

// the officers' own work for the person-level figures: staff takes and
// handles a task of its unit; contact takes one
test('staff work through the closed loop', async () => {
  const ids = h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND unit_id = 1 AND state = 'dispatched' ORDER BY id LIMIT 2`).split('\n').map(Number);
  assert.equal(ids.length, 2);
  assert.equal((await act(t.staff, ids[0], { action: 'take' })).status, 200);
  assert.equal((await act(t.staff, ids[0], { action: 'handle', feedback: '已责令整改完毕' })).status, 200);
  assert.equal((await act(t.contact, ids[1], { action: 'take' })).status, 200);
});

function points(part, value, numerator) {
  const w = part.weight;
  let p;
  if (part.kind === 'rating') p = value === null ? w : (w * value) / 100;
  else if (part.rule === 'per_event') p = part.per < 0 ? w + Math.max(part.per * numerator, part.cap) : Math.min(part.per * numerator, part.cap);
  else if (value === null) p = w;
  else p = w * Math.min(1, Math.max(0, (value - part.bad) / (part.good - part.bad)));
  return r2(Math.min(w, Math.max(0, p)));
}
const rate = (num, den) => (den ? r2((100 * num) / den) : null);

function unitRecount(u) {
  const handled = `FROM problems WHERE township_id = ${town} AND unit_id = ${u} AND handled_at >= ${from} AND handled_at < ${to}`;
  const hd = count(`SELECT COUNT(*) ${handled}`);
  const rating = h.sql(`SELECT COUNT(*) || ',' || COALESCE(SUM(score), 0) FROM assessment_ratings WHERE scheme_id = ${scheme.id} AND subject_kind = 'unit' AND subject_id = ${u}`).split(',').map(Number);
  return {
    on_time_handling_rate: [rate(count(`SELECT COUNT(*) ${handled} AND COALESCE(on_time, 1) <> 0`), hd), count(`SELECT COUNT(*) ${handled} AND COALESCE(on_time, 1) <> 0`), hd],
    rework_rate: [rate(count(`SELECT COUNT(*) ${handled} AND rework_count > 0`), hd), count(`SELECT COUNT(*) ${handled} AND rework_count > 0`), hd],
    overdue: (() => { const n = count(`SELECT COUNT(*) FROM problems WHERE township_id = ${town} AND unit_id = ${u} AND created_at >= ${from} AND created_at < ${to} AND state IN ${OPEN} AND due_at < ${now}`); return [n, n, null]; })(),
    joint_actions: (() => { const n = count(`SELECT COUNT(*) FROM joint_actions WHERE township_id = ${town} AND created_at >= ${from} AND created_at < ${to} AND (lead_unit_id = ${u} OR applicant_unit_id = ${u})`); return [n, n, null]; })(),
    rating: [rating[0] ? r2(rating[1] / rating[0]) : null, rating[0], null],
  };
}

function personRecount(p) {
  const hist = (actions) => `FROM problem_history hh JOIN users uu ON uu.id = hh.user_id JOIN problems pp ON pp.id = hh.problem_id WHERE pp.township_id = ${town} AND hh.at >= ${from} AND hh.at < ${to} AND uu.person_id = ${p} AND hh.action IN (${actions})`;
  const hd = count(`SELECT COUNT(DISTINCT hh.problem_id) ${hist("'handle'")}`);
  const ot = count(`SELECT COUNT(DISTINCT hh.problem_id) ${hist("'handle'")} AND COALESCE(pp.on_time, 1) <> 0`);
  const rw = count(`SELECT COUNT(DISTINCT hh.problem_id) ${hist("'handle'")} AND pp.rework_count > 0`);
  const od = count(`SELECT COUNT(DISTINCT pp.id) FROM problems pp WHERE pp.township_id = ${town} AND pp.created_at >= ${from} AND pp.created_at < ${to} AND pp.state IN ('dispatched','in_hand') AND pp.due_at < ${now} AND pp.id IN (SELECT hh.problem_id FROM problem_history hh JOIN users uu ON uu.id = hh.user_id WHERE hh.action = 'take' AND uu.person_id = ${p})`);
  const ja = count(`SELECT COUNT(DISTINCT jp.action_id) FROM joint_participants jp JOIN joint_actions a ON a.id = jp.action_id WHERE a.township_id = ${town} AND a.planned_start >= ${from} AND a.planned_start < ${to} AND jp.person_id = ${p}`);
  const rating = h.sql(`SELECT COUNT(*) || ',' || COALESCE(SUM(score), 0) FROM assessment_ratings WHERE scheme_id = ${scheme.id} AND subject_kind = 'person' AND subject_id = ${p}`).split(',').map(Number);
  return {
    on_time_handling_rate: [rate(ot, hd), ot, hd],
    rework_rate: [rate(rw, hd), rw, hd],
    overdue: [od, od, null],
    joint_actions: [ja, ja, null],
    rating: [rating[0] ? r2(rating[1] / rating[0]) : null, rating[0], null],
  };
}

function checkScores(items, ids, recount, kind) {
  assert.deepEqual(items.map((i) => i.subject.id), ids, `every ${kind} of the township, in order`);
  for (const it of items) {
    const want = recount(it.subject.id);
    let total = 0;
    assert.equal(it.parts.length, PARTS.length);
    it.parts.forEach((p, k) => {
      const part = scheme.parts[k];
      const [value, num, den] = want[p.indicator];
      assert.equal(p.indicator, part.indicator);
      assert.equal(p.value, value, `${kind} ${it.subject.name} ${p.indicator} value`);
      assert.equal(p.numerator, num, `${kind} ${it.subject.name} ${p.indicator} numerator`);
      assert.equal(p.denominator, den, `${kind} ${it.subject.name} ${p.indicator} denominator`);
      near(p.points, points(part, value, num), `${kind} ${it.subject.name} ${p.indicator} points`);
      total += p.points;
    });
    near(it.total, r2(total), `${kind} ${it.subject.name} total`);
  }
}

test('the township rates only its own units, during a scheme in use; a unit sees its own ratings', async () => {
  const p = Number(h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND unit_id = 1 ORDER BY id LIMIT 1`));
  let r = await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 80, remarks: '巡查响应及时，但台账不全', event_kind: 'problem', event_id: p } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await h.api('POST', '/api/v1/assessment/ratings', { token: t.leader, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 91 } });
  assert.equal(r.status, 201);
  r = await h.api('POST', '/api/v1/assessment/ratings', { token: t.leader, body: { scheme_id: scheme.id, subject: 'person', subject_id: 2, score: 95, remarks: '处置迅速' } });
  assert.equal(r.status, 201);
  r = await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 6, score: 70 } });
  assert.equal(r.status, 201);
  const n = count('SELECT COUNT(*) FROM assessment_ratings');
  const other = Number(h.sql("SELECT id FROM units WHERE name = '大港头镇综合行政执法中队'"));
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: other, score: 60 } }), 422, 'not_own_unit');
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.office2, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 60 } }), 403);
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.staff, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 60 } }), 403);
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 160 } }), 422, 'invalid_score');
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: 60, event_kind: 'problem', event_id: 999999 } }), 422, 'invalid_event');
  expectError(assert, await h.api('POST', '/api/v1/assessment/ratings', { token: t.office, body: { scheme_id: scheme.id, subject: 'unit', subject_id: 1, score: '60' } }), 400);
  assert.equal(count('SELECT COUNT(*) FROM assessment_ratings'), n);
  // the unit sees its own ratings only
  r = await h.api('GET', `/api/v1/assessment/ratings?scheme_id=${scheme.id}`, { token: t.contact });
  assert.equal(r.status, 200);
  assert.ok(r.body.items.length >= 3);
  assert.ok(r.body.items.every((x) => x.unit_id === 1));
  r = await h.api('GET', `/api/v1/assessment/ratings?scheme_id=${scheme.id}`, { token: t.office });
  assert.ok(r.body.items.some((x) => x.unit_id === 6));
});

test('scores for every unit and person of the township match a recount of their records', async () => {
  let r = await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=unit`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const units = h.sql(`SELECT id FROM units WHERE township_id = ${town} ORDER BY id`).split('\n').map(Number);
  checkScores(r.body.items, units, unitRecount, 'unit');
  const u1 = r.body.items.find((i) => i.subject.id === 1);
  assert.equal(u1.parts[4].value, 85.5, 'the rating is the average of the period\'s ratings');
  assert.ok(u1.parts.find((p) => p.indicator === 'overdue').numerator > 0, 'the demo has overdue tasks');
  r = await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=person`, { token: t.leader });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const people = h.sql(`SELECT p.id FROM people p JOIN units n ON n.id = p.unit_id WHERE n.township_id = ${town} AND p.active = 1 ORDER BY p.id`).split('\n').map(Number);
  checkScores(r.body.items, people, personRecount, 'person');
  const staff = r.body.items.find((i) => i.subject.id === 2);
  assert.equal(staff.parts[0].denominator, 1, 'the task staff handled counts for staff');
  // a unit's people see their own unit only; another township sees nothing
  r = await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=unit`, { token: t.contact });
  assert.deepEqual(r.body.items.map((i) => i.subject.id), [1]);
  expectError(assert, await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=unit`, { token: t.office2 }), 403);
  expectError(assert, await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=team`, { token: t.office }), 400);
});

test('every point drills down to the records behind it', async () => {
  let r = await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=unit&id=1&indicator=overdue`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'problem');
  const want = h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND unit_id = 1 AND created_at >= ${from} AND created_at < ${to} AND state IN ${OPEN} AND due_at < ${now} ORDER BY id DESC`).split('\n').filter(Boolean).map(Number);
  assert.deepEqual(r.body.items.map((p) => p.id), want);
  r = await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=unit&id=1&indicator=joint_actions`, { token: t.office });
  assert.equal(r.body.kind, 'joint_action');
  assert.equal(r.body.items.length, unitRecount(1).joint_actions[1]);
  r = await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=person&id=2&indicator=on_time_handling_rate`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.items.length, personRecount(2).on_time_handling_rate[1]);
  r = await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=unit&id=1&indicator=rating`, { token: t.office });
  assert.equal(r.body.kind, 'rating');
  assert.deepEqual(r.body.items.map((x) => x.score).sort(), [80, 91]);
  expectError(assert, await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=unit&id=1&indicator=nope`, { token: t.office }), 422, 'unknown_indicator');
  expectError(assert, await h.api('GET', `/api/v1/assessment/scores/records?scheme_id=${scheme.id}&subject=unit&id=2&indicator=overdue`, { token: t.contact }), 404);
});

test('a unit that leaves a task unaccepted past its deadline is flagged with the evidence; its head and the office are told; the leader supervises', async () => {
  const market = Number(h.sql("SELECT id FROM units WHERE name = '碧湖镇市场监管所'"));
  const p = Number(h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND state = 'reported' ORDER BY id LIMIT 1`));
  assert.equal((await act(t.office, p, { action: 'dispatch', unit_id: market })).status, 200);
  const due = Number(h.sql(`SELECT due_at FROM problems WHERE id = ${p}`));
  // before the deadline: not a sign of anything
  let r = await h.api('GET', `/api/v1/assessment/flags?township_id=${town}`, { token: t.office });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(!r.body.items.some((f) => f.rule === 'never_accepted' && f.evidence.ids.includes(p)));
  const before = { market: count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'market' AND n.kind = 'assessment_flag' AND n.title LIKE '%任务超时未接收%'"),
    office: count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'office' AND n.kind = 'assessment_flag'") };
  h.sql(`UPDATE assessment_flags SET state = 'closed' WHERE unit_id = ${market} AND rule = 'never_accepted'`);
  await h.setClock(new Date((due + 3600) * 1000).toISOString());
  t = { ...t, ...(await h.tokens(['office', 'leader', 'market'])) }; // sessions lapse as the clock moves on
  r = await h.api('GET', `/api/v1/assessment/flags?township_id=${town}`, { token: t.office });
  assert.equal(r.status, 200);
  const flag = r.body.items.find((f) => f.rule === 'never_accepted' && f.unit_id === market && f.state === 'open');
  assert.ok(flag, JSON.stringify(r.body.items.map((f) => [f.rule, f.unit_id, f.state])));
  assert.equal(flag.evidence.kind, 'problem');
  assert.ok(flag.evidence.ids.includes(p), 'the unaccepted task is the evidence');
  const still = h.sql(`SELECT id FROM problems WHERE township_id = ${town} AND unit_id = ${market} AND state = 'dispatched' AND due_at < ${due + 3600} ORDER BY id`).split('\n').map(Number);
  assert.deepEqual(flag.evidence.ids, still);
  assert.equal(flag.rule_info.sign, '不作为');
  assert.equal(count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'market' AND n.kind = 'assessment_flag' AND n.title LIKE '%任务超时未接收%'"), before.market + 1, 'the unit head is told');
  assert.ok(count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'office' AND n.kind = 'assessment_flag'") > before.office, 'the office is told');
  // a second look does not flag or tell again
  r = await h.api('GET', `/api/v1/assessment/flags?township_id=${town}`, { token: t.office });
  assert.equal(r.body.items.filter((f) => f.rule === 'never_accepted' && f.unit_id === market && f.state === 'open').length, 1);
  assert.equal(count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'market' AND n.kind = 'assessment_flag' AND n.title LIKE '%任务超时未接收%'"), before.market + 1);
  // the unit sees its own flags; the leader supervises; the office may not
  r = await h.api('GET', `/api/v1/assessment/flags?township_id=${town}`, { token: t.market });
  assert.ok(r.body.items.length > 0 && r.body.items.every((f) => f.unit_id === market));
  expectError(assert, await h.api('POST', `/api/v1/assessment/flags/${flag.id}/actions`, { token: t.office, body: { action: 'supervise', note: '限期接收' } }), 403);
  expectError(assert, await h.api('POST', `/api/v1/assessment/flags/${flag.id}/actions`, { token: t.leader, body: { action: 'supervise' } }), 422, 'note_required');
  r = await h.api('POST', `/api/v1/assessment/flags/${flag.id}/actions`, { token: t.leader, body: { action: 'supervise', note: '请于今日内接收并处置' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'supervised');
  await h.setClock(new Date(now * 1000).toISOString());
  t = await h.tokens(['admin', 'office', 'office2', 'leader', 'staff', 'contact', 'market', 'dept']);
});

let results;

test('the year\'s results: the township grades, the leader sends, the department of the line records its final grade', async () => {
  expectError(assert, await h.api('POST', '/api/v1/assessment/results', { token: t.leader, body: { scheme_id: scheme.id } }), 403);
  let r = await h.api('POST', '/api/v1/assessment/results', { token: t.office, body: { scheme_id: scheme.id } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  results = r.body.items;
  const units = count(`SELECT COUNT(*) FROM units WHERE township_id = ${town}`);
  const people = count(`SELECT COUNT(*) FROM people p JOIN units n ON n.id = p.unit_id WHERE n.township_id = ${town} AND p.active = 1`);
  assert.equal(results.length, units + people);
  const scores = (await h.api('GET', `/api/v1/assessment/scores?scheme_id=${scheme.id}&subject=unit`, { token: t.office })).body.items;
  const res = results.find((x) => x.subject_kind === 'unit' && x.subject_id === 1);
  near(res.total, scores.find((i) => i.subject.id === 1).total, 'the result keeps the score');
  assert.equal(res.year, year);
  // bad grades, wrong order, wrong roles
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'finalise', grade: '很好' } }), 422, 'invalid_grade');
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'finalise' } }), 422, 'grade_required');
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.leader, body: { action: 'send' } }), 409, 'invalid_transition');
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'publish' } }), 400, 'unknown_action');
  r = await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'finalise', grade: '优秀', remarks: '=HYPERLINK("http://x")全年无超期' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'finalised');
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'send' } }), 403);
  const told = count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'dept' AND n.kind = 'assessment_result'");
  r = await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.leader, body: { action: 'send' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'sent');
  assert.equal(count("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'dept' AND n.kind = 'assessment_result'"), told + 1, 'the department\'s inbox');
  // the department sees it and records its final grade beside the township's
  r = await h.api('GET', '/api/v1/assessment/results?state=sent', { token: t.dept });
  assert.ok(r.body.items.some((x) => x.id === res.id));
  assert.ok(r.body.items.every((x) => x.department_id === 1), 'a department sees its own line');
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.office, body: { action: 'department_final', grade: '称职' } }), 403);
  r = await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.dept, body: { action: 'department_final', grade: 'competent', remarks: '依据乡镇通报情况，综合确定为称职' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'final');
  assert.equal(r.body.township_grade, '优秀');
  assert.equal(r.body.department_grade, '称职');
  // immutable afterwards
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${res.id}/actions`, { token: t.dept, body: { action: 'department_final', grade: '优秀' } }), 409, 'invalid_transition');
  const again = await h.api('POST', '/api/v1/assessment/results', { token: t.office, body: { scheme_id: scheme.id } });
  assert.equal(again.body.items.find((x) => x.id === res.id).total, res.total);
  assert.equal(again.body.items.find((x) => x.id === res.id).state, 'final');
  // a department records finals only for its own line
  const other = results.find((x) => x.subject_kind === 'unit' && x.department_id !== 1);
  await h.api('POST', `/api/v1/assessment/results/${other.id}/actions`, { token: t.office, body: { action: 'finalise', grade: '称职' } });
  await h.api('POST', `/api/v1/assessment/results/${other.id}/actions`, { token: t.leader, body: { action: 'send' } });
  expectError(assert, await h.api('POST', `/api/v1/assessment/results/${other.id}/actions`, { token: t.dept, body: { action: 'department_final', grade: '称职' } }), 403);
  assert.ok(count(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'assessment_result' AND object_id = '${res.id}'`) >= 3);
});

test('a person\'s results are kept across years; the county sees every township\'s table', async () => {
  let r = await h.api('GET', '/api/v1/assessment/results?person_id=2', { token: t.office });
  assert.equal(r.status, 200);
  assert.ok(r.body.items.length >= 1 && r.body.items.every((x) => x.subject_kind === 'person' && x.subject_id === 2));
  r = await h.api('GET', '/api/v1/assessment/results', { token: t.admin });
  assert.equal(r.status, 200);
  assert.equal(r.body.items.length, results.length);
  r = await h.api('GET', '/api/v1/assessment/results', { token: t.office2 });
  assert.equal(r.body.items.length, 0, 'another township sees none of these');
});

test('results export as XLSX (text never a formula) and PDF', async () => {
  let r = await h.api('GET', `/api/v1/assessment/results/export.xlsx?scheme_id=${scheme.id}`, { token: t.office, raw: true });
  assert.equal(r.status, 200);
  const xlsx = Buffer.from(await r.arrayBuffer());
  assert.equal(xlsx.subarray(0, 2).toString(), 'PK');
  const dir = mkdtempSync(join(tmpdir(), 'xz-assess-'));
  try {
    writeFileSync(join(dir, 'r.xlsx'), xlsx);
    const sheet = execFileSync('unzip', ['-p', join(dir, 'r.xlsx'), 'xl/worksheets/sheet1.xml']).toString();
    const strings = execFileSync('unzip', ['-p', join(dir, 'r.xlsx'), 'xl/sharedStrings.xml']).toString();
    assert.ok(!sheet.includes('<f>'), 'no formula cells');
    assert.ok(strings.includes('=HYPERLINK'), 'the remark kept as text');
  } finally { rmSync(dir, { recursive: true, force: true }); }
  r = await h.api('GET', `/api/v1/assessment/results/export.pdf?scheme_id=${scheme.id}`, { token: t.leader, raw: true });
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(await r.arrayBuffer()).subarray(0, 4).toString(), '%PDF');
  expectError(assert, await h.api('GET', `/api/v1/assessment/results/export.xlsx?scheme_id=${scheme.id}`, { token: t.office2 }), 403);
});

test('personnel consultation: the township\'s opinion before the department decides; the township recommends', async () => {
  let r = await h.api('POST', '/api/v1/assessment/consultations', { token: t.office, body: { kind: 'appointment', unit_id: 1, person_name: '韩霞', post: '中队长' } });
  expectError(assert, r, 403);
  r = await h.api('POST', '/api/v1/assessment/consultations', { token: t.dept, body: { kind: 'appointment', unit_id: 1, person_name: '韩霞', person_id: 3, post: '中队长', note: '拟任命' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const k = r.body;
  assert.equal(k.state, 'requested');
  expectError(assert, await h.api('POST', `/api/v1/assessment/consultations/${k.id}/actions`, { token: t.dept, body: { action: 'decide', decision: '任命' } }), 409, 'invalid_transition');
  expectError(assert, await h.api('POST', `/api/v1/assessment/consultations/${k.id}/actions`, { token: t.office, body: { action: 'opinion', opinion: '同意' } }), 422, 'agree_required');
  r = await h.api('POST', `/api/v1/assessment/consultations/${k.id}/actions`, { token: t.office, body: { action: 'opinion', opinion: '该同志熟悉乡镇情况，同意任命', agree: true } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'opinion_given');
  r = await h.api('POST', `/api/v1/assessment/consultations/${k.id}/actions`, { token: t.dept, body: { action: 'decide', decision: '经研究，任命韩霞为中队长' } });
  assert.equal(r.body.state, 'decided');
  r = await h.api('POST', '/api/v1/assessment/consultations', { token: t.office, body: { kind: 'recommendation', unit_id: 1, person_name: '徐磊', person_id: 1, note: '年度考核优秀，推荐为优秀负责人' } });
  assert.equal(r.status, 201);
  assert.equal(r.body.state, 'recommended');
  expectError(assert, await h.api('POST', '/api/v1/assessment/consultations', { token: t.office, body: { kind: 'promotion', unit_id: 1, person_name: '徐磊' } }), 422, 'invalid_kind');
  r = await h.api('GET', '/api/v1/assessment/consultations', { token: t.dept });
  assert.equal(r.body.items.length, 2);
});
