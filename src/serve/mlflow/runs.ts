/** MLflow's run, metric and artifact-listing endpoints (service.proto: CreateRun ... ListArtifacts). */
import type { FastifyInstance } from "fastify";
import type { Store } from "../../store/index.js";
import {
  createRun,
  deleteRun,
  deleteTag,
  getMetricHistory,
  getRun,
  logBatch,
  logMetrics,
  logParams,
  restoreRun,
  searchRuns,
  setTags,
  updateRun,
} from "../../track/index.js";
import { experimentIdOf } from "./experiments.js";
import {
  type Double,
  double,
  type Int64,
  id,
  int64,
  invalid,
  keyValues,
  required,
  runStatusEnum,
  spec,
  str,
  strList,
  toDouble,
  toIdString,
  toInt,
  toRecord,
  toStatus,
  toViewType,
  viewTypeEnum,
} from "./request.js";
import {
  metricJson,
  parentRunTag,
  runArtifactUri,
  runInfoJson,
  runJson,
  runNameTag,
  userTag,
} from "./wire.js";

interface RunRef {
  run_id?: string;
  run_uuid?: string;
}
const runRef = { run_id: str, run_uuid: str } as const;
/** `run_uuid` is the deprecated spelling every MLflow handler still accepts. */
const runIdOf = (r: RunRef) => required(r.run_id || r.run_uuid, "run_id");

interface MetricBody {
  key?: string;
  value?: Double;
  timestamp?: Int64;
  step?: Int64;
}
const metricSchema = {
  type: "object",
  properties: { key: str, value: double, timestamp: int64, step: int64 },
} as const;
function metricOf(m: MetricBody, where: string) {
  return {
    key: required(m.key, `${where}key`),
    value: toDouble(required(m.value, `${where}value`)),
    timestamp: toInt(required(m.timestamp, `${where}timestamp`)),
    step: toInt(m.step) ?? 0,
  };
}

/** The MLflow server's per-request limits for log-batch (mlflow/utils/validation.py). */
const batchLimits = { metrics: 1000, params: 100, tags: 100, total: 1000 };

