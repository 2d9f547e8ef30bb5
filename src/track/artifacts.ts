/**
 * Run artifacts: a logical path per run pointing at a content-addressed blob, so the same model bytes
 * logged by a run and registered as a version are stored once, and every read is checksum-verified.
 */
import { extname } from "node:path";
import { MlshipError } from "../core/errors.js";
import { getBlob, putBlob, type Store } from "../store/index.js";
import { requireActiveRun } from "./runs.js";
import type { RunArtifact } from "./types.js";

const mediaTypes: Record<string, string> = {
  ".json": "application/json",
  ".mlship": "application/vnd.mlship.model+json",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
};

function checkPath(runId: string, path: unknown): string {
  const bad =
    typeof path !== "string" ||
    path === "" ||
    path.length > 1000 ||
    /[\u0000-\u001f\u007f\\]/.test(path) ||
    path.startsWith("/") ||
    path.split("/").some((part) => part === "" || part === "." || part === "..");
  if (bad) {
    throw new MlshipError({
      what: `${JSON.stringify(path)} is not a valid artifact path`,
      where: `run ${runId}: artifacts`,
      fix: 'use a relative path with "/" between parts and no "." or ".." parts, e.g. "reports/evaluation.json"',
      code: "E_INVALID_ARTIFACT_PATH",
    });
  }
  return path;
}

/** Stores `data` under `path` in the run (replacing what was there). */
export async function logArtifact(
  store: Store,
  runId: string,
  path: string,
  data: Uint8Array | string,
  options: { mediaType?: string } = {},
): Promise<RunArtifact> {
  checkPath(runId, path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mediaType =
    options.mediaType ??
    mediaTypes[extname(path).toLowerCase()] ??
    (typeof data === "string" ? "text/plain" : "application/octet-stream");
  const createdAt = Date.now();
  const sha256 = await store.write(async (trx) => {
    await requireActiveRun(trx, runId);
    const digest = await putBlob(store, bytes, trx);
    const row = {
      run_id: runId,
      path,
      sha256: digest,
      bytes: bytes.byteLength,
      media_type: mediaType,
      created_at: createdAt,
    };
    await trx
      .insertInto("run_artifacts")
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(["run_id", "path"])
          .doUpdateSet({ sha256: digest, bytes: row.bytes, media_type: mediaType, created_at: createdAt }),
      )
      .execute();
    return digest;
  });
  return { path, sha256, bytes: bytes.byteLength, mediaType, createdAt };
}

/** The artifact's bytes, verified against their sha256. */
export async function getArtifact(store: Store, runId: string, path: string): Promise<Uint8Array> {
  const row = await store.db
    .selectFrom("run_artifacts")
    .select("sha256")
    .where("run_id", "=", runId)
    .where("path", "=", path)
    .executeTakeFirst();
  if (!row) {
    const run = await store.db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    throw new MlshipError({
      what: run
        ? `the run ${runId} has no artifact ${JSON.stringify(path)}`
        : `there is no run ${JSON.stringify(runId)} in the store`,
      where: `run ${runId}: artifacts`,
      fix: "list the run's artifacts with `mlship runs show RUN`",
      code: run ? "E_NOT_FOUND_ARTIFACT" : "E_NOT_FOUND_RUN",
    });
  }
  return getBlob(store, row.sha256);
}
