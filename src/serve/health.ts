/**
 * Liveness and version. `/livez` answers as soon as the process serves HTTP, whatever the store holds,
 * so an orchestrator restarts only a process that is truly stuck.
 */
import type { FastifyInstance } from "fastify";
import { mlshipVersion } from "../core/version.js";
import { type Store, storeSchemaVersion } from "../store/index.js";

export function registerHealth(app: FastifyInstance, store: Store): void {
  app.get(
    "/livez",
    {
      schema: {
        tags: ["health"],
        summary: "The process is up",
        response: { 200: { type: "object", properties: { status: { type: "string", const: "ok" } } } },
      },
    },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/version",
    {
      schema: {
        tags: ["health"],
        summary: "mlship and store schema versions",
        response: {
          200: {
            type: "object",
            properties: {
              mlship: { type: "string" },
              storeSchema: { type: "integer" },
              node: { type: "string" },
            },
          },
        },
      },
    },
    async () => ({
      mlship: mlshipVersion,
      storeSchema: await storeSchemaVersion(store),
      node: process.version,
    }),
  );
}
