// authz.test.mjs — every role × every endpoint × (own place, neighbouring
// township, another county): allowed or denied, as the roles table of
// REQUIREMENTS.md says. Denied means 401/403, or 404 for a record outside
// one's place (it does not exist for the caller).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ROLES, expectError } from './lib.mjs';

let h, tok, ids;
const T = ['grid', 'staff', 'contact', 'office', 'leader'];
const C = ['admin', 'secadmin', 'auditor'];

before(async () => {
  h = await startServer();
  // a second county with a township, a department, a unit, a person, an account
  const city = h.sql("SELECT id FROM regions WHERE level = 'city'");
  const now = Math.floor(Date.now() / 1000);
  h.sql(`INSERT INTO regions (parent_id, level, code, name, created_at, updated_at) VALUES (${city}, 'county', '331121', '青田县', ${now}, ${now})`);
  const c2 = h.sql("SELECT id FROM regions WHERE code = '331121'");
  h.sql(`UPDATE regions SET county_id = ${c2} WHERE id = ${c2}`);
  h.sql(`INSERT INTO regions (parent_id, level, code, name, county_id, created_at, updated_at) VALUES (${c2}, 'township', '331121100', '温溪镇', ${c2}, ${now}, ${now})`);
  const t2 = h.sql("SELECT id FROM regions WHERE code = '331121100'");
  h.sql(`UPDATE regions SET township_id = ${t2} WHERE id = ${t2}`);
  h.sql(`INSERT INTO departments (county_id, code, name, created_at, updated_at) VALUES (${c2}, 'QT-ZF', '青田县综合行政执法局', ${now}, ${now})`);
  const d2 = h.sql("SELECT id FROM departments WHERE code = 'QT-ZF'");
  h.sql(`INSERT INTO units (department_id, township_id, county_id, code, name, kind, created_at, updated_at) VALUES (${d2}, ${t2}, ${c2}, 'QT-ZF-1', '温溪镇综合行政执法中队', 'enforcement', ${now}, ${now})`);
  const u2 = h.sql("SELECT id FROM units WHERE code = 'QT-ZF-1'");
  h.sql(`INSERT INTO people (name, unit_id, department_id, township_id, county_id, created_at, updated_at) VALUES ('外县人员', ${u2}, ${d2}, ${t2}, ${c2}, ${now}, ${now})`);
  const p2 = h.sql("SELECT id FROM people WHERE name = '外县人员'");
  h.cli(['user', 'add', 'qtuser', String(c2), 'office'], { env: { ...process.env, XZ_PASSWORD: 'Other-County-Pass-1' } });
  tok = await h.tokens();
  const me = (await h.api('GET', '/api/v1/me', { token: tok.staff })).body;
  const q = (s) => h.sql(s);
  ids = {
    town: { own: me.township_id, near: Number(q("SELECT id FROM regions WHERE code = '331102101'")), far: Number(t2) },
    unit: { own: me.unit_id, near: Number(q("SELECT id FROM units WHERE code = 'ZR-331102101'")), far: Number(u2) },
    person: {
      own: Number(q(`SELECT id FROM people WHERE unit_id = ${me.unit_id} ORDER BY id DESC LIMIT 1`)),
      near: Number(q("SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'ZR-331102101' LIMIT 1")),
      far: Number(p2),
    },
    dept: { own: Number(q("SELECT id FROM departments WHERE code = 'ZF'")), near: Number(q("SELECT id FROM departments WHERE code = 'ZR'")), far: Number(d2) },
    cell: { own: Number(q(`SELECT id FROM grid_cells WHERE township_id = ${me.township_id} LIMIT 1`)), near: Number(q("SELECT c.id FROM grid_cells c JOIN regions r ON r.id = c.township_id WHERE r.code = '331102101' LIMIT 1")) },
    problem: {
      own: Number(q(`SELECT id FROM problems WHERE township_id = ${me.township_id} AND unit_id = ${me.unit_id} LIMIT 1`)),
      near: Number(q("SELECT p.id FROM problems p JOIN regions r ON r.id = p.township_id JOIN departments d ON d.id = p.department_id WHERE r.code = '331102101' AND d.code = 'ZF' LIMIT 1")),
    },
    complaint: Number(q(`SELECT p.id FROM problems p JOIN problem_reporters r ON r.problem_id = p.id WHERE p.township_id = ${me.township_id} LIMIT 1`)),
    user: { own: Number(q("SELECT id FROM users WHERE username = 'grid'")), near: Number(q("SELECT id FROM users WHERE username = 'office2'")), far: Number(q("SELECT id FROM users WHERE username = 'qtuser'")) },
  };
});
after(async () => { await h.close(); });

