// ops.test.mjs — what a county IT team relies on (issue 18): health that
// tells the truth, metrics, request logs, stopping with a live stream open,
// signals, clear start-up failures, the proxy's real client, the login limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, demoDb, freshDb, cli, freePort, BIN, ENGINE, PASSWORD, LATEST, LATEST3 } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// a process that has already exited resolves at once (its 'exit' event is gone)
const exited = (proc) => new Promise((r) => {
  if (proc.exitCode !== null || proc.signalCode !== null) r({ code: proc.exitCode, sig: proc.signalCode });
  else proc.once('exit', (code, sig) => r({ code, sig }));
});

test('health names the schema version and the scheduler; 503 and the reason logged when passes keep failing', async () => {
  const h = await startServer();
  try {
    let r = await h.api('GET', '/api/v1/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.schema_version, LATEST);
    assert.equal(r.body.scheduler.ok, true);
    assert.ok('last_ok' in r.body.scheduler);
    assert.equal((await h.api('POST', '/api/v1/test/tick')).status, 200);
    r = await h.api('GET', '/api/v1/health');
    assert.match(r.body.scheduler.last_ok, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.ok(r.body.scheduler.age_s >= 0 && r.body.scheduler.age_s < 60, 'the last pass is recent');
    // the column an early release lacked: every pass now fails
    h.sql('ALTER TABLE problems DROP COLUMN supervise_alerted');
    assert.equal((await h.api('POST', '/api/v1/test/tick')).status, 500);
    assert.equal((await h.api('POST', '/api/v1/test/tick')).status, 500);
    r = await h.api('GET', '/api/v1/health');
    assert.equal(r.status, 503);
    assert.equal(r.body.scheduler.ok, false);
    assert.match(r.body.scheduler.error, /supervise_alerted/);
    const line = h.stderr.split('\n').find((l) => l.includes('scheduler: pass failed'));
    assert.ok(line, 'a log line for the failed pass');
    assert.match(line, /supervise_alerted/, `the reason is in the log: ${line}`);
    assert.doesNotMatch(line, /not an error|failed: $/);
    assert.match(h.stderr, /ERROR request method=POST route=\/api\/v1\/test\/tick status=500 .*db="[^"]*supervise_alerted/);
  } finally { await h.close(); }
});

test('a statement PostgreSQL cannot prepare inside a transaction fails with its own reason, not "transaction is aborted"', async () => {
  const h = await startServer();
  try {
    // no pass has run: the tick's statements are prepared for the first time inside its transaction
    h.sql('ALTER TABLE problems DROP COLUMN supervise_alerted');
    assert.equal((await h.api('POST', '/api/v1/test/tick')).status, 500);
    const r = await h.api('GET', '/api/v1/health');
    assert.ok(r.body.scheduler.failures >= 1);
    assert.match(r.body.scheduler.error, /supervise_alerted/);
    assert.doesNotMatch(r.body.scheduler.error, /transaction is aborted/);
  } finally { await h.close(); }
});

test('health answers 503 naming the migration when the schema is not the binary\'s; the server then refuses to start', async () => {
  const h = await startServer();
  try {
    h.sql("UPDATE schema_migrations SET checksum = 'f00d' WHERE version = 2");
    const r = await h.api('GET', '/api/v1/health');
    assert.equal(r.status, 503);
    assert.equal(r.body.schema_ok, false);
    assert.match(r.body.problems.join(' '), /002_grid_lists/);
    await h.stop();
    const serve = spawnSync(BIN, ['--db', h.db.url, '--listen', '127.0.0.1:1', 'serve'], { encoding: 'utf8' });
    assert.equal(serve.status, 1);
    assert.match(serve.stderr, /migration 002_grid_lists was applied from a different text/);
    assert.doesNotMatch(serve.stderr, /serving on/);
    const check = spawnSync(BIN, ['--db', h.db.url, 'check'], { encoding: 'utf8' });
    assert.equal(check.status, 1);
    assert.match(check.stdout, /schema: FAULT \(migration 002_grid_lists/);
    const mig = spawnSync(BIN, ['migrate', '--db', h.db.url], { encoding: 'utf8' });
    assert.equal(mig.status, 1);
    assert.match(mig.stderr, /002_grid_lists/);
  } finally { await h.close(); }
});

test('the calendar running out is reported from November on', async () => {
  const h = await startServer();
  try {
    await h.setClock('2026-11-20T09:00:00+08:00');
    let r = await h.api('GET', '/api/v1/health');
    assert.equal(r.status, 200, 'a missing calendar warns, it does not fail health');
    assert.deepEqual(r.body.calendar, { next_year: 2027, next_year_loaded: false, warning: true });
    await h.setClock('2026-06-01T09:00:00+08:00');
    r = await h.api('GET', '/api/v1/health');
    assert.equal(r.body.calendar.warning, false);
  } finally { await h.setClock(null); await h.close(); }
});

test('a deadline in a year whose holiday arrangement is not loaded is marked provisional', async () => {
  const h = await startServer();
  try {
    const token = await h.login('office');
    const list = await h.api('GET', '/api/v1/problems?limit=2', { token });
    const [a, b] = list.body.items.map((p) => p.id);
    h.sql(`UPDATE problems SET due_at = ${Date.parse('2027-03-01T09:00:00+08:00') / 1000} WHERE id = ${a}`);
    h.sql(`UPDATE problems SET due_at = ${Date.parse('2026-12-30T09:00:00+08:00') / 1000} WHERE id = ${b}`);
    assert.equal((await h.api('GET', `/api/v1/problems/${a}`, { token })).body.deadline_provisional, true);
    assert.equal((await h.api('GET', `/api/v1/problems/${b}`, { token })).body.deadline_provisional, false);
  } finally { await h.close(); }
});

test('/metrics: Prometheus text from loopback by route pattern; relayed or remote callers need an operator', async () => {
  const h = await startServer();
  try {
    const token = await h.login('office');
    await h.api('GET', '/api/v1/problems/999999', { token });
    const res = await fetch(h.url + '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /# TYPE xiezhi_http_requests_total counter/);
    assert.match(text, /xiezhi_http_requests_total\{method="GET",route="\/api\/v1\/problems\/\{id\}",status="404"\} 1/);
    assert.doesNotMatch(text, /999999/, 'the pattern, never the raw path');
    for (const m of ['xiezhi_http_request_duration_seconds_bucket', 'xiezhi_db_seconds_total', 'xiezhi_scheduler_passes_total',
      'xiezhi_scheduler_failures_total', 'xiezhi_sse_clients', 'xiezhi_outbound_queue', 'process_resident_memory_bytes', 'xiezhi_db_connections_busy'])
      assert.match(text, new RegExp('^' + m, 'm'), m);
    const relayed = await h.api('GET', '/metrics', { headers: { 'X-Forwarded-For': '198.51.100.9' } });
    assert.equal(relayed.status, 401);
    assert.equal((await h.api('GET', '/metrics', { token, headers: { 'X-Forwarded-For': '198.51.100.9' } })).status, 403);
    const admin = await h.api('GET', '/metrics', { token: await h.login('admin'), headers: { 'X-Forwarded-For': '198.51.100.9' } });
    assert.equal(admin.status, 200);
  } finally { await h.close(); }
});

test('one log line per request: route pattern, status, duration, user; never the token or the body', async () => {
  const h = await startServer();
  try {
    const token = await h.login('office');
    const uid = (await h.api('GET', '/api/v1/me', { token })).body.id;
    await h.api('GET', '/api/v1/problems/424242', { token });
    await sleep(100);
    assert.match(h.stderr, new RegExp(`INFO request method=GET route=/api/v1/problems/\\{id\\} status=404 ms=[0-9.]+ user=${uid} source=127\\.0\\.0\\.1`));
    assert.match(h.stderr, /request method=POST route=\/api\/v1\/auth\/login status=200/);
    assert.ok(!h.stderr.includes(token), 'no token in the log');
    assert.ok(!h.stderr.includes(PASSWORD), 'no body in the log');
  } finally { await h.close(); }
});

test('--log-level warn drops the request lines; a bad level is a usage error', async () => {
  const h = await startServer({ extraArgs: ['--log-level', 'warn'] });
  try {
    await h.api('GET', '/api/v1/health');
    await sleep(50);
    assert.doesNotMatch(h.stderr, /INFO/);
  } finally { await h.close(); }
  const bad = spawnSync(BIN, ['--log-level', 'loud', 'routes'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} with a live-updates stream open: exit 0 within 5 seconds`, async () => {
    const h = await startServer();
    try {
      const token = await h.login('office');
      const res = await fetch(h.url + '/api/v1/events', { headers: { Authorization: 'Bearer ' + token } });
      assert.equal(res.status, 200);
      const reader = res.body.getReader();
      await reader.read(); // the stream is open and parked
      const t0 = Date.now();
      const done = exited(h.proc);
      h.proc.kill(signal);
      const { code } = await Promise.race([done, sleep(5000).then(() => ({ code: 'timeout' }))]);
      assert.equal(code, 0, h.stderr.slice(-2000));
      assert.ok(Date.now() - t0 < 5000);
      assert.doesNotMatch(h.stderr, /suspended connections/);
    } finally { await h.close(); }
  });
}

test('SIGHUP is logged and the server keeps serving', async () => {
  const h = await startServer();
  try {
    h.proc.kill('SIGHUP');
    await sleep(200);
    assert.equal(h.proc.exitCode, null);
    assert.equal((await h.api('GET', '/api/v1/health')).status, 200);
    assert.match(h.stderr, /SIGHUP/);
  } finally { await h.close(); }
});

test('a busy port: a clear message, no address announced, exit 1', async () => {
  const h = await startServer();
  try {
    const port = new URL(h.url).port;
    const r = spawnSync(BIN, ['--db', h.db.url, 'serve', '--listen', `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
    assert.doesNotMatch(r.stderr, /serving on|Failed to bind/);
  } finally { await h.close(); }
});

test('IPv6: --listen [::1]:PORT serves', async (t) => {
  const probe = spawnSync('sh', ['-c', 'cat /proc/net/if_inet6 2>/dev/null | grep -c 00000000000000000000000000000001'], { encoding: 'utf8' });
  if (!probe.stdout.trim() || probe.stdout.trim() === '0') return t.skip('no IPv6 loopback');
  const d = freshDb();
  cli(d.url, ['migrate']);
  const port = await freePort();
  const proc = spawn(BIN, ['--db', d.url, '--listen', `[::1]:${port}`, '--evidence', join(mkdtempSync(join(tmpdir(), 'xz-ev-')), 'e'), 'serve'], { stdio: 'ignore' });
  try {
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      try { ok = (await fetch(`http://[::1]:${port}/api/v1/health`)).ok; } catch { await sleep(50); }
    }
    assert.ok(ok, 'health over IPv6');
  } finally { const e = exited(proc); proc.kill('SIGTERM'); assert.equal((await e).code, 0); d.drop(); }
});

test('missing directory and unreachable database: clear messages, exit 1', () => {
  const dir = spawnSync(BIN, ['--db', '/etc/passwd/xiezhi/x.db', 'migrate'], { encoding: 'utf8' });
  assert.equal(dir.status, 1);
  assert.match(dir.stderr, /cannot create the directory of \/etc\/passwd\/xiezhi\/x\.db/);
  const pg = spawnSync(BIN, ['--db', 'postgresql://xz:secret@127.0.0.1:1/none', 'migrate'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(pg.status, 1);
  assert.match(pg.stderr, /cannot reach the database postgresql:\/\/xz:\*\*\*@127\.0\.0\.1:1\/none/);
  assert.doesNotMatch(pg.stderr, /secret/);
});

test('evidence lives beside a SQLite database unless told otherwise', async (t) => {
  if (ENGINE !== 'sqlite') return t.skip('SQLite layout');
  const dir = mkdtempSync(join(tmpdir(), 'xz-evdef-'));
  const db = join(dir, 'sub', 'x.db');
  cli(db, ['migrate']);
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'], cwd: tmpdir() });
  let err = '';
  proc.stderr.on('data', (c) => { err += c; });
  try {
    for (let i = 0; i < 100 && !err.includes('serving on'); i++) await sleep(50);
    assert.ok(existsSync(join(dir, 'sub', 'evidence')), err);
    assert.match(err, new RegExp(`evidence files in ${join(dir, 'sub', 'evidence')}`));
  } finally { const e = exited(proc); proc.kill('SIGTERM'); await e; }
});

test('behind a trusted proxy the real client is recorded; an untrusted X-Forwarded-For is ignored', async () => {
  const h = await startServer({ extraArgs: ['--trusted-proxies', '192.0.2.1,127.0.0.1'] });
  try {
    await h.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: PASSWORD }, headers: { 'X-Forwarded-For': '10.9.8.7, 203.0.113.5' } });
    assert.equal(h.sql("SELECT source FROM audit_log WHERE action = 'login' ORDER BY seq DESC LIMIT 1"), '203.0.113.5');
  } finally { await h.close(); }
  const plain = await startServer();
  try {
    await plain.api('POST', '/api/v1/auth/login', { body: { username: 'office', password: PASSWORD }, headers: { 'X-Forwarded-For': '203.0.113.5' } });
    assert.equal(plain.sql("SELECT source FROM audit_log WHERE action = 'login' ORDER BY seq DESC LIMIT 1"), '127.0.0.1');
  } finally { await plain.close(); }
});

test('the login limit counts failures, not successes', async () => {
  // without --test-mode the limit is 20 a minute per address
  const d = demoDb();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(BIN, ['--db', d.url, '--listen', `127.0.0.1:${port}`, '--evidence', mkdtempSync(join(tmpdir(), 'xz-ev-')), 'serve'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c) => { err += c; });
  const login = (username, password) => fetch(url + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) }).then((r) => r.status);
  try {
    let up = false;
    for (let i = 0; i < 400 && !up && proc.exitCode === null; i++) { try { up = (await fetch(url + '/api/v1/health')).ok; } catch {} if (!up) await sleep(50); }
    assert.ok(up, `the server did not come up: ${err.slice(-600)}`);
    for (let i = 0; i < 22; i++) assert.equal(await login('office', PASSWORD), 200, `successful login ${i + 1}`);
    // failures are counted per minute window: within one, the 21st attempt is refused (a window
    // that turns over while this slow loop runs starts the count again)
    let failures = 0, status;
    while ((status = await login('nobody-' + failures, 'wrong-password-x')) === 401 && failures < 45) failures++;
    assert.equal(status, 429, `refused after ${failures} failures`);
    assert.ok(failures >= 20, `not before 20 failures (${failures})`);
    assert.equal(await login('office', PASSWORD), 429, 'a correct password from that client waits too');
  } finally { const e = exited(proc); proc.kill('SIGTERM'); await e; d.drop(); }
});
