/**
 * Loads the native uWebSockets.js binary and nothing else. The package's own
 * entry point falls back, with a console warning, to a slow Node.js
 * implementation when the binary does not load (or when UWS_USE_FALLBACK is
 * set); the gateway must never run on that by accident, so it requires the
 * binary for this platform and ABI directly and throws, loudly, if it fails.
 */

import type * as Uws from 'uWebSockets.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type UwsModule = typeof Uws;

let cached: UwsModule | null = null;

export function loadNativeUws(): UwsModule {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let path = name;
  let mod: UwsModule;
  try {
    path = join(dirname(require.resolve('uWebSockets.js/package.json')), 'binaries', name);
    mod = require(path) as UwsModule;
  } catch (err) {
    throw new Error(
      `uWebSockets.js native binary ${path} did not load (${err instanceof Error ? err.message : String(err)}); ` +
        `the gateway refuses to fall back to the Node.js implementation. Node ${process.version} ` +
        `(ABI ${process.versions.modules}) on ${process.platform}/${process.arch} needs a matching build.`,
    );
  }
  if (typeof mod.App !== 'function' || !Function.prototype.toString.call(mod.App).includes('[native code]')) {
    throw new Error(`uWebSockets.js at ${path} is not the native build (App is not a native function)`);
  }
  cached = mod;
  return mod;
}
