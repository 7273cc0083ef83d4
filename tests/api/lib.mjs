// lib.mjs — the harness for the HTTP API tests (node:test + fetch).
//
// startServer() makes a fresh database on the engine named by XZ_ENGINE
// ("sqlite", the default, or "pg", using XZ_PG_URL), loads the demo county,
// starts the server binary XZ_BIN (default build/xiezhi) in test mode on a
// free port and answers a handle: { url, api(), login(), stop(), sql(),
// cli() }. Every test file starts its own server, so files run in parallel.
// Under scripts/test.sh the demo county is made once per suite
// (tests/api/template.mjs) and each file gets a clone of it.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = resolve(ROOT, process.env.XZ_BIN || 'build/xiezhi');
export const ENGINE = process.env.XZ_ENGINE || 'sqlite';
export const PASSWORD = 'Xiezhi-demo-2026';
// LATEST: the newest migration this tree ships (the binary's schema version).
export const LATEST = Math.max(...[ROOT + '/migrations', ROOT + '/migrations/sqlite'].flatMap((d) => readdirSync(d)).filter((f) => /^\d{3}_.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 3))));
export const LATEST3 = String(LATEST).padStart(3, '0');
export const ROLES = ['admin', 'office', 'leader', 'contact', 'staff', 'grid', 'dept', 'secadmin', 'auditor'];

export async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

let dbCounter = 0;
export function freshDb(prefix = 'xz_t') {
  if (ENGINE === 'pg') {
    const base = process.env.XZ_PG_URL;
    if (!base) throw new Error('XZ_PG_URL is not set (scripts/pg.sh start)');
    const name = `${prefix}_${process.pid}_${Date.now()}_${dbCounter++}`;
    execFileSync('psql', [base, '-qAtc', `CREATE DATABASE ${name}`]);
    const url = base.replace(/\/[^/]*$/, '/' + name);
    return { url, drop: () => { try { execFileSync('psql', [base, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]); } catch {} } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'xz-api-'));
  return { url: join(dir, 'test.db'), dir, drop: () => rmSync(dir, { recursive: true, force: true }) };
}

export function binSha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

// demoClone: a fresh database holding the demo county, cloned from the
// template XZ_DEMO_TEMPLATE names when that was made on this engine by this
// very binary (tests/api/template.mjs); null when there is none to use.
let template;
function demoClone() {
  if (template === undefined) {
    template = null;
    try {
      const t = JSON.parse(readFileSync(process.env.XZ_DEMO_TEMPLATE || '', 'utf8'));
      if (t.engine === ENGINE && t.bin === BIN && t.sha256 === binSha256(BIN)) template = t;
    } catch {}
  }
  if (!template) return null;
  if (ENGINE === 'pg') {
    const base = process.env.XZ_PG_URL;
    const name = `xz_t_${process.pid}_${Date.now()}_${dbCounter++}`;
    execFileSync('psql', [base, '-qAtc', `CREATE DATABASE ${name} TEMPLATE ${template.url.replace(/^.*\//, '')}`]);
    const url = base.replace(/\/[^/]*$/, '/' + name);
    return { url, drop: () => { try { execFileSync('psql', [base, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]); } catch {} } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'xz-api-'));
  copyFileSync(template.url, join(dir, 'test.db'));
  return { url: join(dir, 'test.db'), dir, drop: () => rmSync(dir, { recursive: true, force: true }) };
}

// demoDb: a fresh database holding the demo county (a clone of the run's
// template, or `xiezhi demo` on a fresh one), for tests that start their
// own server or run commands on it.
export function demoDb() {
  const clone = demoClone();
  if (clone) return clone;
  const d = freshDb();
  cli(d.url, ['demo']);
  return d;
}

// sql: run SQL directly against the database (bypassing the server), for
// tests that must tamper with storage or prepare rare states.
export function sqlOn(url, text) {
  if (url.startsWith('postgres')) return execFileSync('psql', [url, '-qAtc', text]).toString().trim();
  // the server may hold the write lock a moment (a group commit, the text
  // index's batch): wait for it as the server's own connections do
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', url, text]).toString().trim();
}

export function cli(url, args, opts = {}) {
  return execFileSync(BIN, ['--db', url, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts }).toString();
}

