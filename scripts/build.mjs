// `npm run build`: the exchange, its tools and its benchmarks compiled by tsc into dist/ (the same
// layout as the sources), which `npm start` and `npm run bench` run with plain Node. Why compiled:
// bin/source-files.ts. Plain JavaScript, so it runs before anything is built. Type errors are
// `npm test`'s to report (it type-checks everything); the build only emits (--noCheck).
// Usage: node scripts/build.mjs [OUT_DIR]   (default dist)
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, process.argv[2] ?? 'dist');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', out], {
  stdio: 'inherit',
});
if (r.status !== 0) {
  process.stderr.write(`build failed (tsc exit ${r.status ?? r.signal})\n`);
  process.exit(1);
}