export function runRoutes(app: FastifyInstance, store: Store, hide: boolean): void {
  app.post<{
    Body: {
      experiment_id?: string | number;
      user_id?: string;
      run_name?: string;
      start_time?: Int64;
      tags?: Array<{ key?: string; value?: string }>;
    };
  }>(
    "/runs/create",
    spec(hide, "CreateRun", {
      body: {
        type: "object",
        properties: { experiment_id: id, user_id: str, run_name: str, start_time: int64, tags: keyValues },
      },
    }),
    async (request) => {
      const body = request.body;
      const { [runNameTag]: nameTag, [parentRunTag]: parentRunId, ...tags } = toRecord(body.tags, "tags");
      if (body.run_name && nameTag && body.run_name !== nameTag) {
        throw invalid(
          `Both 'run_name' argument and '${runNameTag}' tag are specified, but with different values ` +
            `(run_name='${body.run_name}', ${runNameTag}='${nameTag}').`,
        );
      }
      const run = await createRun(store, {
        experimentId: await experimentIdOf(store, toIdString(body.experiment_id) || "0"),
        name: body.run_name || nameTag || undefined,
        parentRunId: parentRunId || undefined,
        tags,
        startTime: toInt(body.start_time),
        user: body.user_id || tags[userTag] || request.actor,
      });
      return { run: runJson(run) };
    },
  );

  app.get<{ Querystring: RunRef }>(
    "/runs/get",
    spec(hide, "GetRun", { querystring: { type: "object", properties: runRef } }),
    async (request) => ({ run: runJson(await getRun(store, runIdOf(request.query))) }),
  );

  app.post<{ Body: RunRef & { status?: string | number; end_time?: Int64; run_name?: string } }>(
    "/runs/update",
    spec(hide, "UpdateRun", {
      body: {
        type: "object",
        properties: { ...runRef, status: runStatusEnum, end_time: int64, run_name: str },
      },
    }),
    async (request) => {
      const runId = runIdOf(request.body);
      await updateRun(store, runId, {
        status: toStatus(request.body.status),
        endTime: toInt(request.body.end_time),
        name: request.body.run_name || undefined,
      });
      return { run_info: runInfoJson(await getRun(store, runId)) };
    },
  );

  for (const [path, action, summary] of [
    ["/runs/delete", deleteRun, "DeleteRun"],
    ["/runs/restore", restoreRun, "RestoreRun"],
  ] as const) {
    app.post<{ Body: RunRef }>(
      path,
      spec(hide, summary, { body: { type: "object", properties: runRef } }),
      async (request) => {
        await action(store, runIdOf(request.body));
        return {};
      },
    );
  }

  app.post<{ Body: RunRef & MetricBody }>(
    "/runs/log-metric",
    spec(hide, "LogMetric", {
      body: { type: "object", properties: { ...runRef, ...metricSchema.properties } },
    }),
    async (request) => {
      await logMetrics(store, runIdOf(request.body), [metricOf(request.body, "")]);
      return {};
    },
  );

  app.post<{ Body: RunRef & { key?: string; value?: string } }>(
    "/runs/log-parameter",
    spec(hide, "LogParam", { body: { type: "object", properties: { ...runRef, key: str, value: str } } }),
    async (request) => {
      await logParams(store, runIdOf(request.body), {
        [required(request.body.key, "key")]: request.body.value ?? "",
      });
      return {};
    },
  );

  /** The run name lives in a tag for MLflow and in a field for mlship: setting the tag renames. */
  const applyTags = async (runId: string, tags: Record<string, string>) => {
    const { [runNameTag]: name, ...rest } = tags;
    if (name) await updateRun(store, runId, { name });
    if (Object.keys(rest).length > 0) await setTags(store, runId, rest);
  };

  app.post<{ Body: RunRef & { key?: string; value?: string } }>(
    "/runs/set-tag",
    spec(hide, "SetTag", { body: { type: "object", properties: { ...runRef, key: str, value: str } } }),
    async (request) => {
      await applyTags(runIdOf(request.body), {
        [required(request.body.key, "key")]: request.body.value ?? "",
      });
      return {};
    },
  );

  app.post<{ Body: RunRef & { key?: string } }>(
    "/runs/delete-tag",
    spec(hide, "DeleteTag", { body: { type: "object", properties: { ...runRef, key: str } } }),
    async (request) => {
      await deleteTag(store, runIdOf(request.body), required(request.body.key, "key"));
      return {};
    },
  );

  app.post<{
    Body: RunRef & {
      metrics?: MetricBody[];
      params?: Array<{ key?: string; value?: string }>;
      tags?: Array<{ key?: string; value?: string }>;
    };
  }>(
    "/runs/log-batch",
    spec(hide, "LogBatch", {
      body: {
        type: "object",
        properties: {
          ...runRef,
          metrics: { type: "array", items: metricSchema, maxItems: 100_000 },
          params: keyValues,
          tags: keyValues,
        },
      },
    }),
    async (request) => {
      const body = request.body;
      const runId = runIdOf(body);
      const counts = {
        metrics: body.metrics?.length ?? 0,
        params: body.params?.length ?? 0,
        tags: body.tags?.length ?? 0,
      };
      for (const kind of ["metrics", "params", "tags"] as const) {
        if (counts[kind] > batchLimits[kind]) {
          throw invalid(
            `A batch logging request can contain at most ${batchLimits[kind]} ${kind}. Got ${counts[kind]} ${kind}. ` +
              `Please split up ${kind} across multiple requests and try again.`,
          );
        }
      }
      const total = counts.metrics + counts.params + counts.tags;
      if (total > batchLimits.total) {
        throw invalid(
          `A batch logging request can contain at most ${batchLimits.total} metrics, params and tags in total. ` +
            `Got ${total}. Please split up the data across multiple requests and try again.`,
        );
      }
      const { [runNameTag]: name, ...tags } = toRecord(body.tags, "tags");
      await logBatch(store, runId, {
        metrics: (body.metrics ?? []).map((m, i) => metricOf(m, `metrics[${i}].`)),
        params: toRecord(body.params, "params"),
        tags,
      });
      if (name) await updateRun(store, runId, { name });
      return {};
    },
  );

  interface SearchBody {
    experiment_ids?: Array<string | number>;
    filter?: string;
    run_view_type?: string | number;
    max_results?: Int64;
    order_by?: string[];
    page_token?: string;
  }
  app.post<{ Body: SearchBody }>(
    "/runs/search",
    spec(hide, "SearchRuns", {
      body: {
        type: "object",
        properties: {
          experiment_ids: { type: "array", items: id, maxItems: 10_000 },
          filter: str,
          run_view_type: viewTypeEnum,
          max_results: int64,
          order_by: strList,
          page_token: str,
        },
      },
    }),
    async (request) => {
      const body = request.body;
      const maxResults = toInt(body.max_results) ?? 1000;
      if (maxResults > 50_000) {
        throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied: at most 50000.`);
      }
      const experimentIds = await Promise.all(
        (body.experiment_ids ?? []).map((e) => experimentIdOf(store, String(e))),
      );
      const page = await searchRuns(store, {
        experimentIds,
        filter: body.filter || undefined,
        orderBy: body.order_by,
        maxResults,
        pageToken: body.page_token || undefined,
        viewType: toViewType(body.run_view_type),
      });
      return {
        ...(page.runs.length > 0 ? { runs: page.runs.map(runJson) } : {}),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.get<{ Querystring: RunRef & { metric_key?: string; page_token?: string; max_results?: number } }>(
    "/metrics/get-history",
    spec(hide, "GetMetricHistory", {
      querystring: {
        type: "object",
        properties: { ...runRef, metric_key: str, page_token: str, max_results: { type: "integer" } },
      },
    }),
    async (request) => {
      const history = await getMetricHistory(
        store,
        runIdOf(request.query),
        required(request.query.metric_key, "metric_key"),
      );
      return history.length > 0 ? { metrics: history.map(metricJson) } : {};
    },
  );

  app.get<{ Querystring: RunRef & { path?: string; page_token?: string } }>(
    "/artifacts/list",
    spec(hide, "ListArtifacts", {
      querystring: { type: "object", properties: { ...runRef, path: str, page_token: str } },
    }),
    async (request) => {
      const run = await getRun(store, runIdOf(request.query));
      const prefix = (request.query.path ?? "").replace(/^\/+|\/+$/g, "");
      const under = prefix ? `${prefix}/` : "";
      const files = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
      for (const a of run.artifacts) {
        if (!a.path.startsWith(under)) continue;
        const [head, ...rest] = a.path.slice(under.length).split("/");
        const path = under + head;
        if (rest.length > 0) files.set(path, { path, is_dir: true });
        else files.set(path, { path, is_dir: false, file_size: a.bytes });
      }
      const list = [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
      return { root_uri: runArtifactUri(run), ...(list.length > 0 ? { files: list } : {}) };
    },
  );
}
