export * from './curve.ts';
export * from './guards.ts';
export * from './precision.ts';
export * from './repeg.ts';
export * from './spread.ts';
export * from './twap.ts';
