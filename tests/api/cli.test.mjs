// cli.test.mjs — the xiezhi command: backup and restore in one command each,
// user management from the shell, check on a healthy database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, cli, sqlOn } from './lib.mjs';

test('backup, change, restore: the database is as it was at the backup', () => {
  const d = freshDb();
  try {
    cli(d.url, ['demo']);
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
  const d = freshDb();
  try {
    cli(d.url, ['demo']);
    const county = sqlOn(d.url, "SELECT id FROM regions WHERE level = 'county'");
    assert.match(cli(d.url, ['user', 'add', 'newclerk', county, 'office'], { env: { ...process.env, XZ_PASSWORD: 'Clerk-Password-2026' } }), /created user newclerk/);
    assert.throws(() => cli(d.url, ['user', 'passwd', 'newclerk'], { env: { ...process.env, XZ_PASSWORD: 'short' } }));
    cli(d.url, ['user', 'passwd', 'newclerk'], { env: { ...process.env, XZ_PASSWORD: 'Another-Password-77' } });
    cli(d.url, ['user', 'disable', 'newclerk']);
    assert.match(cli(d.url, ['user', 'list']), /newclerk.*DISABLED.*office/);
  } finally { d.drop(); }
});
