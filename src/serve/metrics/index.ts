/**
 * `GET /metrics` in Prometheus' text format, and the hook that counts every answer. Under
 * `mlship serve --workers N` the worker that takes the scrape answers for the whole cluster (see
 * ../cluster/primary.ts), so Prometheus scrapes one address and sees every worker's requests.
 */
import type { FastifyInstance } from "fastify";
import { WorkerLink } from "../cluster/worker.js";
import { translate } from "../errors.js";
import type { ServerMetrics } from "./metrics.js";

export { ServerMetrics, unmatchedRoute } from "./metrics.js";

export interface MetricsOptions {
  /**
   * This process's slot in a `--workers` cluster: /metrics then answers with every worker's metrics,
   * summed by the primary, and counts requests per worker.
   */
  worker?: string;
}

/** The hook counting every answer (404s and refusals included) must be added before the routes. */
export function registerMetrics(
  app: FastifyInstance,
  metrics: ServerMetrics,
  options: MetricsOptions = {},
): void {
  app.addHook("onResponse", (request, reply, done) => {
    metrics.answered(request, reply);
    done();
  });
  let link: WorkerLink | undefined;
  if (options.worker !== undefined) {
    metrics.countWorker(options.worker);
    link = new WorkerLink(() => metrics.json());
    app.addHook("onClose", async () => link?.close());
  }
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["monitoring"],
        summary: "Prometheus metrics: requests, latency, predictions, model loads, prediction-log queue",
        description:
          "Prometheus text format 0.0.4. Needs the predict role once the store has API keys (scrape with " +
          "`authorization: {credentials: <key>}`). Under --workers the answer covers every worker.",
        produces: ["text/plain"],
      },
    },
    async (request, reply) => {
      try {
        const text = link === undefined ? await metrics.text() : await link.scrape();
        return reply.type(metrics.contentType).send(text);
      } catch (err) {
        const t = translate(err, request.id);
        request.log.error({ err }, "metrics unavailable");
        return reply.status(503).send(t.body);
      }
    },
  );
}
