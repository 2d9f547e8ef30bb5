/**
 * Key management over HTTP for `admin` keys, the same operations as `mlship keys`, so a key can be
 * rotated without shell access to the store. The caller's key name is the audit log's actor.
 */
import type { FastifyInstance } from "fastify";
import type { Store } from "../../store/index.js";
import { createKey, listKeys, revokeKey } from "./keys.js";
import { roles } from "./roles.js";

const keyObject = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    role: { type: "string", enum: [...roles] },
    createdAt: { type: "integer" },
    createdBy: { type: "string" },
    lastUsedAt: { type: ["integer", "null"] },
    revokedAt: { type: ["integer", "null"] },
  },
} as const;

export function registerKeyRoutes(store: Store) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      "/keys",
      {
        schema: {
          tags: ["keys"],
          summary: "List API keys (never their secrets); admin",
          response: { 200: { type: "object", properties: { keys: { type: "array", items: keyObject } } } },
        },
      },
      async () => ({ keys: await listKeys(store) }),
    );
    app.post<{ Body: { name: string; role: string } }>(
      "/keys",
      {
        schema: {
          tags: ["keys"],
          summary: "Create an API key; the answer is the only time its secret is shown; admin",
          body: {
            type: "object",
            required: ["name", "role"],
            additionalProperties: false,
            properties: {
              name: { type: "string", maxLength: 64 },
              role: { type: "string", enum: [...roles] },
            },
          },
          response: {
            201: { type: "object", properties: { key: keyObject, secret: { type: "string" } } },
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createKey(store, { ...request.body, actor: request.actor })),
    );
    app.delete<{ Params: { key: string } }>(
      "/keys/:key",
      {
        schema: {
          tags: ["keys"],
          summary: "Revoke an API key by name or id; admin",
          response: { 200: { type: "object", properties: { key: keyObject } } },
        },
      },
      async (request) => ({ key: await revokeKey(store, { ref: request.params.key, actor: request.actor }) }),
    );
  };
}
