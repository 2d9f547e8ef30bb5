/**
 * A real server on 127.0.0.1 (a free port) over a real store in a temporary folder, and a small client
 * that returns status, headers and parsed JSON (or the raw text when the body is not JSON).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildServer, type ServerOptions } from "../../src/serve/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { logArtifact } from "../../src/track/index.js";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: responses are asserted field by field in the tests.
  json: any;
}

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  dir: string;
  /** JSON in, JSON out; a string body is sent as is (for malformed JSON). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export async function startServer(options: Partial<Omit<ServerOptions, "store">> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "mlship-serve-"));
  const store = await openStore(join(dir, "store.db"));
  const app = await buildServer({ store, actor: "tester", ...options });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    app,
    store,
    url,
    dir,
    call,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const stackLine = /\n\s+at .+:\d+:\d+\)?/;

/** No stack frame, file path of ours or of Node's internals ever reaches a client. */
export function expectNoLeak(text: string): void {
  if (stackLine.test(text) || text.includes("node:internal") || text.includes("/src/")) {
    throw new Error(`response leaks internals: ${text.slice(0, 500)}`);
  }
}

/** A model artifact in a run, as `mlship train` leaves one, for registering. */
export async function logModelArtifact(store: Store, runId: string): Promise<void> {
  await logArtifact(store, runId, "model.mlship", JSON.stringify({ kind: "test-model", runId }), {
    mediaType: "application/json",
  });
}
