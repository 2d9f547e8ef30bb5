/**
 * A realistic MLflow client session against mlship, request by request. Each body is what MLflow's
 * Python client sends: `message_to_json(<Request proto>)` built in mlflow/store/tracking/rest_store.py
 * and mlflow/store/model_registry/rest_store.py (snake_case, int64s as JSON numbers, enums by name,
 * unset fields left out, GET fields in the query string). Responses are checked field by field against
 * the messages in mlflow/protos/service.proto and model_registry.proto as rendered by
 * mlflow/utils/proto_json_utils.py:message_to_json, with MLflow's error bodies and statuses
 * (mlflow/exceptions.py: ERROR_CODE_TO_HTTP_STATUS).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logModelArtifact, startServer, type TestServer } from "./helpers.js";

let s: TestServer;
const api = "/api/2.0/mlflow";
const post = (path: string, body: unknown) => s.call("POST", api + path, body);
const get = (path: string, query: Record<string, string | string[]>) => {
  const q = new URLSearchParams(
    Object.entries(query).flatMap(
      ([k, v]): Array<[string, string]> => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]),
    ),
  );
  return s.call("GET", `${api}${path}?${q}`);
};

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const t0 = 1_700_000_000_000;
const runIdPattern = /^[0-9a-f]{32}$/;

describe("MLflow tracking session (mlflow.set_experiment, start_run, log_*, end_run, search_runs)", () => {
  let experimentId: string;
  let runId: string;

  it("set_experiment: get-by-name misses with RESOURCE_DOES_NOT_EXIST, then create", async () => {
    // RestStore.get_experiment_by_name: GetExperimentByName(experiment_name=...) over GET.
    const missing = await get("/experiments/get-by-name", { experiment_name: "churn" });
    expect(missing.status).toBe(404);
    expect(Object.keys(missing.json).sort()).toEqual(["error_code", "message"]);
    expect(missing.json.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(missing.json.message).toContain("churn");

    // RestStore.create_experiment: CreateExperiment(name, artifact_location=None, tags=[]).
    const created = await post("/experiments/create", { name: "churn" });
    expect(created.status).toBe(200);
    expect(Object.keys(created.json)).toEqual(["experiment_id"]);
    experimentId = created.json.experiment_id;
    expect(typeof experimentId).toBe("string");

    const again = await post("/experiments/create", { name: "churn" });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe("RESOURCE_ALREADY_EXISTS");

    const byName = await get("/experiments/get-by-name", { experiment_name: "churn" });
    expect(byName.status).toBe(200);
    const e = byName.json.experiment;
    expect(Object.keys(byName.json)).toEqual(["experiment"]);
    expect(e).toEqual({
      experiment_id: experimentId,
      name: "churn",
      artifact_location: `mlflow-artifacts:/${experimentId}`,
      lifecycle_stage: "active",
      last_update_time: expect.any(Number),
      creation_time: expect.any(Number),
    });
    // Experiment tags are a repeated field: absent when empty, a list of {key, value} otherwise.
    await post("/experiments/set-experiment-tag", {
      experiment_id: experimentId,
      key: "team",
      value: "retention",
    });
    const tagged = await get("/experiments/get", { experiment_id: experimentId });
    expect(tagged.json.experiment.tags).toEqual([{ key: "team", value: "retention" }]);
  });

  it("start_run: CreateRun with the client's context tags returns the full Run", async () => {
    // RestStore.create_run: CreateRun(experiment_id=str(...), user_id, start_time, tags, run_name);
    // the fluent API's context tags (mlflow/tracking/context) come along.
    const created = await post("/runs/create", {
      experiment_id: experimentId,
      user_id: "alice",
      run_name: "logreg",
      start_time: t0,
      tags: [
        { key: "mlflow.user", value: "alice" },
        { key: "mlflow.source.name", value: "train.py" },
        { key: "mlflow.source.type", value: "LOCAL" },
        { key: "mlflow.source.git.commit", value: "0123abc" },
      ],
    });
    expect(created.status, created.text).toBe(200);
    const run = created.json.run;
    runId = run.info.run_id;
    expect(runId).toMatch(runIdPattern);
    expect(Object.keys(created.json)).toEqual(["run"]);
    expect(run.info).toEqual({
      run_uuid: runId,
      experiment_id: experimentId,
      run_name: "logreg",
      user_id: "alice",
      status: "RUNNING",
      start_time: t0,
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: "active",
      run_id: runId,
    });
    // end_time is unset while running, so protobuf JSON leaves it out; metrics and params are empty lists.
    expect(run.info).not.toHaveProperty("end_time");
    expect(run.data).not.toHaveProperty("metrics");
    expect(run.data).not.toHaveProperty("params");
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: "mlflow.user", value: "alice" },
        { key: "mlflow.source.name", value: "train.py" },
        { key: "mlflow.source.type", value: "LOCAL" },
        { key: "mlflow.source.git.commit", value: "0123abc" },
        { key: "mlflow.runName", value: "logreg" },
      ]),
    );
    expect(run.inputs).toEqual({});
  });

  it("log_param, log_metric (NaN included), set_tag and log_batch answer with empty messages", async () => {
    // RestStore.log_param: LogParam(run_uuid=run_id, run_id=run_id, key, value).
    const param = await post("/runs/log-parameter", {
      run_uuid: runId,
      key: "C",
      value: "1.0",
      run_id: runId,
    });
    expect(param.status, param.text).toBe(200);
    expect(param.json).toEqual({});
    // RestStore.log_metric: LogMetric(run_uuid, run_id, key, value, timestamp, step).
    for (const [value, step] of [
      [0.8, 0],
      [0.85, 1],
    ] as const) {
      const r = await post("/runs/log-metric", {
        run_uuid: runId,
        key: "auc",
        value,
        timestamp: t0 + 1 + step,
        step,
        run_id: runId,
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json).toEqual({});
    }
    // A NaN double is written "NaN" by protobuf's JSON printer.
    const nan = await post("/runs/log-metric", {
      run_uuid: runId,
      key: "loss",
      value: "NaN",
      timestamp: t0 + 5,
      step: 0,
      run_id: runId,
    });
    expect(nan.status, nan.text).toBe(200);
    // RestStore.set_tag: SetTag(run_uuid, run_id, key, value).
    expect(
      (await post("/runs/set-tag", { run_uuid: runId, key: "stage", value: "dev", run_id: runId })).json,
    ).toEqual({});
    // RestStore.log_batch: LogBatch(metrics, params, tags, run_id); Metric.to_proto always sets step.
    const batch = await post("/runs/log-batch", {
      run_id: runId,
      metrics: [
        { key: "f1", value: 0.7, timestamp: t0 + 6, step: 0 },
        { key: "inf", value: "Infinity", timestamp: t0 + 6, step: 0 },
      ],
      params: [{ key: "penalty", value: "l2" }],
      tags: [{ key: "mlflow.note.content", value: "first try" }],
    });
    expect(batch.status, batch.text).toBe(200);
    expect(batch.json).toEqual({});
  });

  it("get_run returns info and data (metrics as latest values, params and tags as key/value lists)", async () => {
    // RestStore.get_run: GetRun(run_uuid=run_id, run_id=run_id) over GET.
    const r = await get("/runs/get", { run_uuid: runId, run_id: runId });
    expect(r.status).toBe(200);
    const { info, data } = r.json.run;
    expect(info.status).toBe("RUNNING");
    const metrics = Object.fromEntries(data.metrics.map((m: { key: string }) => [m.key, m]));
    expect(metrics.auc).toEqual({ key: "auc", value: 0.85, timestamp: t0 + 2, step: 1 });
    expect(metrics.loss).toEqual({ key: "loss", value: "NaN", timestamp: t0 + 5, step: 0 });
    expect(metrics.inf.value).toBe("Infinity");
    expect(metrics.f1).toEqual({ key: "f1", value: 0.7, timestamp: t0 + 6, step: 0 });
    expect(data.params).toEqual(
      expect.arrayContaining([
        { key: "C", value: "1.0" },
        { key: "penalty", value: "l2" },
      ]),
    );
    expect(data.params).toHaveLength(2);
    expect(data.tags).toEqual(
      expect.arrayContaining([
        { key: "stage", value: "dev" },
        { key: "mlflow.note.content", value: "first try" },
      ]),
    );
    // The raw text carries int64s as JSON numbers and the NaN as a string, exactly.
    expect(r.text).toContain(`"start_time":${t0}`);
    expect(r.text).toContain('"value":"NaN"');
  });

  it("get_metric_history lists every value in order", async () => {
    // RestStore.get_metric_history: GetMetricHistory(run_uuid, run_id, metric_key, max_results, page_token).
    const r = await get("/metrics/get-history", { run_uuid: runId, run_id: runId, metric_key: "auc" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      metrics: [
        { key: "auc", value: 0.8, timestamp: t0 + 1, step: 0 },
        { key: "auc", value: 0.85, timestamp: t0 + 2, step: 1 },
      ],
    });
    const none = await get("/metrics/get-history", { run_id: runId, metric_key: "never-logged" });
    expect(none.json).toEqual({});
  });

  it("end_run: UpdateRun returns run_info with the end time; renaming through the tag works", async () => {
    // RestStore.update_run_info: UpdateRun(run_uuid, run_id, status, end_time, run_name).
    const r = await post("/runs/update", {
      run_uuid: runId,
      status: "FINISHED",
      end_time: t0 + 100,
      run_id: runId,
    });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.json)).toEqual(["run_info"]);
    expect(r.json.run_info).toMatchObject({ run_id: runId, status: "FINISHED", end_time: t0 + 100 });
    await post("/runs/set-tag", { run_id: runId, key: "mlflow.runName", value: "logreg-v2" });
    expect((await get("/runs/get", { run_id: runId })).json.run.info.run_name).toBe("logreg-v2");
  });

  it("search_runs filters, orders and pages; next_page_token appears only when there is more", async () => {
    for (const [name, auc] of [
      ["b", 0.9],
      ["c", 0.7],
    ] as const) {
      const created = await post("/runs/create", {
        experiment_id: experimentId,
        run_name: name,
        start_time: t0,
      });
      await post("/runs/log-metric", {
        run_id: created.json.run.info.run_id,
        key: "auc",
        value: auc,
        timestamp: t0,
        step: 0,
      });
    }
    // RestStore.search_runs: SearchRuns(experiment_ids, filter, run_view_type, max_results, order_by, page_token).
    const all = await post("/runs/search", {
      experiment_ids: [experimentId],
      filter: "metrics.auc > 0.75",
      run_view_type: "ACTIVE_ONLY",
      max_results: 1000,
      order_by: ["metrics.auc DESC"],
    });
    expect(all.status, all.text).toBe(200);
    expect(all.json.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual([
      "b",
      "logreg-v2",
    ]);
    expect(all.json).not.toHaveProperty("next_page_token");

    const page1 = await post("/runs/search", {
      experiment_ids: [experimentId],
      max_results: 2,
      order_by: ["metrics.auc DESC"],
    });
    expect(page1.json.runs).toHaveLength(2);
    expect(typeof page1.json.next_page_token).toBe("string");
    const page2 = await post("/runs/search", {
      experiment_ids: [experimentId],
      max_results: 2,
      order_by: ["metrics.auc DESC"],
      page_token: page1.json.next_page_token,
    });
    expect(page2.json.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(["c"]);
    expect(page2.json).not.toHaveProperty("next_page_token");

    const none = await post("/runs/search", { experiment_ids: [experimentId], filter: "metrics.auc > 5" });
    expect(none.json).toEqual({});
    const bad = await post("/runs/search", { experiment_ids: [experimentId], filter: "metrics.auc >>> 1" });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("delete_run and restore_run move the lifecycle stage; search hides deleted runs", async () => {
    expect((await post("/runs/delete", { run_id: runId })).json).toEqual({});
    expect((await get("/runs/get", { run_id: runId })).json.run.info.lifecycle_stage).toBe("deleted");
    const active = await post("/runs/search", { experiment_ids: [experimentId] });
    expect(active.json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).not.toContain(runId);
    const deleted = await post("/runs/search", {
      experiment_ids: [experimentId],
      run_view_type: "DELETED_ONLY",
    });
    expect(deleted.json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
    expect((await post("/runs/restore", { run_id: runId })).json).toEqual({});
  });

  it("experiments: search (POST and GET), rename, delete and restore", async () => {
    // RestStore.search_experiments: SearchExperiments(view_type, max_results, page_token, order_by, filter).
    const found = await post("/experiments/search", { view_type: "ACTIVE_ONLY", max_results: 1000 });
    expect(found.json.experiments.map((e: { name: string }) => e.name)).toContain("churn");
    const viaGet = await get("/experiments/search", { max_results: "10", view_type: "ALL" });
    expect(viaGet.status).toBe(200);
    expect(viaGet.json.experiments.map((e: { experiment_id: string }) => e.experiment_id)).toContain(
      experimentId,
    );
    // RestStore.rename_experiment: UpdateExperiment(experiment_id, new_name).
    expect(
      (await post("/experiments/update", { experiment_id: experimentId, new_name: "churn-2" })).json,
    ).toEqual({});
    expect((await get("/experiments/get", { experiment_id: experimentId })).json.experiment.name).toBe(
      "churn-2",
    );
    expect((await post("/experiments/delete", { experiment_id: experimentId })).json).toEqual({});
    expect(
      (await get("/experiments/get", { experiment_id: experimentId })).json.experiment.lifecycle_stage,
    ).toBe("deleted");
    expect((await post("/experiments/restore", { experiment_id: experimentId })).json).toEqual({});
  });

  it("a client that never chose an experiment logs to experiment 0 (MLflow's Default)", async () => {
    const created = await post("/runs/create", { experiment_id: "0", start_time: t0 });
    expect(created.status, created.text).toBe(200);
    const e = await get("/experiments/get", { experiment_id: created.json.run.info.experiment_id });
    expect(e.json.experiment.name).toBe("Default");
  });

  it("errors: MLflow's codes, statuses and wording for missing and wrong parameters", async () => {
    const missingRun = await get("/runs/get", { run_id: "0".repeat(32) });
    expect(missingRun.status).toBe(404);
    expect(missingRun.json.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const noKey = await post("/runs/log-metric", { run_id: "0".repeat(32), value: 1, timestamp: t0 });
    expect(noKey.status).toBe(400);
    expect(noKey.json).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message:
        "Missing value for required parameter 'key'. See the API docs for more information about request parameters.",
    });
    const wrongType = await post("/experiments/create", { name: ["x"] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(wrongType.json.message).toContain("'name'");
    const tooMany = await post("/runs/log-batch", {
      run_id: runId,
      params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.message).toContain("at most 100 params");
  });
});

describe("MLflow model registry session (register_model, aliases, search)", () => {
  let runId: string;
  let experimentId: string;

  beforeAll(async () => {
    experimentId = (await post("/experiments/create", { name: "registry" })).json.experiment_id;
    runId = (await post("/runs/create", { experiment_id: experimentId, start_time: t0 })).json.run.info
      .run_id;
    // Artifacts reach mlship through its own logging; MLflow's artifact upload is not served.
    await logModelArtifact(s.store, runId);
  });

  it("register_model: create the registered model, then a version from the run's artifact", async () => {
    // model_registry RestStore.create_registered_model: CreateRegisteredModel(name, tags, description).
    const created = await post("/registered-models/create", { name: "churn" });
    expect(created.status, created.text).toBe(200);
    expect(created.json.registered_model).toEqual({
      name: "churn",
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
    });
    const again = await post("/registered-models/create", { name: "churn" });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe("RESOURCE_ALREADY_EXISTS");

    // The client resolves runs:/<id>/<path> to the run's artifact_uri + path before sending it.
    const source = `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model.mlship`;
    const v = await post("/model-versions/create", {
      name: "churn",
      source,
      run_id: runId,
      description: "first",
    });
    expect(v.status, v.text).toBe(200);
    expect(v.json.model_version).toEqual({
      name: "churn",
      version: "1",
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      current_stage: "None",
      description: "first",
      source,
      run_id: runId,
      status: "READY",
    });
    const v2 = await post("/model-versions/create", {
      name: "churn",
      source: `runs:/${runId}/model.mlship`,
      tags: [{ key: "k", value: "v" }],
    });
    expect(v2.status, v2.text).toBe(200);
    expect(v2.json.model_version).toMatchObject({ version: "2", tags: [{ key: "k", value: "v" }], source });

    const elsewhere = await post("/model-versions/create", { name: "churn", source: "s3://bucket/model" });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("aliases: set, get by alias, appear on the model and the version, delete", async () => {
    // RestStore.set_registered_model_alias: SetRegisteredModelAlias(name, alias, version=str).
    const set = await post("/registered-models/alias", { name: "churn", alias: "challenger", version: "1" });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toEqual({});
    const byAlias = await get("/registered-models/alias", { name: "churn", alias: "challenger" });
    expect(byAlias.json.model_version).toMatchObject({
      name: "churn",
      version: "1",
      aliases: ["challenger"],
    });
    const model = await get("/registered-models/get", { name: "churn" });
    expect(model.json.registered_model.aliases).toEqual([{ alias: "challenger", version: "1" }]);
    expect(model.json.registered_model.latest_versions).toEqual([
      expect.objectContaining({ version: "2", current_stage: "None" }),
    ]);

    // Champion is guarded by the spec's threshold: INVALID_STATE, as a 409 that clients do not retry.
    const guarded = await post("/registered-models/alias", {
      name: "churn",
      alias: "champion",
      version: "1",
    });
    expect(guarded.status).toBe(409);
    expect(guarded.json.error_code).toBe("INVALID_STATE");

    // RestStore.delete_registered_model_alias sends a JSON body with DELETE.
    const del = await s.call("DELETE", `${api}/registered-models/alias`, {
      name: "churn",
      alias: "challenger",
    });
    expect(del.status, del.text).toBe(200);
    const gone = await get("/registered-models/alias", { name: "churn", alias: "challenger" });
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("search, update, rename and delete models and versions", async () => {
    const models = await get("/registered-models/search", { max_results: "100" });
    expect(models.json.registered_models.map((m: { name: string }) => m.name)).toEqual(["churn"]);
    const versions = await get("/model-versions/search", { filter: "name='churn'" });
    expect(versions.json.model_versions.map((v: { version: string }) => v.version).sort()).toEqual([
      "1",
      "2",
    ]);
    const updated = await s.call("PATCH", `${api}/model-versions/update`, {
      name: "churn",
      version: "2",
      description: "better",
    });
    expect(updated.json.model_version.description).toBe("better");
    const described = await s.call("PATCH", `${api}/registered-models/update`, {
      name: "churn",
      description: "churn model",
    });
    expect(described.json.registered_model.description).toBe("churn model");
    const renamed = await post("/registered-models/rename", { name: "churn", new_name: "churn-v2" });
    expect(renamed.json.registered_model.name).toBe("churn-v2");
    const got = await get("/model-versions/get", { name: "churn-v2", version: "1" });
    expect(got.json.model_version.name).toBe("churn-v2");
    expect(
      (await s.call("DELETE", `${api}/model-versions/delete`, { name: "churn-v2", version: "1" })).json,
    ).toEqual({});
    expect((await get("/model-versions/get", { name: "churn-v2", version: "1" })).status).toBe(404);
    expect((await s.call("DELETE", `${api}/registered-models/delete`, { name: "churn-v2" })).json).toEqual(
      {},
    );
    expect((await get("/registered-models/get", { name: "churn-v2" })).json.error_code).toBe(
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});
