/** The request envelope, checked before the op's own params schema. */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { KEY_ID_PATTERN } from '../auth/keys.ts';
import { Amount, Closed, Id, Ts } from './primitives.ts';

export const REQUEST_ID_MAX_LENGTH = 64;

export const EnvelopeSchema = Closed({
  id: Type.Optional(Type.Union([Id, Type.String({ minLength: 1, maxLength: REQUEST_ID_MAX_LENGTH })])),
  op: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z]+$' }),
  params: Type.Optional(Type.Unknown()),
  key: Type.Optional(Type.String({ pattern: KEY_ID_PATTERN })),
  ts: Type.Optional(Ts),
  nonce: Type.Optional(Amount),
  sig: Type.Optional(Type.String({ pattern: '^[0-9a-f]{1,128}$' })),
});

export const checkEnvelope = TypeCompiler.Compile(EnvelopeSchema);
