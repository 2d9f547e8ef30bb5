/** The data stage: every source of a spec read, combined, described and fingerprinted. */
import type { Frame } from "../core/frame.js";
import type { Source, Spec } from "../spec/schema.js";
import { concatFrames, joinFrames } from "./combine.js";
import { readFile } from "./file.js";
import { fingerprint } from "./fingerprint.js";
import { readHttp, redactUrl } from "./http.js";
import { inferSchema } from "./infer.js";
import { describePostgresUrl, postgresUrl, readPostgres } from "./postgres.js";
import type { DatasetSchema } from "./schema.js";
import { readSqlite } from "./sqlite.js";

export interface Dataset {
  frame: Frame;
  schema: DatasetSchema;
  /** sha256 of the content in a canonical encoding; see fingerprint.ts. */
  fingerprint: string;
  /** One human description per source, free of secrets. */
  sources: string[];
}

export type CollectProgress =
  | { phase: "source"; index: number; total: number; description: string }
  | { phase: "sourceDone"; index: number; total: number; description: string; rows: number }
  | { phase: "page"; index: number; page: number; rows: number }
  | { phase: "combine"; total: number };

export interface CollectOptions {
  /** Folder that relative file paths resolve against (the spec file's folder). */
  baseDir: string;
  /** Where urlEnv / tokenEnv are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: CollectProgress) => void;
  /** First HTTP retry delay in ms (default 500). */
  httpRetryBaseMs?: number;
}

/** A description of a source for logs and reports, with no credentials in it. */
export function describeSource(source: Source, env: NodeJS.ProcessEnv = process.env): string {
  switch (source.kind) {
    case "file":
      return `file ${source.path}${source.format ? ` (${source.format})` : ""}`;
    case "sqlite":
      return `sqlite ${source.path} ${source.table !== undefined ? `table ${source.table}` : `query ${source.query}`}`;
    case "postgres": {
      const url = env[source.urlEnv];
      return `postgres $${source.urlEnv}${url ? ` (${describePostgresUrl(url)})` : ""} query ${source.query}`;
    }
    case "http":
      return `http ${redactUrl(source.url)} (${source.format}${source.paging ? `, ${source.paging.type} paging` : ""})`;
  }
}

async function readSource(
  source: Source,
  index: number,
  options: CollectOptions,
  env: NodeJS.ProcessEnv,
): Promise<Frame> {
  switch (source.kind) {
    case "file":
      return readFile(source.path, {
        baseDir: options.baseDir,
        format: source.format,
        delimiter: source.delimiter,
      });
    case "sqlite":
      return readSqlite(source.path, { baseDir: options.baseDir, table: source.table, query: source.query });
    case "postgres":
      // Resolved first so an unset variable fails before any connection attempt.
      postgresUrl(source.urlEnv, env);
      return readPostgres({ query: source.query, urlEnv: source.urlEnv, env });
    case "http":
      return readHttp(source.url, {
        format: source.format,
        tokenEnv: source.tokenEnv,
        recordsPath: source.recordsPath,
        paging: source.paging,
        timeoutMs: source.timeoutMs,
        retries: source.retries,
        retryBaseMs: options.httpRetryBaseMs,
        env,
        onPage: (page, rows) => options.onProgress?.({ phase: "page", index, page, rows }),
      });
  }
}

export async function collect(spec: Pick<Spec, "data">, options: CollectOptions): Promise<Dataset> {
  const env = options.env ?? process.env;
  const sources = spec.data.sources;
  const descriptions = sources.map((s) => describeSource(s, env));
  const frames: Frame[] = [];
  for (const [index, source] of sources.entries()) {
    const description = descriptions[index];
    options.onProgress?.({ phase: "source", index, total: sources.length, description });
    const frame = await readSource(source, index, options, env);
    frames.push(frame);
    options.onProgress?.({
      phase: "sourceDone",
      index,
      total: sources.length,
      description,
      rows: frame.nRows,
    });
  }
  let frame = frames[0];
  if (frames.length > 1) {
    options.onProgress?.({ phase: "combine", total: frames.length });
    const labels = descriptions.map((d, k) => `source ${k + 1} (${d})`);
    const combine = spec.data.combine;
    frame =
      combine.type === "join"
        ? joinFrames(frames, combine.on, combine.how, labels)
        : concatFrames(frames, labels);
  }
  return { frame, schema: inferSchema(frame), fingerprint: fingerprint(frame), sources: descriptions };
}
