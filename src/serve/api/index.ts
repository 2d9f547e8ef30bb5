/** The JSON API over tracking and registry, camelCase, mounted at /api/v1. */
import type { FastifyInstance } from "fastify";
import type { MonitorService } from "../../monitor/index.js";
import type { Store } from "../../store/index.js";
import { experimentRoutes } from "./experiments.js";
import { modelRoutes } from "./models.js";
import { monitorRoutes } from "./monitor.js";
import { runRoutes } from "./runs.js";

export function registerApi(store: Store, monitor?: MonitorService) {
  return async (app: FastifyInstance): Promise<void> => {
    experimentRoutes(app, store);
    runRoutes(app, store);
    modelRoutes(app, store);
    if (monitor) monitorRoutes(app, monitor);
  };
}
