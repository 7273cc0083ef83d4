// template.mjs — the demo county made once per test run, to be cloned by
// every test file instead of running `xiezhi demo` on a fresh database
// each time (on PostgreSQL the demo is some 25 000 round trips, 10–40 s
// on a loaded machine; a clone is under a second).
//
//   node tests/api/template.mjs make FILE   make it with XZ_BIN on XZ_ENGINE
//                                           and describe it in FILE (JSON)
//   node tests/api/template.mjs drop FILE   remove it
//
// scripts/test.sh makes one per suite (engine × binary) just before the
// suite and names FILE in XZ_DEMO_TEMPLATE; startServer() (lib.mjs) clones
// it only when it was made on the same engine by the same binary (path and
// SHA-256: the binary embeds the migrations and the demo code), and else
// makes the demo itself. The demo's dates are relative to the minute it
// is made: a template made at the start of a suite is as good as one made
// at the start of each file. SQLite: the file after a checkpoint, with no
// -wal or -shm left beside it. PostgreSQL: a database marked IS_TEMPLATE
// that takes no connections, cloned with CREATE DATABASE … TEMPLATE.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BIN, ENGINE, binSha256, cli, freshDb, sqlOn } from './lib.mjs';

const [cmd, file] = process.argv.slice(2);
if (!['make', 'drop'].includes(cmd) || !file) {
  console.error('usage: node tests/api/template.mjs make|drop FILE');
  process.exit(2);
}

if (cmd === 'make') {
  const d = freshDb('xz_tpl');
  try {
    cli(d.url, ['demo']);
    if (ENGINE === 'pg') {
      const name = d.url.replace(/^.*\//, '');
      sqlOn(process.env.XZ_PG_URL, `ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } else {
      // the server's pool leaves the WAL to checkpoints: fold it into the file
      sqlOn(d.url, 'PRAGMA wal_checkpoint(TRUNCATE)');
      for (const x of ['-wal', '-shm']) if (existsSync(d.url + x)) throw new Error(`template: ${d.url}${x} left`);
    }
  } catch (e) {
    d.drop();
    throw e;
  }
  writeFileSync(file, JSON.stringify({ engine: ENGINE, bin: BIN, sha256: binSha256(BIN), url: d.url, dir: d.dir || null, made: new Date().toISOString() }) + '\n');
} else {
  let t = null;
  try { t = JSON.parse(readFileSync(file, 'utf8')); } catch {}
  if (t && t.engine === 'pg') {
    const name = t.url.replace(/^.*\//, '');
    try { sqlOn(process.env.XZ_PG_URL, `ALTER DATABASE ${name} WITH IS_TEMPLATE false`); } catch {} // gone, or left invalid by an interrupted drop
    try { sqlOn(process.env.XZ_PG_URL, `DROP DATABASE IF EXISTS ${name}`); } catch {}
  } else if (t && t.dir) {
    rmSync(t.dir, { recursive: true, force: true });
  }
  rmSync(file, { force: true });
}
