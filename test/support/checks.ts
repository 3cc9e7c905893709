/** Assertions the engine test suites share: print a value, apply a command that must be accepted. */
import { inspect } from 'node:util';
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';

export function show(x: unknown): string {
  return inspect(x, { depth: 6, breakLength: Number.POSITIVE_INFINITY });
}

/** Apply a command that must be accepted and keep the invariants; returns its events. */
export function ok(e: Engine, cmd: unknown, ts: number): Event[] {
  const out = e.apply(cmd as Command, ts);
  if (!out.ok) throw new Error(`expected ${show(cmd)} to be accepted, got ${out.code}: ${out.message}`);
  const broken = e.validateInvariants();
  if (broken.length > 0) throw new Error(`invariants broken after ${show(cmd)}: ${broken.join('; ')}`);
  return out.events;
}
