// ops_deploy.test.mjs — docs/deploy.md followed as written: the systemd
// unit's ExecStart line runs (paths swapped for temporary ones) and the
// unit passes systemd-analyze verify; the nginx site passes `nginx -t`
// when nginx is installed; the nightly backup line and the restore drill
// work. And `make run`'s script creates the demo on an empty database of
// either engine and says so (issue 18 items 8 and 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { ROOT, BIN, ENGINE, PASSWORD, freshDb, cli, sqlOn, startServer, LATEST, LATEST3 } from './lib.mjs';

const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
const blocks = (lang) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const unit = blocks('ini').find((b) => b.includes('ExecStart=/opt/xiezhi/bin/xiezhi serve'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exited = (proc) => new Promise((r) => proc.once('exit', (code) => r(code)));

async function freePort() {
  return new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}

// words: split an ExecStart line the way systemd does for plain words.
const words = (line) => line.replace(/^ExecStart=/, '').trim().split(/\s+/);

test('the unit\'s ExecStart line serves: health, Secure cookie, the proxy\'s client, SIGTERM exits 0', async () => {
  assert.ok(unit, 'deploy.md has the unit');
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  const dir = mkdtempSync(join(tmpdir(), 'xz-deploy-'));
  const d = ENGINE === 'pg' ? freshDb() : { url: join(dir, 'lib', 'xiezhi.db'), drop() {} };
  const port = await freePort();
  const argv = words(line.replaceAll('/opt/xiezhi/bin/xiezhi', BIN).replaceAll('/opt/xiezhi/web', join(ROOT, 'web/dist'))
    .replaceAll('/var/lib/xiezhi/xiezhi.db', d.url).replaceAll('/var/lib/xiezhi', join(dir, 'lib')).replace('127.0.0.1:8080', `127.0.0.1:${port}`));
  cli(d.url, ['demo']);
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c) => { err += c; });
  try {
    const url = `http://127.0.0.1:${port}`;
    let health;
    for (let i = 0; i < 200 && !health; i++) { try { health = await fetch(url + '/api/v1/health'); } catch { await sleep(50); } }
    assert.ok(health, err);
    assert.equal((await health.json()).schema_version, LATEST);
    const login = await fetch(url + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.44' }, body: JSON.stringify({ username: 'office', password: PASSWORD }) });
    assert.equal(login.status, 200);
    assert.match(login.headers.get('set-cookie'), /; Secure/);
    assert.equal(sqlOn(d.url, "SELECT source FROM audit_log WHERE action = 'login' ORDER BY seq DESC LIMIT 1"), '203.0.113.44');
    assert.match(err, /evidence files in .*\/lib\/evidence/);
  } finally {
    const e = exited(proc);
    proc.kill('SIGTERM');
    assert.equal(await e, 0, err);
    d.drop();
  }
});

test('the units pass systemd-analyze verify', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) return t.skip('no systemd-analyze');
  const dir = mkdtempSync(join(tmpdir(), 'xz-units-'));
  const names = ['xiezhi.service', 'xiezhi-backup.service', 'xiezhi-backup.timer'];
  const texts = [unit, blocks('ini').find((b) => b.includes('Description=Xiezhi nightly backup')), blocks('ini').find((b) => b.includes('[Timer]'))];
  texts.forEach((text, i) => writeFileSync(join(dir, names[i]), text.replaceAll('/opt/xiezhi/bin/xiezhi', BIN)));
  const r = spawnSync('systemd-analyze', ['verify', ...names.map((n) => join(dir, n))], { encoding: 'utf8' });
  // the xiezhi user exists only on the server; everything else must be clean
  const complaints = (r.stderr + r.stdout).split('\n').filter((l) => l.trim() && !/user.*xiezhi|xiezhi.*user/i.test(l));
  assert.deepEqual(complaints, []);
});

