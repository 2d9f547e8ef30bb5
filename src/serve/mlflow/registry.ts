/** MLflow's model registry endpoints (model_registry.proto), over mlship's registry. */
import type { FastifyInstance } from "fastify";
import {
  createRegisteredModel,
  deleteAlias,
  deleteModelVersion,
  deleteRegisteredModel,
  getModelVersion,
  getRegisteredModel,
  getVersionByAlias,
  type ModelVersion,
  type RegisteredModel,
  registerRun,
  renameRegisteredModel,
  searchModelVersions,
  searchRegisteredModels,
  setAlias,
  setRegisteredModelTag,
  updateModelVersion,
  updateRegisteredModel,
} from "../../registry/index.js";
import type { Store } from "../../store/index.js";
import { getRun, type Run } from "../../track/index.js";
import {
  type Int64,
  id,
  int64,
  invalid,
  keyValues,
  required,
  spec,
  str,
  strList,
  toInt,
  toRecord,
} from "./request.js";
import { modelVersionJson, registeredModelJson, versionSource } from "./wire.js";

async function versionJson(store: Store, v: ModelVersion) {
  let run: Run | undefined;
  // The run may have been deleted for good since; the version still stands on its own blob.
  if (v.runId !== null) run = await getRun(store, v.runId).catch(() => undefined);
  return modelVersionJson(v, versionSource(v, run));
}

async function modelJson(store: Store, m: RegisteredModel) {
  // MLflow lists the latest version per stage; with no stages that is the latest version.
  const latest =
    m.latestVersion === null
      ? []
      : [await versionJson(store, await getModelVersion(store, m.name, m.latestVersion))];
  return registeredModelJson(m, latest);
}

/**
 * A model version's `source` names a run artifact: `runs:/<run_id>/<path>`, or the run's artifact
 * URI plus the path (`mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/<path>`), which is what
 * MLflow's client sends after resolving a runs:/ URI. mlship registers only artifacts it stores.
 */
export function parseSource(source: string): { runId: string; path: string } {
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(source);
  if (runs) return { runId: runs[1], path: runs[2] };
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/[^/]+\/([^/]+)\/artifacts\/(.+)$/.exec(source);
  if (proxied) return { runId: proxied[1], path: proxied[2] };
  throw invalid(
    `Invalid model version source: '${source}'. mlship registers artifacts logged to its own runs: ` +
      "give runs:/<run_id>/<artifact path> or the run's artifact_uri followed by /<artifact path>.",
  );
}

const versionOf = (v: string | number | undefined) => {
  const n = Number(required(v, "version"));
  if (!Number.isSafeInteger(n) || n < 1)
    throw invalid(`Invalid value '${v}' for parameter 'version' supplied.`);
  return n;
};

interface SearchQuery {
  filter?: string;
  max_results?: Int64;
  order_by?: string[];
  page_token?: string;
}
const searchSchema = {
  type: "object",
  properties: { filter: str, max_results: int64, order_by: strList, page_token: str },
} as const;

/** DELETE requests: MLflow's client sends a JSON body; a query string is accepted as well. */
function deleteInput<T>(request: { body: unknown; query: unknown }): T {
  return { ...(request.query as object), ...(request.body as object) } as T;
}

