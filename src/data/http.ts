/**
 * Rows from an HTTP API: a JSON array (optionally wrapped, see `recordsPath`) or NDJSON, with bearer
 * authentication from an environment variable, paging by a next link or a page parameter, a timeout per
 * request and retries with exponential backoff on network errors, timeouts, 5xx and 429.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { MlshipError } from "../core/errors.js";
import type { Frame } from "../core/frame.js";
import { frameFromRecords } from "./values.js";

export type HttpPaging =
  | { type: "next"; nextPath?: string }
  | { type: "page"; param?: string; start?: number; maxPages?: number };

export interface ReadHttpOptions {
  format?: "json" | "ndjson";
  /** Name of the environment variable holding a bearer token. */
  tokenEnv?: string;
  /** Dotted path to the rows inside a JSON body, e.g. "data" or "results.items". */
  recordsPath?: string;
  paging?: HttpPaging;
  timeoutMs?: number;
  retries?: number;
  /** First retry delay; doubles on each further retry (default 500 ms). */
  retryBaseMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Called after each page with the rows read so far. */
  onPage?: (page: number, rows: number) => void;
}

/** The URL without credentials or query values, safe for logs and descriptions. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, "…");
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

function dig(body: unknown, path: string): unknown {
  let cur = body;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const retryable = (status: number): boolean => status === 429 || status >= 500;

interface Page {
  records: Record<string, unknown>[];
  body: unknown;
}

async function fetchWithRetry(
  url: string,
  headers: Record<string, string>,
  o: Required<Pick<ReadHttpOptions, "timeoutMs" | "retries" | "retryBaseMs">>,
): Promise<Response> {
  const where = redactUrl(url);
  for (let attempt = 0; ; attempt++) {
    let failure: MlshipError;
    let retryAfterMs = 0;
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(o.timeoutMs) });
      if (res.ok) return res;
      await res.body?.cancel();
      failure = new MlshipError({
        what: `HTTP ${res.status} ${res.statusText} from the data API${attempt > 0 ? ` after ${attempt + 1} attempts` : ""}`,
        where,
        fix:
          res.status === 401 || res.status === 403
            ? "check the token (tokenEnv) and its permissions"
            : res.status === 404
              ? "check the URL"
              : "the server failed; try again later or raise retries",
        code: "E_DATA_HTTP_STATUS",
        data: { status: res.status },
      });
      if (!retryable(res.status)) throw failure;
      const header = res.headers.get("retry-after");
      if (header && /^\d+$/.test(header)) retryAfterMs = Number(header) * 1000;
    } catch (err) {
      if (err instanceof MlshipError && !retryable((err.data as { status: number }).status)) throw err;
      if (err instanceof MlshipError) failure = err;
      else if ((err as Error).name === "TimeoutError") {
        failure = new MlshipError(
          {
            what: `the data API did not answer within ${o.timeoutMs} ms${attempt > 0 ? ` (${attempt + 1} attempts)` : ""}`,
            where,
            fix: "check that the server is up, or raise timeoutMs on the source",
            code: "E_DATA_HTTP_TIMEOUT",
          },
          { cause: err },
        );
      } else {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        failure = new MlshipError(
          {
            what: `cannot reach the data API: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
            where,
            fix: "check the URL and the network",
            code: "E_DATA_HTTP_NETWORK",
          },
          { cause: err },
        );
      }
    }
    if (attempt >= o.retries) throw failure;
    await sleep(Math.max(retryAfterMs, o.retryBaseMs * 2 ** attempt));
  }
}

async function readPage(
  url: string,
  headers: Record<string, string>,
  options: ReadHttpOptions,
  o: Required<Pick<ReadHttpOptions, "timeoutMs" | "retries" | "retryBaseMs">>,
): Promise<Page> {
  const res = await fetchWithRetry(url, headers, o);
  const where = redactUrl(url);
  const text = await res.text();
  if ((options.format ?? "json") === "ndjson") {
    const records: Record<string, unknown>[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new MlshipError({
          what: `line ${i + 1} of the NDJSON response is not valid JSON`,
          where: `${where}, line ${i + 1}`,
          fix: "the API must send one JSON object per line (or set format: json)",
          code: "E_DATA_HTTP_BODY",
        });
      }
      records.push(asRecord(value, where, i + 1));
    }
    return { records, body: undefined };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MlshipError({
      what: "the response is not valid JSON",
      where,
      fix: "check the URL; for one JSON object per line set format: ndjson",
      code: "E_DATA_HTTP_BODY",
    });
  }
  const rows = options.recordsPath ? dig(body, options.recordsPath) : body;
  if (!Array.isArray(rows)) {
    const keys =
      body && typeof body === "object" && !Array.isArray(body)
        ? Object.keys(body).filter((k) => Array.isArray((body as Record<string, unknown>)[k]))
        : [];
    throw new MlshipError({
      what: options.recordsPath
        ? `recordsPath "${options.recordsPath}" does not lead to an array in the response`
        : "the response is not a JSON array",
      where,
      fix:
        keys.length > 0
          ? `set recordsPath to one of: ${keys.join(", ")}`
          : "set recordsPath to where the rows are",
      code: "E_DATA_HTTP_BODY",
    });
  }
  return { records: rows.map((r, i) => asRecord(r, where, i + 1)), body };
}

function asRecord(value: unknown, where: string, index: number): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MlshipError({
      what: `record ${index} of the response is not a JSON object`,
      where,
      fix: "the API must return objects, one per row",
      code: "E_DATA_HTTP_BODY",
    });
  }
  return value as Record<string, unknown>;
}

const maxNextPages = 100_000;

export async function readHttp(url: string, options: ReadHttpOptions = {}): Promise<Frame> {
  const env = options.env ?? process.env;
  const headers: Record<string, string> = {
    accept: options.format === "ndjson" ? "application/x-ndjson" : "application/json",
  };
  if (options.tokenEnv) {
    const token = env[options.tokenEnv];
    if (!token) {
      throw new MlshipError({
        what: `environment variable ${options.tokenEnv} is not set`,
        where: `data source of kind http (tokenEnv: ${options.tokenEnv}) for ${redactUrl(url)}`,
        fix: `export ${options.tokenEnv}=<token> before running`,
        code: "E_DATA_ENV_UNSET",
      });
    }
    headers.authorization = `Bearer ${token}`;
  }
  const o = {
    timeoutMs: options.timeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 500,
  };
  const records: Record<string, unknown>[] = [];
  const paging = options.paging;
  if (!paging) {
    records.push(...(await readPage(url, headers, options, o)).records);
    options.onPage?.(1, records.length);
  } else if (paging.type === "next") {
    if (options.format === "ndjson") {
      throw new MlshipError({
        what: "next-link paging needs a JSON body to find the link in",
        where: redactUrl(url),
        fix: "use format: json, or paging type: page",
        code: "E_DATA_HTTP_CONFIG",
      });
    }
    const nextPath = paging.nextPath ?? "next";
    const seen = new Set<string>();
    let next: string | null = url;
    while (next !== null) {
      if (seen.has(next) || seen.size >= maxNextPages) {
        throw new MlshipError({
          what: "the API's next links loop back to a page already read",
          where: redactUrl(next),
          fix: `check what the API returns at "${nextPath}"`,
          code: "E_DATA_HTTP_PAGING",
        });
      }
      seen.add(next);
      const page = await readPage(next, headers, options, o);
      for (const r of page.records) records.push(r);
      options.onPage?.(seen.size, records.length);
      const link = dig(page.body, nextPath);
      next = typeof link === "string" && link !== "" ? new URL(link, next).toString() : null;
    }
  } else {
    const param = paging.param ?? "page";
    const start = paging.start ?? 1;
    const maxPages = paging.maxPages ?? 1000;
    for (let k = 0; k < maxPages; k++) {
      const u = new URL(url);
      u.searchParams.set(param, String(start + k));
      const page = await readPage(u.toString(), headers, options, o);
      if (page.records.length === 0) break;
      for (const r of page.records) records.push(r);
      options.onPage?.(k + 1, records.length);
    }
  }
  if (records.length === 0) {
    throw new MlshipError({
      what: "the data API returned no rows",
      where: redactUrl(url),
      fix: "check the URL, recordsPath and paging",
      code: "E_DATA_EMPTY",
    });
  }
  return frameFromRecords(records);
}
