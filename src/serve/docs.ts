/**
 * The OpenAPI document, generated from the route schemas themselves so it cannot drift from what the
 * server validates: JSON at `/docs/json`, a readable page at `/docs` (assets served from the package,
 * so it works offline).
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { mlshipVersion } from "../core/version.js";

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "mlship",
        version: mlshipVersion,
        description:
          "Tracking and registry JSON API (/api/v1) and the MLflow REST API (/api/2.0/mlflow). " +
          "Errors are `{error: {code, what, where, fix}}` on /api/v1 and MLflow's " +
          "`{error_code, message}` on /api/2.0/mlflow.",
      },
      tags: [
        { name: "health" },
        { name: "experiments" },
        { name: "runs" },
        { name: "models" },
        { name: "mlflow", description: "MLflow REST API 2.0, MLflow's wire format" },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
}
