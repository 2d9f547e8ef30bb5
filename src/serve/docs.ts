/**
 * The OpenAPI document, generated from the route schemas themselves so it cannot drift from what the
 * server validates: JSON at `/docs/json`, a readable page at `/docs` (assets served from the package,
 * so it works offline). Two things are added per request rather than at start-up, because they change
 * while the server runs: each registered model's predict path with its real input fields (models are
 * registered and promoted by other processes), and which role every operation needs.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { mlshipVersion } from "../core/version.js";
import { searchRegisteredModels } from "../registry/index.js";
import type { Store } from "../store/index.js";
import { requiredRole } from "./auth/policy.js";
import type { ModelHost } from "./predict/models.js";
import { type ModelPaths, modelPaths } from "./predict/openapi.js";

/** Beyond this many registered models the document lists the generic predict path only. */
const documentedModels = 100;

const methods = ["get", "put", "post", "delete", "patch", "head", "options"];

type Operation = { security?: unknown[]; description?: string; "x-mlship-role"?: string };

function withSecurity(doc: Record<string, unknown>): void {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const role = requiredRole(method.toUpperCase(), path);
      if (role === null) op.security = [];
      else op["x-mlship-role"] = role;
    }
  }
}

export async function registerDocs(app: FastifyInstance, store: Store, host: ModelHost): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "mlship",
        version: mlshipVersion,
        description:
          "Tracking and registry JSON API (/api/v1), the MLflow REST API (/api/2.0/mlflow) and the " +
          "prediction API (/v1/models). Errors are `{error: {code, what, where, fix}}` on /api/v1 and " +
          "/v1 and MLflow's `{error_code, message}` on /api/2.0/mlflow. Once the store has an API key, " +
          "every operation without an empty `security` needs `Authorization: Bearer <key>` with at " +
          "least the role named by its `x-mlship-role` (predict < write < admin).",
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description: "An mlship API key, mls_<id>_<secret>, from `mlship keys create`",
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: "health" },
        { name: "experiments" },
        { name: "runs" },
        { name: "models" },
        { name: "predict" },
        { name: "monitoring", description: "Drift, performance, traffic and alerts; Prometheus metrics" },
        { name: "models served", description: "One path per registered model, with its input fields" },
        { name: "mlflow", description: "MLflow REST API 2.0, MLflow's wire format" },
      ],
    },
  });

  let served: ModelPaths = { paths: {}, schemas: {} };
  const refresh = async () => {
    const { models } = await searchRegisteredModels(store, { maxResults: documentedModels });
    const loaded = await Promise.all(models.map((m) => host.alias(m.name).catch(() => undefined)));
    served = modelPaths(
      loaded.flatMap((s) => (s === undefined ? [] : [{ model: s.model, alias: s.alias ?? "champion" }])),
    );
  };
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiHooks: {
      preHandler: async (request) => {
        if (/\/docs\/(json|yaml)$/.test(request.url.split("?")[0])) await refresh();
      },
    },
    transformSpecification: (doc) => {
      const spec = doc as Record<string, unknown> & {
        paths: Record<string, unknown>;
        components: { schemas?: Record<string, unknown> };
      };
      Object.assign(spec.paths, served.paths);
      spec.components.schemas = { ...spec.components.schemas, ...served.schemas };
      withSecurity(spec);
      return spec;
    },
  });
}
