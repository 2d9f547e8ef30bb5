/** The JSON API over tracking and registry, camelCase, mounted at /api/v1. */
import type { FastifyInstance } from "fastify";
import type { Store } from "../../store/index.js";
import { experimentRoutes } from "./experiments.js";
import { modelRoutes } from "./models.js";
import { runRoutes } from "./runs.js";

export function registerApi(store: Store) {
  return async (app: FastifyInstance): Promise<void> => {
    experimentRoutes(app, store);
    runRoutes(app, store);
    modelRoutes(app, store);
  };
}
