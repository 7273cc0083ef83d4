// cli.test.mjs — the xiezhi command: backup and restore in one command each
// (and unable to hurt), user management from the shell, check on a healthy
// database, options before or after the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoDb, freshDb, cli, sqlOn, BIN, ENGINE, startServer, LATEST, LATEST3 } from './lib.mjs';

test('backup, change, restore: the database is as it was at the backup', () => {
  const d = demoDb();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'xz-bak-')), 'backup.dump');
    assert.match(cli(d.url, ['backup', file]), /backup written/);
    const before = sqlOn(d.url, 'SELECT COUNT(*) FROM people');
    sqlOn(d.url, "UPDATE people SET name = '被改动' WHERE id = 1");
    cli(d.url, ['user', 'disable', 'grid']);
    assert.match(cli(d.url, ['restore', '--force', file]), /restored/);
    assert.equal(sqlOn(d.url, 'SELECT COUNT(*) FROM people'), before);
    assert.notEqual(sqlOn(d.url, 'SELECT name FROM people WHERE id = 1'), '被改动');
    assert.equal(sqlOn(d.url, "SELECT disabled FROM users WHERE username = 'grid'"), '0');
    assert.match(cli(d.url, ['check']), /audit chain: ok/);
  } finally { d.drop(); }
});

test('user add, passwd, disable, list from the shell; the policy applies', () => {
  const d = demoDb();
  try {
    const county = sqlOn(d.url, "SELECT id FROM regions WHERE level = 'county'");
    assert.match(cli(d.url, ['user', 'add', 'newclerk', county, 'office'], { env: { ...process.env, XZ_PASSWORD: 'Clerk-Password-2026' } }), /created user newclerk/);
    assert.throws(() => cli(d.url, ['user', 'passwd', 'newclerk'], { env: { ...process.env, XZ_PASSWORD: 'short' } }));
    cli(d.url, ['user', 'passwd', 'newclerk'], { env: { ...process.env, XZ_PASSWORD: 'Another-Password-77' } });
    cli(d.url, ['user', 'disable', 'newclerk']);
    assert.match(cli(d.url, ['user', 'list']), /newclerk.*DISABLED.*office/);
  } finally { d.drop(); }
});

// --- options anywhere; an unknown or misplaced option is a usage error (issue 9) ---

const run = (args, opts = {}) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 120000, ...opts });

test('an unknown option, before or after the command, is a usage error (2) and nothing starts', () => {
  for (const args of [['serve', '--listen', '127.0.0.1:9999', '--bogus'], ['--bogus', 'serve'], ['migrate', '-x'], ['serve', '--listen']]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')} → ${r.status} ${r.stderr}`);
    assert.match(r.stderr, /^usage: xiezhi/m);
    assert.doesNotMatch(r.stderr, /serving on/);
  }
  assert.match(run(['serve', '--listen', '127.0.0.1:9999', '--bogus']).stderr, /unknown option --bogus/);
  assert.match(run(['serve', '--listen']).stderr, /--listen needs a value/);
});

test('an option the command does not take is a usage error (2)', () => {
  for (const args of [['migrate', '--force'], ['check', '--listen', '127.0.0.1:1'], ['backup', 'x.db', '--test-mode'], ['routes', '--db', 'x.db']]) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /does not apply to/);
  }
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['backup']).status, 2, 'a missing argument');
  assert.equal(run(['check', 'extra']).status, 2, 'an extra argument');
});

