/** Field types shared by every schema. All integers are safe integers; every object is closed. */
import { type TProperties, Type } from '@sinclair/typebox';

const MAX = Number.MAX_SAFE_INTEGER;

export const Id = Type.Integer({ minimum: 0, maximum: MAX });
export const Amount = Type.Integer({ minimum: 1, maximum: MAX });
export const SignedAmount = Type.Integer({ minimum: -MAX, maximum: MAX });
export const Price = Type.Integer({ minimum: 1, maximum: MAX });
export const Ts = Type.Integer({ minimum: 0, maximum: MAX });
export const Side = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);
export const MarketId = Type.Integer({ minimum: 0, maximum: 1_000_000 });

/** A closed object: unknown fields are schema errors (so are __proto__ and friends). */
export function Closed<T extends TProperties>(props: T) {
  return Type.Object(props, { additionalProperties: false });
}

export const Empty = Closed({});
