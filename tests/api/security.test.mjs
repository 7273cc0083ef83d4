// security.test.mjs — issue 16's findings as an attacker would try them:
// resource limits before work, evidence served safely, parser messages,
// input edges (ids, coordinates, idempotency keys, LIKE patterns).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer, expectError } from './lib.mjs';

let h, tok;
before(async () => {
  h = await startServer();
  tok = await h.tokens(['office', 'grid', 'admin', 'secadmin', 'auditor', 'staff']);
});
after(async () => { await h.close(); });

// rawRequest: send only the head of a request (no body) and wait for the
// answer: a server that reads the body first would never answer.
function rawRequest(head, timeoutMs = 5000) {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1');
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error('no answer before the body was sent: ' + buf)); }, timeoutMs);
    s.on('connect', () => s.write(head));
    s.on('data', (c) => {
      buf += c.toString('latin1');
      if (/\r\n\r\n/.test(buf)) { clearTimeout(t); s.destroy(); resolve(buf); }
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${h.proc.pid}/status`, 'utf8'))[1]);

test('finding 4: an unauthenticated 50 MB upload is refused from its headers, unread', async () => {
  const pid = h.sql('SELECT MIN(id) FROM problems');
  for (const path of [`/api/v1/problems/${pid}/evidence`, '/api/v1/people', '/api/v1/grid/import']) {
    const ans = await rawRequest(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 52428800\r\n\r\n`);
    assert.match(ans, /^HTTP\/1\.1 (401|413)/, `${path}: ${ans.slice(0, 40)}`);
  }
  // an account without the route's permission is refused the same way
  const ans = await rawRequest(`POST /api/v1/problems/${pid}/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok.auditor}\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 52428800\r\n\r\n`);
  assert.match(ans, /^HTTP\/1\.1 403/);
});

test('finding 4: unauthenticated uploads do not grow the server', async () => {
  const pid = h.sql('SELECT MIN(id) FROM problems');
  const before = rssKiB();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKiB()); }, 5);
  const chunk = Buffer.alloc(1 << 20, 0x41);
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => {
      const { port } = new URL(h.url);
      const s = net.connect(Number(port), '127.0.0.1', () => {
        s.write(`POST /api/v1/problems/${pid}/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: ${60 << 20}\r\n\r\n`);
        let sent = 0;
        const pump = () => { while (sent < 60 && s.writable) { sent++; if (!s.write(chunk)) return s.once('drain', pump); } s.end(); };
        pump();
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
  }
  clearInterval(sampler);
  const grown = peak - before;
  assert.ok(grown < 20 * 1024, `server peak grew by ${grown} KiB`);
});

function multipart(bytes, name = 'e.bin', step) {
  const b = '----xzboundary';
  const parts = [];
  if (step) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="step"\r\n\r\n${step}\r\n`));
  parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
  parts.push(Buffer.from(bytes));
  parts.push(Buffer.from(`\r\n--${b}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(parts)), headers: { 'Content-Type': `multipart/form-data; boundary=${b}` } };
}

function ownProblem() {
  const me = h.sql("SELECT township_id FROM users WHERE username = 'office'");
  return Number(h.sql(`SELECT id FROM problems WHERE township_id = ${me} ORDER BY id LIMIT 1`));
}

test('finding 4: a large evidence upload (spooled to disk) is received intact', async () => {
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008020000009091683600000000', 'hex'), Buffer.alloc(3 << 20, 7)]);
  const id = ownProblem();
  const mp = multipart(png, 'big.png');
  const r = await h.api('POST', `/api/v1/problems/${id}/evidence`, { token: tok.office, ...mp });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.size, png.length);
  const g = await h.api('GET', `/api/v1/evidence/${r.body.id}`, { token: tok.office, raw: true });
  assert.equal(g.status, 200);
  assert.equal(Buffer.from(await g.arrayBuffer()).compare(png), 0);
});

test('finding 12: evidence has one Cache-Control and a PDF is an attachment', async () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
  const r = await h.api('POST', `/api/v1/problems/${ownProblem()}/evidence`, { token: tok.office, ...multipart(pdf, 'x.pdf') });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const g = await h.api('GET', `/api/v1/evidence/${r.body.id}`, { token: tok.office, raw: true });
  assert.equal(g.status, 200);
  assert.equal(g.headers.get('cache-control'), 'private, max-age=86400', 'exactly one Cache-Control');
  assert.match(g.headers.get('content-disposition') || '', /^attachment/);
  await g.arrayBuffer();
});

test('finding 10: error messages are our own words, never a parser\'s', async () => {
  const cases = [
    ['POST', '/api/v1/auth/login', { username: 'office' }],
    ['POST', '/api/v1/auth/login', { username: 'office', password: 'x', extra: 1, more: 2 }],
    ['POST', '/api/v1/auth/login', '{"username":"a\\u0000b","password":"c"}'],
    ['POST', '/api/v1/auth/login', '{"username":'],
    ['POST', '/api/v1/auth/login', { username: 5, password: 'x' }],
  ];
  for (const [m, p, body] of cases) {
    const r = await h.api(m, p, { body });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    const { message, message_en } = r.body.error;
    for (const text of [message, message_en])
      assert.doesNotMatch(text, /Object item|unpacked|JSON_ALLOW_NUL|is not allowed|expected|near '|Expected|wrong arguments|NULL|object item/i, text);
  }
  const miss = await h.api('POST', '/api/v1/auth/login', { body: { username: 'office' } });
  assert.equal(miss.body.error.field, 'password');
  assert.match(miss.body.error.message_en, /password/);
  const extra = await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: 'x', extra: 1 } });
  assert.equal(extra.body.error.field, 'extra');
});