test('the nginx site passes nginx -t', (t) => {
  if (spawnSync('nginx', ['-v']).error) return t.skip('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'xz-nginx-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=xiezhi.test',
    '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem')], { stdio: 'ignore' });
  const site = blocks('nginx').find((b) => b.includes('server_name')).replaceAll('/etc/ssl/xiezhi', dir);
  const upstream = blocks('nginx').find((b) => b.includes('upstream xiezhi'));
  writeFileSync(join(dir, 'site.conf'), site + '\n' + upstream);
  writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`);
  const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /syntax is ok/);
});

test('the nightly backup line and the restore drill, as written', () => {
  const backup = blocks('ini').find((b) => b.includes('Description=Xiezhi nightly backup'));
  const line = backup.split('\n').find((l) => l.startsWith('ExecStart='));
  const dir = mkdtempSync(join(tmpdir(), 'xz-drill-'));
  const d = ENGINE === 'pg' ? freshDb() : { url: join(dir, 'lib', 'xiezhi.db'), drop() {} };
  const drill = ENGINE === 'pg' ? freshDb() : { url: join(dir, 'drill', 'xiezhi.db'), drop() {} };
  try {
    mkdirSync(join(dir, 'backups'));
    cli(d.url, ['demo']);
    const cmd = line.replace(/^ExecStart=\/bin\/sh -c '/, '').replace(/'$/, '').replaceAll('%%', '%')
      .replaceAll('/opt/xiezhi/bin/xiezhi', BIN).replaceAll('/var/lib/xiezhi/xiezhi.db', d.url)
      .replaceAll('/var/lib/xiezhi', join(dir, 'lib')).replaceAll('/var/backups/xiezhi', join(dir, 'backups'));
    const out = execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
    assert.match(out, /backup written to/);
    const day = execFileSync('date', ['+%a'], { encoding: 'utf8' }).trim();
    const drillLines = blocks('sh').find((b) => b.includes('xiezhi restore')).trim().split('\n');
    for (const l of drillLines) {
      const argv = words(l.replaceAll('/tmp/drill/xiezhi.db', drill.url).replaceAll('/tmp/drill', join(dir, 'drill'))
        .replaceAll('/var/backups/xiezhi', join(dir, 'backups')).replace('xiezhi-Mon.db', `xiezhi-${day}.db`));
      const r = spawnSync(BIN, argv.slice(1), { encoding: 'utf8' });
      assert.equal(r.status, 0, `${l}\n${r.stdout}${r.stderr}`);
      if (argv[1] === 'check') for (const m of ['database: ok', 'schema: ok', 'audit chain: ok', 'evidence: ok']) assert.match(r.stdout, new RegExp(m));
    }
  } finally { d.drop(); drill.drop(); }
});

test('make run\'s script creates the demo in an empty database and says so; a second start says it holds data', async () => {
  const d = freshDb();
  const run = async () => {
    const port = await freePort();
    const proc = spawn('bash', [join(ROOT, 'scripts/run.sh'), d.url, `127.0.0.1:${port}`], { env: { ...process.env, XZ_BIN: BIN }, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    proc.stdout.on('data', (c) => { out += c; });
    for (let i = 0; i < 1200 && !out.includes('demo logins'); i++) await sleep(50); // up to a minute on a loaded machine
    const e = exited(proc);
    proc.kill('SIGTERM');
    assert.equal(await e, 0);
    return out;
  };
  try {
    let out = await run();
    assert.match(out, /created the demo county in/);
    assert.ok(Number(sqlOn(d.url, "SELECT COUNT(*) FROM users WHERE username = 'office'")) === 1, 'the demo logins exist');
    out = await run();
    assert.match(out, /already holds data; demo not created/);
  } finally { d.drop(); }
});

test('two servers on one PostgreSQL: either answers a session, scheduler passes do not collide', async (t) => {
  if (ENGINE !== 'pg') return t.skip('PostgreSQL layout');
  const a = await startServer();
  const b = await startServer({ demo: false, db: a.db });
  try {
    const token = await a.login('office');
    assert.equal((await b.api('GET', '/api/v1/me', { token })).status, 200, 'a session made on one server works on the other');
    const ticks = await Promise.all([a, b, a, b].map((h) => h.api('POST', '/api/v1/test/tick')));
    assert.deepEqual(ticks.map((r) => r.status), [200, 200, 200, 200]);
    for (const h of [a, b]) assert.equal((await h.api('GET', '/api/v1/health')).body.scheduler.ok, true);
    const r = spawnSync(BIN, ['--db', a.db.url, 'restore', '--force', '/dev/null'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a server is using/);
  } finally { await b.stop(); await a.close(); }
});