export function registryRoutes(app: FastifyInstance, store: Store, hide: boolean): void {
  app.post<{ Body: { name?: string; tags?: Array<{ key?: string; value?: string }>; description?: string } }>(
    "/registered-models/create",
    spec(hide, "CreateRegisteredModel", {
      body: { type: "object", properties: { name: str, tags: keyValues, description: str } },
    }),
    async (request) => {
      const model = await createRegisteredModel(store, required(request.body.name, "name"), {
        description: request.body.description || undefined,
        tags: toRecord(request.body.tags, "tags"),
        actor: request.actor,
      });
      return { registered_model: await modelJson(store, model) };
    },
  );

  app.get<{ Querystring: { name?: string } }>(
    "/registered-models/get",
    spec(hide, "GetRegisteredModel", { querystring: { type: "object", properties: { name: str } } }),
    async (request) => ({
      registered_model: await modelJson(
        store,
        await getRegisteredModel(store, required(request.query.name, "name")),
      ),
    }),
  );

  app.get<{ Querystring: SearchQuery }>(
    "/registered-models/search",
    spec(hide, "SearchRegisteredModels", { querystring: searchSchema }),
    async (request) => {
      const maxResults = toInt(request.query.max_results) ?? 100;
      if (maxResults > 1000) {
        throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied: at most 1000.`);
      }
      const page = await searchRegisteredModels(store, {
        filter: request.query.filter || undefined,
        maxResults,
        pageToken: request.query.page_token || undefined,
      });
      const models = await Promise.all(page.models.map((m) => modelJson(store, m)));
      return {
        ...(models.length > 0 ? { registered_models: models } : {}),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.patch<{ Body: { name?: string; description?: string } }>(
    "/registered-models/update",
    spec(hide, "UpdateRegisteredModel", {
      body: { type: "object", properties: { name: str, description: str } },
    }),
    async (request) => {
      const name = required(request.body.name, "name");
      const model = await updateRegisteredModel(store, name, { description: request.body.description ?? "" });
      return { registered_model: await modelJson(store, model) };
    },
  );

  app.post<{ Body: { name?: string; new_name?: string } }>(
    "/registered-models/rename",
    spec(hide, "RenameRegisteredModel", {
      body: { type: "object", properties: { name: str, new_name: str } },
    }),
    async (request) => {
      const model = await renameRegisteredModel(
        store,
        required(request.body.name, "name"),
        required(request.body.new_name, "new_name"),
        { actor: request.actor },
      );
      return { registered_model: await modelJson(store, model) };
    },
  );

  app.delete("/registered-models/delete", spec(hide, "DeleteRegisteredModel", {}), async (request) => {
    const { name } = deleteInput<{ name?: string }>(request);
    await deleteRegisteredModel(store, required(name, "name"), { actor: request.actor });
    return {};
  });

  app.post<{ Body: { name?: string; key?: string; value?: string } }>(
    "/registered-models/set-tag",
    spec(hide, "SetRegisteredModelTag", {
      body: { type: "object", properties: { name: str, key: str, value: str } },
    }),
    async (request) => {
      const { name, key, value } = request.body;
      await setRegisteredModelTag(store, required(name, "name"), required(key, "key"), value ?? "");
      return {};
    },
  );

  app.post<{
    Body: {
      name?: string;
      source?: string;
      run_id?: string;
      tags?: Array<{ key?: string; value?: string }>;
      run_link?: string;
      description?: string;
    };
  }>(
    "/model-versions/create",
    spec(hide, "CreateModelVersion", {
      body: {
        type: "object",
        properties: { name: str, source: str, run_id: str, tags: keyValues, run_link: str, description: str },
      },
    }),
    async (request) => {
      const body = request.body;
      const name = required(body.name, "name");
      const source = parseSource(required(body.source, "source"));
      if (body.run_id && body.run_id !== source.runId) {
        throw invalid(
          `The source '${body.source}' belongs to run ${source.runId}, not to run_id ${body.run_id}.`,
        );
      }
      const version = await registerRun(store, source.runId, {
        name,
        artifactPath: source.path,
        description: body.description || undefined,
        tags: toRecord(body.tags, "tags"),
        actor: request.actor,
      });
      return { model_version: await versionJson(store, version) };
    },
  );

  app.get<{ Querystring: { name?: string; version?: string } }>(
    "/model-versions/get",
    spec(hide, "GetModelVersion", {
      querystring: { type: "object", properties: { name: str, version: str } },
    }),
    async (request) => {
      const v = await getModelVersion(
        store,
        required(request.query.name, "name"),
        versionOf(request.query.version),
      );
      return { model_version: await versionJson(store, v) };
    },
  );

  app.get<{ Querystring: SearchQuery }>(
    "/model-versions/search",
    spec(hide, "SearchModelVersions", { querystring: searchSchema }),
    async (request) => {
      const page = await searchModelVersions(store, {
        filter: request.query.filter || undefined,
        // MLflow's client asks for up to 10,000 (its default); a server may answer with fewer per page.
        maxResults: Math.min(toInt(request.query.max_results) ?? 1000, 1000),
        pageToken: request.query.page_token || undefined,
      });
      const versions = await Promise.all(page.versions.map((v) => versionJson(store, v)));
      return {
        ...(versions.length > 0 ? { model_versions: versions } : {}),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.patch<{ Body: { name?: string; version?: string | number; description?: string } }>(
    "/model-versions/update",
    spec(hide, "UpdateModelVersion", {
      body: { type: "object", properties: { name: str, version: id, description: str } },
    }),
    async (request) => {
      const v = await updateModelVersion(
        store,
        required(request.body.name, "name"),
        versionOf(request.body.version),
        {
          description: request.body.description ?? "",
        },
      );
      return { model_version: await versionJson(store, v) };
    },
  );

  app.delete("/model-versions/delete", spec(hide, "DeleteModelVersion", {}), async (request) => {
    const { name, version } = deleteInput<{ name?: string; version?: string | number }>(request);
    await deleteModelVersion(store, required(name, "name"), versionOf(version), { actor: request.actor });
    return {};
  });

  app.post<{ Body: { name?: string; alias?: string; version?: string | number } }>(
    "/registered-models/alias",
    spec(hide, "SetRegisteredModelAlias", {
      body: { type: "object", properties: { name: str, alias: str, version: id } },
    }),
    async (request) => {
      const { name, alias, version } = request.body;
      await setAlias(store, {
        name: required(name, "name"),
        alias: required(alias, "alias"),
        version: versionOf(version),
        actor: request.actor,
      });
      return {};
    },
  );

  app.delete("/registered-models/alias", spec(hide, "DeleteRegisteredModelAlias", {}), async (request) => {
    const { name, alias } = deleteInput<{ name?: string; alias?: string }>(request);
    await deleteAlias(store, {
      name: required(name, "name"),
      alias: required(alias, "alias"),
      actor: request.actor,
    });
    return {};
  });

  app.get<{ Querystring: { name?: string; alias?: string } }>(
    "/registered-models/alias",
    spec(hide, "GetModelVersionByAlias", {
      querystring: { type: "object", properties: { name: str, alias: str } },
    }),
    async (request) => {
      const v = await getVersionByAlias(
        store,
        required(request.query.name, "name"),
        required(request.query.alias, "alias"),
      );
      return { model_version: await versionJson(store, v) };
    },
  );
}