export async function startServer({ demo = true, db = null, extraArgs = [] } = {}) {
  const clone = !db && demo ? demoClone() : null;
  const d = clone || db || freshDb();
  if (demo && !clone) cli(d.url, ['demo']);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const evidence = mkdtempSync(join(tmpdir(), 'xz-evidence-'));
  const proc = spawn(BIN, ['--db', d.url, '--listen', `127.0.0.1:${port}`, '--test-mode', '--evidence', evidence, ...extraArgs, 'serve'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' } });
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  for (let i = 0; i < 200; i++) {
    try { const r = await fetch(url + '/api/v1/health'); if (r.ok) break; } catch {}
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('server exited: ' + stderr);
    await new Promise((r) => setTimeout(r, 50));
  }
  const h = {
    url, db: d, proc, evidence,
    get stderr() { return stderr; },
    sql: (text) => sqlOn(d.url, text),
    cli: (args, opts) => cli(d.url, args, opts),
    async api(method, path, { token, body, headers = {}, raw = false } = {}) {
      const hd = { ...headers };
      if (token) hd.Authorization = 'Bearer ' + token;
      let payload;
      if (body !== undefined) {
        payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
        if (!hd['Content-Type']) hd['Content-Type'] = 'application/json';
      }
      const res = await fetch(url + path, { method, headers: hd, body: payload });
      if (raw) return res;
      const text = await res.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch { json = text; }
      return { status: res.status, body: json, headers: res.headers };
    },
    async login(username, password = PASSWORD) {
      const r = await h.api('POST', '/api/v1/auth/login', { body: { username, password } });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
    async tokens(names = ROLES) {
      const out = {};
      for (const n of names) out[n] = await h.login(n);
      return out;
    },
    async setClock(iso) {
      const r = await h.api('POST', '/api/v1/test/clock', { body: iso ? { now: iso } : {} });
      if (r.status !== 200) throw new Error('clock: ' + JSON.stringify(r.body));
    },
    // stop: a server killed by a signal has exitCode null and signalCode
    // set, and its 'exit' has already fired: waiting for it again would
    // leave a promise nothing settles, which node reports as a cancelled
    // test rather than the death it was (CI saw one, 2026-12-02)
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill(signal);
        const slow = setTimeout(() => proc.kill('SIGKILL'), 60000);
        await done;
        clearTimeout(slow);
      }
    },
    // close: stop the server and, under a sanitizer build, fail on anything
    // it reported (leaks are reported at exit, after SIGTERM's clean stop)
    async close() {
      const died = proc.exitCode === null ? proc.signalCode : null;
      await h.stop();
      if (died) throw new Error(`the server died of ${died} before the test closed it:\n${stderr.slice(-4000)}`);
      d.drop();
      const m = stderr.match(/(ERROR: (LeakSanitizer|AddressSanitizer)[^\n]*|runtime error:[^\n]*)/);
      if (m) throw new Error(`sanitizer: ${m[0]}\n${stderr.slice(stderr.indexOf(m[0]), stderr.indexOf(m[0]) + 4000)}`);
    },
  };
  return h;
}

// expectError: assert the one error shape with a given status and code.
export function expectError(assert, r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(r.body && r.body.error, 'error object present');
  if (code) assert.equal(r.body.error.code, code);
  assert.ok(r.body.error.message && r.body.error.message_en, 'messages in Chinese and English');
}

// walkPages: every page of a keyset-paged list (path without limit or
// cursor), limit items at a time, following "next" — the last item's id as
// text when the page is full, null otherwise (checked on each page). Answers
// the items of all pages in order.
export async function walkPages(assert, h, path, token, limit) {
  const items = [];
  const sep = path.includes('?') ? '&' : '?';
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const r = await h.api('GET', `${path}${sep}limit=${limit}${cursor ? '&cursor=' + cursor : ''}`, { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    items.push(...r.body.items);
    const full = r.body.items.length === limit;
    assert.equal(r.body.next, full ? String(r.body.items.at(-1).id) : null, `${path}: page ${page}'s next`);
    if (!r.body.next) return items;
    cursor = r.body.next;
  }
  throw new Error(`${path}: more than 1000 pages`);
}
