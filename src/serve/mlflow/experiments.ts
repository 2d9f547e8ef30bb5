/** MLflow's experiment endpoints (service.proto: CreateExperiment ... SetExperimentTag). */
import type { FastifyInstance } from "fastify";
import type { Store } from "../../store/index.js";
import {
  createExperiment,
  deleteExperiment,
  getExperiment,
  getExperimentByName,
  getOrCreateExperiment,
  restoreExperiment,
  searchExperiments,
  setExperimentTag,
  updateExperiment,
} from "../../track/index.js";
import {
  type Int64,
  id,
  int64,
  keyValues,
  required,
  spec,
  str,
  strList,
  toIdString,
  toInt,
  toRecord,
  toViewType,
  viewTypeEnum,
} from "./request.js";
import { experimentJson, noteTag } from "./wire.js";

/**
 * MLflow clients that never choose an experiment log to experiment "0", MLflow's "Default"; mlship
 * numbers experiments from 1, so "0" means the experiment named Default, created on first use.
 */
export async function experimentIdOf(store: Store, experimentId: string): Promise<string> {
  return experimentId === "0" ? (await getOrCreateExperiment(store, "Default")).experimentId : experimentId;
}

interface SearchBody {
  max_results?: Int64;
  page_token?: string;
  filter?: string;
  order_by?: string[];
  view_type?: string | number;
}
const searchSchema = {
  type: "object",
  properties: {
    max_results: int64,
    page_token: str,
    filter: str,
    order_by: strList,
    view_type: viewTypeEnum,
  },
} as const;

export function experimentRoutes(app: FastifyInstance, store: Store, hide: boolean): void {
  app.post<{
    Body: { name?: string; artifact_location?: string; tags?: Array<{ key?: string; value?: string }> };
  }>(
    "/experiments/create",
    spec(hide, "CreateExperiment", {
      body: {
        type: "object",
        required: ["name"],
        properties: { name: str, artifact_location: str, tags: keyValues },
      },
    }),
    async (request) => {
      const { [noteTag]: description, ...tags } = toRecord(request.body.tags, "tags");
      // artifact_location is ignored: mlship keeps artifacts in its store.
      const experiment = await createExperiment(store, required(request.body.name, "name"), {
        description,
        tags,
      });
      return { experiment_id: experiment.experimentId };
    },
  );

  app.get<{ Querystring: { experiment_id?: string } }>(
    "/experiments/get",
    spec(hide, "GetExperiment", { querystring: { type: "object", properties: { experiment_id: str } } }),
    async (request) => {
      const experimentId = await experimentIdOf(
        store,
        required(request.query.experiment_id, "experiment_id"),
      );
      return { experiment: experimentJson(await getExperiment(store, experimentId)) };
    },
  );

  app.get<{ Querystring: { experiment_name?: string } }>(
    "/experiments/get-by-name",
    spec(hide, "GetExperimentByName", {
      querystring: { type: "object", properties: { experiment_name: str } },
    }),
    async (request) => ({
      experiment: experimentJson(
        await getExperimentByName(store, required(request.query.experiment_name, "experiment_name")),
      ),
    }),
  );

  const search = async (input: SearchBody) => {
    const page = await searchExperiments(store, {
      filter: input.filter || undefined,
      orderBy: input.order_by,
      maxResults: toInt(input.max_results),
      pageToken: input.page_token || undefined,
      viewType: toViewType(input.view_type),
    });
    return {
      ...(page.experiments.length > 0 ? { experiments: page.experiments.map(experimentJson) } : {}),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  app.post<{ Body: SearchBody }>(
    "/experiments/search",
    spec(hide, "SearchExperiments", { body: searchSchema }),
    async (request) => search(request.body),
  );
  app.get<{ Querystring: SearchBody }>(
    "/experiments/search",
    spec(hide, "SearchExperiments (GET)", { querystring: searchSchema }),
    async (request) => search(request.query),
  );

  app.post<{ Body: { experiment_id?: string | number; new_name?: string } }>(
    "/experiments/update",
    spec(hide, "UpdateExperiment", {
      body: { type: "object", properties: { experiment_id: id, new_name: str } },
    }),
    async (request) => {
      const experimentId = required(toIdString(request.body.experiment_id), "experiment_id");
      await updateExperiment(store, await experimentIdOf(store, experimentId), {
        name: required(request.body.new_name, "new_name"),
      });
      return {};
    },
  );

  for (const [path, action, summary] of [
    ["/experiments/delete", deleteExperiment, "DeleteExperiment"],
    ["/experiments/restore", restoreExperiment, "RestoreExperiment"],
  ] as const) {
    app.post<{ Body: { experiment_id?: string | number } }>(
      path,
      spec(hide, summary, { body: { type: "object", properties: { experiment_id: id } } }),
      async (request) => {
        const experimentId = required(toIdString(request.body.experiment_id), "experiment_id");
        await action(store, await experimentIdOf(store, experimentId));
        return {};
      },
    );
  }

  app.post<{ Body: { experiment_id?: string | number; key?: string; value?: string } }>(
    "/experiments/set-experiment-tag",
    spec(hide, "SetExperimentTag", {
      body: { type: "object", properties: { experiment_id: id, key: str, value: str } },
    }),
    async (request) => {
      const experimentId = await experimentIdOf(
        store,
        required(toIdString(request.body.experiment_id), "experiment_id"),
      );
      const key = required(request.body.key, "key");
      const value = request.body.value ?? "";
      // MLflow's UI edits the description through this tag.
      if (key === noteTag) await updateExperiment(store, experimentId, { description: value });
      else await setExperimentTag(store, experimentId, key, value);
      return {};
    },
  );
}
