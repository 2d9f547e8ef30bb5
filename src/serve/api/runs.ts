import type { FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import type { Store } from "../../store/index.js";
import {
  createRun,
  deleteRun,
  deleteTag,
  getArtifact,
  getMetricHistory,
  getRun,
  logBatch,
  logMetrics,
  logParams,
  type RunStatus,
  restoreRun,
  searchRuns,
  setTags,
  updateRun,
} from "../../track/index.js";
import {
  epochMs,
  errors,
  metricInput,
  name,
  object,
  pageQuery,
  stringList,
  stringMap,
  toNumber,
  viewType,
} from "./schemas.js";

const tags = ["runs"];
const statuses = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
const runParams = { type: "object", properties: { runId: { type: "string", maxLength: 200 } } } as const;
const runResponse = { 200: { type: "object", properties: { run: object } }, ...errors } as const;

interface MetricBody {
  key: string;
  value: number | string;
  step?: number;
  timestamp?: number;
}
const metrics = (list: MetricBody[] | undefined) => list?.map((m) => ({ ...m, value: toNumber(m.value) }));

export function runRoutes(app: FastifyInstance, store: Store): void {
  app.get<{
    Querystring: {
      experimentIds?: string[];
      filter?: string;
      orderBy?: string[];
      maxResults?: number;
      pageToken?: string;
      viewType?: "active" | "deleted" | "all";
    };
  }>(
    "/runs",
    {
      schema: {
        tags,
        summary: "Search runs",
        description:
          "filter uses MLflow's search syntax, e.g. `metrics.roc_auc > 0.8 and params.model = 'forest'`; " +
          "orderBy and experimentIds may repeat; pass nextPageToken back as pageToken for the next page.",
        querystring: {
          type: "object",
          properties: {
            experimentIds: stringList,
            filter: { type: "string", maxLength: 10_000 },
            orderBy: stringList,
            viewType,
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: "object",
            properties: { runs: { type: "array", items: object }, nextPageToken: { type: "string" } },
          },
          ...errors,
        },
      },
    },
    async (request) => searchRuns(store, request.query),
  );

  app.post<{
    Body: {
      experimentId: string;
      name?: string;
      parentRunId?: string;
      tags?: Record<string, string>;
      startTime?: number;
      user?: string;
    };
  }>(
    "/runs",
    {
      schema: {
        tags,
        summary: "Create a run",
        body: {
          type: "object",
          required: ["experimentId"],
          additionalProperties: false,
          properties: {
            experimentId: { type: "string", maxLength: 200 },
            name,
            parentRunId: { type: "string", maxLength: 200 },
            tags: stringMap,
            startTime: epochMs,
            user: name,
          },
        },
        response: { 201: { type: "object", properties: { run: object } }, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const run = await createRun(store, { ...body, user: body.user ?? request.actor });
      return reply.status(201).send({ run });
    },
  );

  app.get<{ Params: { runId: string } }>(
    "/runs/:runId",
    { schema: { tags, summary: "Get a run", params: runParams, response: runResponse } },
    async (request) => ({ run: await getRun(store, request.params.runId) }),
  );

  app.patch<{ Params: { runId: string }; Body: { status?: RunStatus; endTime?: number; name?: string } }>(
    "/runs/:runId",
    {
      schema: {
        tags,
        summary: "Update a run (status, end time, name); a final status ends it",
        params: runParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { status: { type: "string", enum: statuses }, endTime: epochMs, name },
        },
        response: runResponse,
      },
    },
    async (request) => {
      await updateRun(store, request.params.runId, request.body);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{ Params: { runId: string }; Body: { status?: RunStatus; endTime?: number } }>(
    "/runs/:runId/end",
    {
      schema: {
        tags,
        summary: "End a run (FINISHED unless another final status is given)",
        params: runParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: ["FINISHED", "FAILED", "KILLED"] },
            endTime: epochMs,
          },
        },
        response: runResponse,
      },
    },
    async (request) => {
      const { status = "FINISHED", endTime = Date.now() } = request.body;
      await updateRun(store, request.params.runId, { status, endTime });
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.delete<{ Params: { runId: string } }>(
    "/runs/:runId",
    {
      schema: {
        tags,
        summary: "Delete a run (it can be restored)",
        params: runParams,
        response: runResponse,
      },
    },
    async (request) => {
      await deleteRun(store, request.params.runId);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{ Params: { runId: string } }>(
    "/runs/:runId/restore",
    { schema: { tags, summary: "Restore a deleted run", params: runParams, response: runResponse } },
    async (request) => {
      await restoreRun(store, request.params.runId);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{ Params: { runId: string }; Body: { params: Record<string, string> } }>(
    "/runs/:runId/params",
    {
      schema: {
        tags,
        summary: "Log params (a param, once logged, cannot change)",
        params: runParams,
        body: {
          type: "object",
          required: ["params"],
          additionalProperties: false,
          properties: { params: stringMap },
        },
        response: runResponse,
      },
    },
    async (request) => {
      await logParams(store, request.params.runId, request.body.params);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{ Params: { runId: string }; Body: { metrics: MetricBody[] } }>(
    "/runs/:runId/metrics",
    {
      schema: {
        tags,
        summary: "Log metric values (step and timestamp optional)",
        params: runParams,
        body: {
          type: "object",
          required: ["metrics"],
          additionalProperties: false,
          properties: { metrics: { type: "array", items: metricInput, maxItems: 10_000 } },
        },
        response: runResponse,
      },
    },
    async (request) => {
      await logMetrics(store, request.params.runId, metrics(request.body.metrics)!);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{ Params: { runId: string }; Body: { tags: Record<string, string> } }>(
    "/runs/:runId/tags",
    {
      schema: {
        tags,
        summary: "Set tags",
        params: runParams,
        body: {
          type: "object",
          required: ["tags"],
          additionalProperties: false,
          properties: { tags: stringMap },
        },
        response: runResponse,
      },
    },
    async (request) => {
      await setTags(store, request.params.runId, request.body.tags);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.delete<{ Params: { runId: string; key: string } }>(
    "/runs/:runId/tags/:key",
    {
      schema: {
        tags,
        summary: "Delete a tag",
        params: { type: "object", properties: { runId: { type: "string" }, key: { type: "string" } } },
        response: runResponse,
      },
    },
    async (request) => {
      await deleteTag(store, request.params.runId, request.params.key);
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.post<{
    Params: { runId: string };
    Body: { metrics?: MetricBody[]; params?: Record<string, string>; tags?: Record<string, string> };
  }>(
    "/runs/:runId/batch",
    {
      schema: {
        tags,
        summary: "Log metrics, params and tags in one transaction",
        params: runParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            metrics: { type: "array", items: metricInput, maxItems: 10_000 },
            params: stringMap,
            tags: stringMap,
          },
        },
        response: runResponse,
      },
    },
    async (request) => {
      const { params, tags: runTags } = request.body;
      await logBatch(store, request.params.runId, {
        metrics: metrics(request.body.metrics),
        params,
        tags: runTags,
      });
      return { run: await getRun(store, request.params.runId) };
    },
  );

  app.get<{ Params: { runId: string; key: string } }>(
    "/runs/:runId/metrics/:key/history",
    {
      schema: {
        tags,
        summary: "Every logged value of one metric, by step",
        params: { type: "object", properties: { runId: { type: "string" }, key: { type: "string" } } },
        response: {
          200: { type: "object", properties: { metrics: { type: "array", items: object } } },
          ...errors,
        },
      },
    },
    async (request) => ({ metrics: await getMetricHistory(store, request.params.runId, request.params.key) }),
  );

  app.get<{ Params: { runId: string } }>(
    "/runs/:runId/artifacts",
    {
      schema: {
        tags,
        summary: "List a run's artifacts",
        params: runParams,
        response: {
          200: { type: "object", properties: { artifacts: { type: "array", items: object } } },
          ...errors,
        },
      },
    },
    async (request) => ({ artifacts: (await getRun(store, request.params.runId)).artifacts }),
  );

  app.get<{ Params: { runId: string; "*": string } }>(
    "/runs/:runId/artifacts/*",
    {
      schema: {
        tags,
        summary: "Download an artifact (its checksum is verified first)",
        params: { type: "object", properties: { runId: { type: "string" }, "*": { type: "string" } } },
        response: { 200: { description: "the artifact's bytes" }, ...errors },
      },
    },
    async (request, reply) => {
      const { runId, "*": path } = request.params;
      const run = await getRun(store, runId);
      const artifact = run.artifacts.find((a) => a.path === path);
      if (!artifact) {
        throw new MlshipError({
          what: `run ${runId} has no artifact "${path}"`,
          where: `run ${runId}`,
          fix: `list its artifacts with GET /api/v1/runs/${runId}/artifacts`,
          code: "E_NOT_FOUND_ARTIFACT",
        });
      }
      const data = await getArtifact(store, runId, path);
      // Always an attachment, never rendered on this origin: an artifact is data, not a page.
      return reply
        .header("content-type", artifact.mediaType)
        .header("content-disposition", `attachment; filename="${encodeURIComponent(path.split("/").pop()!)}"`)
        .header("x-content-type-options", "nosniff")
        .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
  );
}
