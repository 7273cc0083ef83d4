// run.mjs — `node --test` for scripts/test.sh, with the files started in the
// order given rather than sorted (node 20's command line sorts them), so
// the longest files start first and do not finish alone at the end:
//   node tests/run.mjs CONCURRENCY FILE...
// Prints the same TAP as `node --test` (the "# pass N" / "# fail N" the
// runner counts) and exits 1 when a test failed.
import { run } from 'node:test';
import { tap } from 'node:test/reporters';

const [concurrency, ...files] = process.argv.slice(2);
const stream = run({ files, concurrency: Number(concurrency) || 1 });
stream.on('test:fail', () => { process.exitCode = 1; });
stream.compose(tap).pipe(process.stdout);