let unitSeq = 0;
// Each endpoint: how to call it for a place, and who is allowed at that place.
const endpoints = [
  { name: 'GET /me', call: () => ['GET', '/api/v1/me'], allow: { own: ROLES } },
  { name: 'GET /regions/{township}', call: (p) => ['GET', `/api/v1/regions/${ids.town[p]}`],
    allow: { own: ROLES, near: ['dept', ...C], far: [] } },
  { name: 'GET /departments/{id}', call: (p) => ['GET', `/api/v1/departments/${ids.dept[p]}`],
    allow: { own: ROLES, near: ROLES, far: [] } },
  { name: 'GET /units/{id}', call: (p) => ['GET', `/api/v1/units/${ids.unit[p]}`],
    allow: { own: [...T, 'dept', 'admin'], near: ['admin'], far: [] } }, // issue 16 #9: not secadmin
  { name: 'POST /units', call: (p) => ['POST', '/api/v1/units', { department_id: ids.dept[p === 'far' ? 'far' : 'own'], township_id: ids.town[p], code: `M-${unitSeq++}`, name: '矩阵测试' }],
    allow: { own: ['admin'], near: ['admin'], far: [] } },
  { name: 'GET /people/{id}', call: (p) => ['GET', `/api/v1/people/${ids.person[p]}`],
    allow: { own: ['office', 'leader', 'contact', 'staff', 'dept', 'admin'], near: ['admin'], far: [] } }, // issue 16 #9
  { name: 'PUT /people/{id}', call: (p) => ['PUT', `/api/v1/people/${ids.person[p]}`, { version: Number(h.sql(`SELECT version FROM people WHERE id = ${ids.person[p]}`)), title: '矩阵' }],
    allow: { own: ['office', 'admin'], near: ['admin'], far: [] } },
  { name: 'GET /grid/cells/{id}', call: (p) => ['GET', `/api/v1/grid/cells/${ids.cell[p]}`],
    allow: { own: [...T, 'dept', 'admin'], near: ['dept', 'admin'] } },
  { name: 'GET /grid/locate', call: () => ['GET', '/api/v1/grid/locate?lon=119.85&lat=28.41'], allow: { own: [...T, 'dept', 'admin'] } },
  { name: 'GET /powers', call: () => ['GET', '/api/v1/powers'], allow: { own: [...T, 'dept', 'admin'] } },
  { name: 'GET /routing', call: (p) => ['GET', `/api/v1/routing?category=CS01&township=${ids.town[p]}`],
    allow: { own: [...T, 'dept', 'admin'], near: [...T, 'dept', 'admin'], far: [] } },
  { name: 'GET /calendar/deadline', call: () => ['GET', '/api/v1/calendar/deadline?from=2026-11-26&amount=1&unit=working_days'], allow: { own: ROLES } },
  { name: 'PUT /calendar/days/{date}', call: () => ['PUT', '/api/v1/calendar/days/2026-12-30', { kind: 'holiday' }], allow: { own: ['admin'] } },
  { name: 'GET /problems/{id}', call: (p) => ['GET', `/api/v1/problems/${ids.problem[p]}`],
    allow: { own: ['office', 'leader', 'grid', 'staff', 'contact', 'dept'], near: ['dept'] } },
  { name: 'GET /problems/{id}/reporter', call: () => ['GET', `/api/v1/problems/${ids.complaint}/reporter?reason=${encodeURIComponent('核实')}`], allow: { own: ['office'] } },
  { name: 'GET /stats/problems', call: () => ['GET', '/api/v1/stats/problems'], allow: { own: ['office', 'leader', 'dept', 'admin'] } },
  { name: 'GET /leadership', call: () => ['GET', '/api/v1/leadership'], allow: { own: [...T, 'dept', 'admin'] } },
  { name: 'GET /users', call: () => ['GET', '/api/v1/users'], allow: { own: ['admin', 'secadmin'] } },
  { name: 'PATCH /users/{id}', call: (p) => ['PATCH', `/api/v1/users/${ids.user[p]}`, { version: Number(h.sql(`SELECT version FROM users WHERE id = ${ids.user[p]}`)), display_name: '改名' }],
    allow: { own: ['admin'], near: ['admin'], far: [] } },
  { name: 'POST /users/{id}/unlock', call: (p) => ['POST', `/api/v1/users/${ids.user[p]}/unlock`],
    allow: { own: ['secadmin'], near: ['secadmin'], far: [] } },
  { name: 'PUT /users/{id}/roles/leader', call: (p) => ['PUT', `/api/v1/users/${ids.user[p]}/roles/leader`],
    allow: { own: ['secadmin'], near: ['secadmin'], far: [] } },
  { name: 'GET /settings', call: () => ['GET', '/api/v1/settings'], allow: { own: ['secadmin'] } },
  { name: 'GET /audit', call: () => ['GET', '/api/v1/audit'], allow: { own: ['auditor'] } },
  { name: 'GET /joint-actions', call: () => ['GET', '/api/v1/joint-actions'], allow: { own: [...T, 'dept', 'admin'] } },
  { name: 'GET /joint-actions/{id}', call: (p) => ['GET', `/api/v1/joint-actions/${Number(h.sql(`SELECT MIN(a.id) FROM joint_actions a JOIN regions t ON t.id = a.township_id WHERE t.code = '${p === 'own' ? '331102100' : '331102101'}'`))}`],
    allow: { own: [...T, 'dept', 'admin'], near: ['dept', 'admin'] } },
  { name: 'GET /audit/verify', call: () => ['GET', '/api/v1/audit/verify'], allow: { own: ['auditor'] } },
];