test('options after the command work as before it', () => {
  const d = freshDb();
  try {
    const r = run(['demo', '--db', d.url]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(run(['migrate', `--db=${d.url}`]).stdout, new RegExp(`up to date \\(schema ${LATEST3}\\)`));
    assert.match(run(['--log-level', 'error', 'check', '--db', d.url]).stdout, /audit chain: ok/);
  } finally { d.drop(); }
});

// --- backup and restore that cannot hurt (issue 18) ---

test('restore refuses a database holding data without --force, and changes nothing', () => {
  const d = demoDb(), e = demoDb();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'xz-bak-')), 'backup.dump');
    cli(d.url, ['backup', file]);
    sqlOn(e.url, "UPDATE people SET name = '留下' WHERE id = 1");
    const r = run(['--db', e.url, 'restore', file]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /holds data.*--force/);
    assert.equal(sqlOn(e.url, 'SELECT name FROM people WHERE id = 1'), '留下');
    assert.match(cli(e.url, ['restore', file, '--force']), /restored/);
    assert.notEqual(sqlOn(e.url, 'SELECT name FROM people WHERE id = 1'), '留下');
  } finally { d.drop(); e.drop(); }
});

test('restore refuses while a server uses the database, even with --force', async () => {
  const h = await startServer();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'xz-bak-')), 'backup.dump');
    cli(h.db.url, ['backup', file]);
    const r = run(['--db', h.db.url, 'restore', '--force', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a server is using/);
    assert.equal((await h.api('GET', '/api/v1/health')).status, 200);
  } finally { await h.close(); }
});

test('backups are 0600, written whole or not at all: a failed backup leaves the previous one intact', () => {
  const d = demoDb();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'xz-bak-'));
    const file = join(dir, 'backup.dump');
    cli(d.url, ['backup', file]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    if (ENGINE === 'sqlite') assert.equal(statSync(d.url).mode & 0o077, 0, 'the database is not readable by others');
    const before = readFileSync(file);
    const broken = ENGINE === 'pg' ? d.url.replace(/\/[^/]*$/, '/no_such_database_xz') : join(dir, 'missing', 'none.db');
    const r = run(['--db', broken, 'backup', file]);
    assert.equal(r.status, 1);
    assert.ok(readFileSync(file).equals(before), 'the previous backup is untouched');
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), [], 'no temporary file left');
  } finally { d.drop(); }
});

test('one backup holds the database and the evidence; restore brings both; check verifies evidence hashes', () => {
  const d = demoDb(), e = freshDb();
  try {
    const ev = mkdtempSync(join(tmpdir(), 'xz-ev-'));
    const content = Buffer.from('%PDF-1.4 evidence ' + Date.now());
    const hex = createHash('sha256').update(content).digest('hex');
    mkdirSync(join(ev, hex.slice(0, 2), hex.slice(2, 4)), { recursive: true });
    writeFileSync(join(ev, hex.slice(0, 2), hex.slice(2, 4), hex), content);
    const pid = sqlOn(d.url, 'SELECT MIN(id) FROM problems');
    sqlOn(d.url, `INSERT INTO evidence (problem_id, sha256, mime, size, step, created_at) VALUES (${pid}, '${hex}', 'application/pdf', ${content.length}, 'reported', 1)`);
    assert.match(cli(d.url, ['--evidence', ev, 'check']), /evidence: ok \(1 files/);
    const file = join(mkdtempSync(join(tmpdir(), 'xz-bak-')), 'backup.dump');
    assert.match(cli(d.url, ['backup', file, '--evidence', ev]), /evidence: 1 new files/);
    assert.ok(existsSync(join(`${file}.evidence`, hex.slice(0, 2), hex.slice(2, 4), hex)));
    // a second server (or a rebuilt one) with an empty evidence directory
    const ev2 = mkdtempSync(join(tmpdir(), 'xz-ev2-'));
    assert.match(cli(e.url, ['restore', file, '--evidence', ev2]), /1 files added/);
    assert.match(cli(e.url, ['check', '--evidence', ev2]), /evidence: ok \(1 files/);
    // damage and loss are faults
    writeFileSync(join(ev2, hex.slice(0, 2), hex.slice(2, 4), hex), 'tampered');
    let r = run(['--db', e.url, '--evidence', ev2, 'check']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /DAMAGED/);
    r = run(['--db', e.url, '--evidence', mkdtempSync(join(tmpdir(), 'xz-ev3-')), 'check']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /MISSING/);
  } finally { d.drop(); e.drop(); }
});