test('finding 13: ids are digits only: /problems/+306 and /problems/0306 are 404', async () => {
  const id = ownProblem();
  assert.equal((await h.api('GET', `/api/v1/problems/${id}`, { token: tok.office })).status, 200);
  for (const alt of [`+${id}`, `0${id}`, ` ${id}`, `${id}%20`, `-${id}`])
    expectError(assert, await h.api('GET', `/api/v1/problems/${alt}`, { token: tok.office }), 404, 'not_found');
});

test('finding 13: an Idempotency-Key with control characters is 400; reused with another body 422', async () => {
  const body = { name: '幂等测试', phone: '13900000001' };
  const bad = await h.api('POST', '/api/v1/people', { token: tok.office, body, headers: { 'Idempotency-Key': 'abc\tdefgh12' } });
  expectError(assert, bad, 400, 'invalid_idempotency_key');
  const k = 'key-' + Date.now();
  const a = await h.api('POST', '/api/v1/people', { token: tok.office, body, headers: { 'Idempotency-Key': k } });
  assert.equal(a.status, 201);
  const again = await h.api('POST', '/api/v1/people', { token: tok.office, body, headers: { 'Idempotency-Key': k } });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, a.body.id);
  const other = await h.api('POST', '/api/v1/people', { token: tok.office, body: { ...body, name: '另一个人' }, headers: { 'Idempotency-Key': k } });
  expectError(assert, other, 422, 'idempotency_key_reused');
});

// openStream: an SSE stream for a token; collect() gathers what arrived.
async function openStream(token) {
  const ctrl = new AbortController();
  const res = await fetch(`${h.url}/api/v1/events`, { headers: { Authorization: 'Bearer ' + token }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const s = { text: '', ctrl };
  (async () => { try { for (;;) { const { value, done } = await reader.read(); if (done) break; s.text += new TextDecoder().decode(value); } } catch {} })();
  return s;
}

test('finding 8: problem events reach only those who may read the problem', async () => {
  const more = await h.tokens(['leader', 'contact', 'dept', 'office2']);
  const all = { ...tok, ...more };
  const streams = {};
  for (const [role, t] of Object.entries(all)) streams[role] = await openStream(t);
  await new Promise((r) => setTimeout(r, 300));
  const p = await h.api('POST', '/api/v1/problems', { token: tok.grid, body: { channel: 'patrol', category: 'CS01', description: '推送范围测试', lon: 119.845, lat: 28.405 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !streams.office.text.includes(`"id":${p.body.id}`)) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const got = [], wrong = [];
  for (const [role, t] of Object.entries(all)) {
    const heard = new RegExp(`event: problem\\ndata: \\{"id":${p.body.id}\\b`).test(streams[role].text);
    const reads = (await h.api('GET', `/api/v1/problems/${p.body.id}`, { token: t })).status === 200;
    if (heard) got.push(role);
    if (heard && !reads) wrong.push(`${role} heard of a problem it cannot read`);
    streams[role].ctrl.abort();
  }
  assert.deepEqual(wrong, []);
  assert.ok(got.includes('office'), `the township office hears of it (${got})`);
  for (const role of ['admin', 'secadmin', 'auditor', 'office2']) assert.ok(!got.includes(role), role);
});

test('finding 9: the security administrator does not read people or units', async () => {
  for (const path of ['/api/v1/people', '/api/v1/units', `/api/v1/people/${h.sql('SELECT MIN(id) FROM people')}`, `/api/v1/units/${h.sql('SELECT MIN(id) FROM units')}`])
    assert.ok([403, 404].includes((await h.api('GET', path, { token: tok.secadmin })).status), path);
  assert.equal((await h.api('GET', '/api/v1/users', { token: tok.secadmin })).status, 200, 'accounts stay the security administrator\'s to see');
});

test('finding 13: a report at lon −1, lat −1 or with a patrol that does not exist is refused', async () => {
  const base = { channel: 'patrol', category: 'CS01', description: '越界测试', lon: 119.845, lat: 28.405 };
  const before = h.sql('SELECT COUNT(*) FROM problems');
  expectError(assert, await h.api('POST', '/api/v1/problems', { token: tok.grid, body: { ...base, lon: -1, lat: -1 } }), 400, 'invalid_position');
  expectError(assert, await h.api('POST', '/api/v1/problems', { token: tok.grid, body: { ...base, patrol_id: 999999 } }), 422, 'invalid_reference');
  assert.equal(h.sql('SELECT COUNT(*) FROM problems'), before, 'nothing was recorded');
});

test('finding 13: q=% and q=_ are searched for, not wildcards', async () => {
  const all = (await h.api('GET', '/api/v1/problems?limit=500', { token: tok.office })).body.items.length;
  assert.ok(all > 0);
  for (const q of ['%', '_', '\\']) {
    const r = await h.api('GET', `/api/v1/problems?limit=500&q=${encodeURIComponent(q)}`, { token: tok.office });
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 0, `q=${q} matched ${r.body.items.length}`);
    const p = await h.api('GET', `/api/v1/powers?q=${encodeURIComponent(q)}`, { token: tok.office });
    assert.equal(p.status, 200);
    assert.equal(p.body.items.length, 0, `powers q=${q}`);
  }
  const word = (await h.api('GET', '/api/v1/problems?limit=1', { token: tok.office })).body.items[0].description.slice(0, 3);
  assert.ok((await h.api('GET', `/api/v1/problems?limit=500&q=${encodeURIComponent(word)}`, { token: tok.office })).body.items.length > 0, 'an ordinary search still finds');
});
