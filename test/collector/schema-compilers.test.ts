// fastify's schema compilers as the collector gives them (collector/schema-compilers.ts): loaded
// on first use, they must still validate a route's body and serialize its answer as fastify's
// defaults do, should a route declare a schema.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../collector/schema-compilers.js';

describe("the collector's schema compilers", () => {
  it('validate a body and serialize an answer by their schemas, as fastify’s defaults do', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    app.post(
      '/things',
      {
        schema: {
          body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
          response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
        },
      },
      async (req) => ({ ...(req.body as object), secret: 'left out by the response schema' }),
    );
    const bad = await app.inject({ method: 'POST', url: '/things', payload: { name: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/body\/name must NOT have fewer than 1 characters/);
    const good = await app.inject({ method: 'POST', url: '/things', payload: { name: 'kiln' } });
    expect(good.statusCode).toBe(200);
    expect(good.body).toBe('{"name":"kiln"}');
    await app.close();
  });
});
