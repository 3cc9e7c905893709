// Entry of the background worker thread. Node 20 cannot run .ts files by
// itself, so the worker's TypeScript is loaded through tsx's require hook:
// a synchronous, in-thread hook. (Registering ESM loader hooks from inside a
// worker thread, as tsImport does, can deadlock on Node 20–22.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('tsx/cjs/api').register();
require('./background-worker.ts');