test('role × endpoint × place', async () => {
  const wrong = [];
  let checked = 0;
  for (const ep of endpoints) {
    for (const place of Object.keys(ep.allow)) {
      for (const role of ROLES) {
        const [method, path, body] = ep.call(place);
        const r = await h.api(method, path, { token: tok[role], body });
        const allowed = ![401, 403, 404].includes(r.status);
        const expected = ep.allow[place].includes(role);
        checked++;
        if (allowed !== expected) wrong.push(`${ep.name} [${place}] as ${role}: ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
        else if (allowed) assert.ok(r.status < 300, `${ep.name} as ${role} answered ${r.status}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= 250, `checked ${checked} combinations`);
});

test('without a session every protected endpoint is 401', async () => {
  for (const ep of endpoints) {
    const [method, path, body] = ep.call('own');
    assert.equal((await h.api(method, path, { body })).status, 401, ep.name);
  }
});

test('no account can grant itself a role', async () => {
  const me = (await h.api('GET', '/api/v1/me', { token: tok.secadmin })).body;
  const r = await h.api('PUT', `/api/v1/users/${me.id}/roles/admin`, { token: tok.secadmin });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'self_grant');
  const admin = (await h.api('GET', '/api/v1/me', { token: tok.admin })).body;
  assert.equal((await h.api('PUT', `/api/v1/users/${admin.id}/roles/secadmin`, { token: tok.admin })).status, 403, 'the system administrator cannot grant roles');
});

test('denied attempts are in the audit trail', async () => {
  await h.api('GET', '/api/v1/audit', { token: tok.grid });
  const a = await h.api('GET', '/api/v1/audit?action=access', { token: tok.auditor });
  assert.ok(a.body.items.some((e) => e.outcome === 'denied' && e.username === 'grid'));
});

// ---- lists and calendars belong to a county (issue 9, item 4) ----

let qt;
async function qtAdmin() {
  if (qt) return qt;
  const c2 = h.sql("SELECT id FROM regions WHERE code = '331121'");
  h.cli(['user', 'add', 'qtadmin', String(c2), 'admin'], { env: { ...process.env, XZ_PASSWORD: 'Other-County-Admin-1' } });
  qt = await h.login('qtadmin', 'Other-County-Admin-1');
  return qt;
}

test("another county's administrator neither sees nor changes this county's categories", async () => {
  const other = await qtAdmin();
  const mine = (await h.api('GET', '/api/v1/categories', { token: tok.admin })).body.items;
  const cs = mine.find((c) => c.code === 'CS');
  assert.ok(cs, 'the demo county has its tree');
  assert.deepEqual((await h.api('GET', '/api/v1/categories', { token: other })).body.items, [], 'the other county sees none of them');
  const put = await h.api('PUT', `/api/v1/categories/${cs.id}`, { token: other, body: { code: 'CS', name: '改名', version: cs.version } });
  assert.equal(put.status, 404, JSON.stringify(put.body));
  assert.equal(h.sql(`SELECT name FROM categories WHERE id = ${cs.id}`), '村镇建设', 'unchanged');
  // nor can it hang a child under this county's category
  const child = await h.api('POST', '/api/v1/categories', { token: other, body: { parent_id: cs.id, code: 'QT-CS99', name: '越界' } });
  assert.equal(child.status, 422, JSON.stringify(child.body));
  // its own category lands in its own county only
  const own = await h.api('POST', '/api/v1/categories', { token: other, body: { code: 'QT-A', name: '青田类别' } });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  assert.deepEqual((await h.api('GET', '/api/v1/categories', { token: other })).body.items.map((c) => c.code), ['QT-A']);
  assert.ok(!(await h.api('GET', '/api/v1/categories', { token: tok.admin })).body.items.some((c) => c.code === 'QT-A'));
  const mineAgain = await h.api('PUT', `/api/v1/categories/${own.body.id}`, { token: tok.admin, body: { code: 'QT-A', name: '越界', version: 1 } });
  assert.equal(mineAgain.status, 404);
  // routing reads the category of the township's county
  expectError(assert, await h.api('GET', `/api/v1/routing?category=QT-A&township=${ids.town.own}`, { token: tok.office }), 422, 'invalid_category');
});

test("each county keeps its own calendar, and deadlines follow the caller's county", async () => {
  const other = await qtAdmin();
  const dl = async (token) => (await h.api('GET', '/api/v1/calendar/deadline?from=2026-12-23T10:00:00%2B08:00&amount=1&unit=working_days', { token })).body.due_at;
  assert.ok((await h.api('GET', '/api/v1/calendar?year=2026', { token: tok.admin })).body.days.some((d) => d.date === '2026-10-01'));
  assert.deepEqual((await h.api('GET', '/api/v1/calendar?year=2026', { token: other })).body.days, [], "the demo county's holidays are not the other county's");
  const r = await h.api('PUT', '/api/v1/calendar/days/2026-12-24', { token: other, body: { kind: 'holiday', name: '县级调休' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(await dl(other), '2026-12-25T23:59:59+08:00');
  assert.equal(await dl(tok.admin), '2026-12-24T23:59:59+08:00', "the demo county's deadline does not move");
  assert.ok(!(await h.api('GET', '/api/v1/calendar?year=2026', { token: tok.grid })).body.days.some((d) => d.date === '2026-12-24'));
  // deleting a day in one county leaves the other's alone
  assert.equal((await h.api('DELETE', '/api/v1/calendar/days/2026-10-01', { token: other })).status, 204);
  assert.ok((await h.api('GET', '/api/v1/calendar?year=2026', { token: tok.admin })).body.days.some((d) => d.date === '2026-10-01'));
  const imp = await h.api('POST', '/api/v1/calendar/import', { token: other, body: { days: [{ date: '2026-12-31', kind: 'holiday' }] } });
  assert.equal(imp.status, 200);
  assert.equal(h.sql("SELECT COUNT(*) FROM calendar_days WHERE day = '2026-12-31'"), '1', 'imported into one county');
});

// ---- the screens ask the server what the user may do ----

test('/me lists the permissions each role grants', async () => {
  const has = {
    grid: ['problem.report', 'patrol.write', 'grid.read', 'self'],
    staff: ['problem.handle', 'problem.read', 'joint.write'],
    contact: ['problem.handle', 'people.read', 'joint.write'],
    office: ['problem.office', 'people.write', 'grid.write', 'leadership.write'],
    leader: ['problem.supervise', 'problem.evaluate', 'stats.read'],
    dept: ['problem.supervise', 'unit.read', 'stats.read', 'problem.assign', 'problem.take_up'],
    admin: ['org.write', 'list.write', 'calendar.write', 'user.write', 'grid.write'],
    secadmin: ['role.grant', 'security.write', 'user.read'],
    auditor: ['audit.read', 'calendar.read'],
  };
  const lacks = {
    grid: ['list.write', 'problem.office', 'user.read'],
    staff: ['people.write', 'problem.office'],
    contact: ['org.write'],
    office: ['org.write', 'audit.read', 'role.grant', 'list.write', 'problem.assign'],
    leader: ['problem.office', 'user.write'],
    dept: ['problem.office', 'org.write'],
    admin: ['role.grant', 'security.write', 'audit.read', 'problem.office'],
    secadmin: ['user.write', 'audit.read', 'org.write'],
    auditor: ['user.read', 'user.write', 'role.grant', 'list.read'],
  };
  for (const role of ROLES) {
    const me = await h.api('GET', '/api/v1/me', { token: tok[role] });
    assert.equal(me.status, 200);
    const p = me.body.permissions;
    assert.ok(Array.isArray(p), `${role}: permissions is a list`);
    assert.equal(new Set(p).size, p.length, `${role}: each permission once`);
    for (const x of has[role]) assert.ok(p.includes(x), `${role} holds ${x}`);
    for (const x of lacks[role]) assert.ok(!p.includes(x), `${role} does not hold ${x}`);
    assert.ok(me.body.csrf !== undefined && me.body.username === role, 'the rest of /me is unchanged');
  }
  // the list agrees with what the server enforces
  const grid = (await h.api('GET', '/api/v1/me', { token: tok.grid })).body.permissions;
  assert.equal((await h.api('GET', '/api/v1/users', { token: tok.grid })).status, 403);
  assert.ok(!grid.includes('user.read'));
});
