/**
 * `/api/v1/monitor/...`: what `mlship monitor` shows, over HTTP. Reads (state, report, profile,
 * events) need the predict role, like every GET; running a check that records alert events needs
 * write. The work runs on the monitor service's thread, so a report never stalls predictions.
 */
import type { FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import type { CheckOptions, MonitorService } from "../../monitor/index.js";
import { durationMs, type WindowSpec } from "../../spec/index.js";
import { epochMs, errors, name, object } from "./schemas.js";

const tags = ["monitoring"];
const modelParams = { type: "object", properties: { name } } as const;
const checkQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    version: {
      type: "string",
      minLength: 1,
      maxLength: 256,
      description: "A version number, an alias or latest; default champion",
    },
    window: {
      type: "string",
      pattern: "^(\\d+|\\d+(\\.\\d+)?(ms|s|m|h|d))$",
      description: "The latest N predictions (e.g. 1000) or a span (e.g. 1h); default the model's",
    },
  },
} as const;

interface CheckQuery {
  version?: string;
  window?: string;
}

function windowOf(text: string | undefined): WindowSpec | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) {
    const rows = Number(text);
    if (rows < 1 || rows > 10_000_000) {
      throw new MlshipError({
        what: `window ${text}: a row count from 1 to 10000000`,
        fix: "e.g. ?window=1000",
        code: "E_INVALID_WINDOW",
      });
    }
    return { rows };
  }
  durationMs(text);
  return { duration: text };
}

function options(model: string, q: CheckQuery): CheckOptions {
  const window = windowOf(q.window);
  return { model, ...(q.version === undefined ? {} : { version: q.version }), ...(window ? { window } : {}) };
}

export function monitorRoutes(app: FastifyInstance, monitor: MonitorService): void {
  app.get<{ Params: { name: string }; Querystring: CheckQuery }>(
    "/monitor/models/:name",
    {
      schema: {
        tags,
        summary: "The model's monitoring state over its latest window",
        description:
          "Data drift and prediction drift against the version's reference profile, performance on labelled " +
          "predictions with confidence intervals against the holdout, traffic, errors and latency, and every " +
          "alert rule's finding. Nothing is recorded.",
        params: modelParams,
        querystring: checkQuery,
        response: { 200: { type: "object", properties: { state: object } }, ...errors },
      },
    },
    async (request) => ({ state: await monitor.check(options(request.params.name, request.query)) }),
  );

  app.post<{ Params: { name: string }; Querystring: CheckQuery }>(
    "/monitor/models/:name/check",
    {
      schema: {
        tags,
        summary: "Check now: the state, and the alert events it records (webhooks sent in the background)",
        params: modelParams,
        querystring: checkQuery,
        response: {
          200: { type: "object", properties: { state: object, events: { type: "array", items: object } } },
          ...errors,
        },
      },
    },
    async (request) => monitor.checkAndAlert(options(request.params.name, request.query)),
  );

  app.get<{ Params: { name: string }; Querystring: CheckQuery }>(
    "/monitor/models/:name/report",
    {
      schema: {
        tags,
        summary: "The monitoring report's data (what `mlship monitor report` writes as JSON)",
        params: modelParams,
        querystring: checkQuery,
        response: { 200: { type: "object", properties: { report: object } }, ...errors },
      },
    },
    async (request) => ({ report: await monitor.report(options(request.params.name, request.query)) }),
  );

  app.get<{ Params: { name: string }; Querystring: CheckQuery }>(
    "/monitor/models/:name/report.html",
    {
      schema: {
        tags,
        summary: "The monitoring report as a self-contained HTML page (charts as SVG)",
        params: modelParams,
        querystring: checkQuery,
        produces: ["text/html"],
      },
    },
    async (request, reply) => {
      const html = await monitor.reportHtml(options(request.params.name, request.query));
      return reply.type("text/html; charset=utf-8").send(html);
    },
  );

  app.get<{ Params: { name: string }; Querystring: { version?: string } }>(
    "/monitor/models/:name/profile",
    {
      schema: {
        tags,
        summary: "The reference profile stored with a version (without its row sample)",
        params: modelParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { version: checkQuery.properties.version },
        },
        response: { 200: { type: "object", properties: { profile: object } }, ...errors },
      },
    },
    async (request) => {
      const p = await monitor.profile(request.params.name, request.query.version ?? "champion");
      if (!p.profile) {
        throw new MlshipError({
          what: `${p.name} v${p.version} has no reference profile`,
          where: `model: ${p.name} v${p.version}`,
          fix: "versions trained by `mlship train` have one",
          code: "E_NOT_FOUND_PROFILE",
        });
      }
      // The row samples are large and only numbers for the tests; the statistics are what a reader wants.
      const { sample: _s, ...data } = p.profile.data;
      const { sample: _p, ...predictions } = p.profile.predictions;
      const { bootstrap, ...holdout } = p.profile.holdout;
      return {
        profile: {
          ...p.profile,
          model: p.name,
          version: p.version,
          data: { ...data, sampleRows: p.profile.data.sample.rows },
          predictions,
          holdout: {
            ...holdout,
            bootstrap: { resamples: bootstrap.resamples, seed: bootstrap.seed, rows: bootstrap.rows },
          },
        },
      };
    },
  );

  app.get<{
    Querystring: {
      model?: string;
      type?: string;
      kind?: string;
      since?: number;
      before?: number;
      limit?: number;
    };
  }>(
    "/monitor/events",
    {
      schema: {
        tags,
        summary: "Monitoring events, newest first (alerts; automation's decisions)",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            model: name,
            type: { type: "string", maxLength: 100 },
            kind: { type: "string", maxLength: 100 },
            since: { ...epochMs, description: "Only events at or after this time (epoch ms)" },
            before: { type: "integer", minimum: 1, description: "Only events with a smaller id (paging)" },
            limit: { type: "integer", minimum: 1, maximum: 10_000 },
          },
        },
        response: {
          200: { type: "object", properties: { events: { type: "array", items: object } } },
          ...errors,
        },
      },
    },
    async (request) => ({ events: await monitor.events(request.query) }),
  );
}
