/** The order book's public surface: the fast book, its naive reference, and their shared vocabulary. */
export { NaiveBook } from './naive-book.ts';
export { OrderBook } from './orderbook.ts';
export * from './types.ts';
