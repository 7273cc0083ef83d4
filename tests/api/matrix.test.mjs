// matrix.test.mjs — the role × route × place matrix, generated from the route
// table (`xiezhi routes --json`, issue 16 item 5): every route, every demo
// role, a record of the caller's own township and one of another township.
// Expected answers come from the grants (authz.c) as the route table lists
// them: a role whose grants do not hold a route's permission never gets 2xx
// (401/403, decided from the headers); a township role never reads or
// changes another township's record (403/404); without a session every
// protected route is 401. The live-updates stream is included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, ROLES, BIN } from './lib.mjs';

const T = ['grid', 'staff', 'contact', 'office', 'leader']; // scoped to a township (or a unit in it)
let h, tok, routes, ids;

before(async () => {
  h = await startServer();
  routes = JSON.parse(execFileSync(BIN, ['routes', '--json']).toString());
  tok = await h.tokens();
  const me = (await h.api('GET', '/api/v1/me', { token: tok.staff })).body;
  const q = (s) => Number(h.sql(s)) || 0;
  const near = q("SELECT id FROM regions WHERE code = '331102101'");
  // township-scoped records: own (the staff member's township and unit) and other
  ids = {
    problems: [q(`SELECT MIN(id) FROM problems WHERE township_id = ${me.township_id} AND unit_id = ${me.unit_id}`), q(`SELECT MIN(id) FROM problems WHERE township_id = ${near}`)],
    units: [me.unit_id, q(`SELECT MIN(id) FROM units WHERE township_id = ${near}`)],
    people: [q(`SELECT MIN(id) FROM people WHERE unit_id = ${me.unit_id}`), q(`SELECT MIN(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.township_id = ${near}`)],
    regions: [me.township_id, near],
    'grid/cells': [q(`SELECT MIN(id) FROM grid_cells WHERE township_id = ${me.township_id}`), q(`SELECT MIN(id) FROM grid_cells WHERE township_id = ${near}`)],
    'joint-actions': [q(`SELECT MIN(id) FROM joint_actions WHERE township_id = ${me.township_id}`), q(`SELECT MIN(id) FROM joint_actions WHERE township_id = ${near}`)],
    users: [q("SELECT id FROM users WHERE username = 'grid'"), q("SELECT id FROM users WHERE username = 'office2'")],
    evidence: [q(`SELECT MIN(e.id) FROM evidence e JOIN problems p ON p.id = e.problem_id WHERE p.township_id = ${me.township_id}`), q(`SELECT MIN(e.id) FROM evidence e JOIN problems p ON p.id = e.problem_id WHERE p.township_id = ${near}`)],
  };
});
after(async () => { await h.close(); });

// kindOf: the resource a pattern's first {id} names, when it is township-scoped.
function kindOf(pattern) {
  const m = /^\/api\/v1\/([a-z-]+(?:\/cells)?)\/\{id\}/.exec(pattern);
  return m && ids[m[1]] ? m[1] : null;
}

// pathFor: the route's pattern with ids of the given place filled in.
function pathFor(rt, place) {
  const kind = kindOf(rt.pattern);
  let first = true;
  return rt.pattern.replace(/\{([a-z]+)\}/g, (_, name) => {
    if (name === 'role') return 'leader';
    if (name === 'date') return '2026-12-30';
    if (first) { first = false; if (kind) return String(ids[kind][place === 'own' ? 0 : 1] || 999999); }
    return '1';
  });
}

const skip = (rt) => !rt.perm || /^\/api\/v1\/(test|auth)\//.test(rt.pattern) || rt.pattern === '/api/v1/me/password' ||
  (rt.method === 'DELETE' && rt.pattern === '/api/v1/sessions/{id}');

async function call(rt, path, token) {
  const unsafe = !['GET', 'HEAD'].includes(rt.method);
  if (rt.pattern === '/api/v1/events') { // a stream: the status is all we need
    const ctrl = new AbortController();
    const res = await fetch(h.url + path, { headers: token ? { Authorization: 'Bearer ' + token } : {}, signal: ctrl.signal });
    ctrl.abort();
    return res.status;
  }
  return (await h.api(rt.method, path, { token, body: unsafe ? {} : undefined })).status;
}

test('the route table lists every route with its permission and roles', () => {
  assert.ok(routes.length >= 100, `${routes.length} routes`);
  for (const rt of routes) if (rt.perm) assert.ok(rt.roles.length > 0, `${rt.method} ${rt.pattern}: no role holds ${rt.perm}`);
  assert.ok(routes.some((r) => r.pattern === '/api/v1/events'), 'the live-updates stream is a route');
});

test('without a session every protected route is 401', async () => {
  const wrong = [];
  for (const rt of routes) {
    if (skip(rt)) continue;
    const s = await call(rt, pathFor(rt, 'own'), null);
    if (s !== 401) wrong.push(`${rt.method} ${rt.pattern}: ${s}`);
  }
  assert.deepEqual(wrong, []);
});

test('role × route × place: never 2xx where the grants say no; another township is 403/404', async () => {
  const wrong = [];
  let checked = 0;
  for (const rt of routes) {
    if (skip(rt)) continue;
    const unsafe = !['GET', 'HEAD'].includes(rt.method);
    const kind = kindOf(rt.pattern);
    for (const role of ROLES) {
      const holds = rt.roles.includes(role);
      for (const place of ['own', 'other']) {
        // a role that holds the permission is not sent writes on its own records (side effects)
        if (holds && place === 'own') continue;
        if (holds && !(kind && T.includes(role))) continue;
        if (place === 'other' && !kind) continue;
        const s = await call(rt, pathFor(rt, place), tok[role]);
        checked++;
        if (!holds && ![401, 403].includes(s)) wrong.push(`${rt.method} ${pathFor(rt, place)} as ${role} (no ${rt.perm}): ${s}`);
        else if (holds && s >= 200 && s < 300) wrong.push(`${rt.method} ${pathFor(rt, place)} as ${role} [another township]: ${s}`);
        else if (holds && unsafe && ![400, 403, 404, 409, 422].includes(s)) wrong.push(`${rt.method} ${pathFor(rt, place)} as ${role} [another township]: ${s}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= 700, `checked ${checked} combinations`);
});
