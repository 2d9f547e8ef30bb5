import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { collect, readHttp } from "../../src/data/index.js";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
let server: Server;
let base: string;

const json = (res: ServerResponse, body: unknown, status = 200): void => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const h = routes.get(url.pathname);
    if (h) h(req, res, url);
    else json(res, { error: "not found" }, 404);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  routes.set("/plain", (_q, res) =>
    json(res, [
      { id: 1, plan: "basic", paid: true, at: "2024-01-02T10:00:00Z" },
      { id: 2, plan: "premium", paid: false, at: "2024-01-03" },
      { id: 3, plan: null, at: null },
    ]),
  );
  routes.set("/secure", (req, res) => {
    if (req.headers.authorization !== "Bearer t0ken") return json(res, { error: "unauthorized" }, 401);
    json(res, { data: { items: [{ a: 1 }, { a: 2 }] } });
  });
  // Next-link paging: three pages, the link relative on page 1 and absolute on page 2.
  routes.set("/next", (_q, res, url) => {
    const page = Number(url.searchParams.get("p") ?? 1);
    const next = page === 1 ? "/next?p=2" : page === 2 ? `${base}/next?p=3` : null;
    json(res, { results: [{ n: page * 10 + 1 }, { n: page * 10 + 2 }], meta: { next } });
  });
  routes.set("/pages", (_q, res, url) => {
    const page = Number(url.searchParams.get("page"));
    json(res, page <= 3 ? [{ page }] : []);
  });
  routes.set("/flaky", (_q, res) => {
    if ((hits.get("/flaky") ?? 0) === 1) return json(res, { error: "busy" }, 503);
    json(res, [{ ok: 1 }]);
  });
  routes.set("/down", (_q, res) => json(res, { error: "down" }, 500));
  routes.set("/ndjson", (_q, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end('{"x": 1, "y": "a"}\n{"x": 2.5, "y": "b"}\n\n{"x": null, "y": "a"}\n');
  });
  routes.set("/hang", () => {
    // never answers
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<MlshipError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MlshipError);
  return e as MlshipError;
}

describe("readHttp", () => {
  it("reads a JSON array with types inferred from the values", async () => {
    const f = await readHttp(`${base}/plain`);
    expect(f.types()).toEqual({ id: "numeric", plan: "categorical", paid: "boolean", at: "datetime" });
    expect([...f.numeric("id")]).toEqual([1, 2, 3]);
    expect([...f.categorical("plan").codes]).toEqual([0, 1, -1]);
    const paid = f.column("paid");
    expect(paid.type === "boolean" && [...paid.values]).toEqual([1, 0, -1]);
    const at = f.column("at");
    expect(at.type === "datetime" && [...at.values]).toEqual([
      Date.UTC(2024, 0, 2, 10),
      Date.UTC(2024, 0, 3),
      Number.NaN,
    ]);
  });

  it("sends the bearer token from the environment and digs out the records", async () => {
    const f = await readHttp(`${base}/secure`, {
      tokenEnv: "API_TOKEN",
      env: { API_TOKEN: "t0ken" },
      recordsPath: "data.items",
    });
    expect([...f.numeric("a")]).toEqual([1, 2]);
    const e = await failure(
      readHttp(`${base}/secure`, { tokenEnv: "API_TOKEN", env: { API_TOKEN: "wrong" }, retries: 0 }),
    );
    expect(e.code).toBe("E_DATA_HTTP_STATUS");
    expect(e.what).toContain("401");
    const unset = await failure(readHttp(`${base}/secure`, { tokenEnv: "API_TOKEN", env: {} }));
    expect(unset.code).toBe("E_DATA_ENV_UNSET");
  });

  it("follows next links", async () => {
    const pages: number[] = [];
    const f = await readHttp(`${base}/next?p=1`, {
      recordsPath: "results",
      paging: { type: "next", nextPath: "meta.next" },
      onPage: (p) => pages.push(p),
    });
    expect([...f.numeric("n")]).toEqual([11, 12, 21, 22, 31, 32]);
    expect(pages).toEqual([1, 2, 3]);
  });

  it("walks a page parameter until an empty page, or maxPages", async () => {
    const all = await readHttp(`${base}/pages`, { paging: { type: "page", param: "page", start: 1 } });
    expect([...all.numeric("page")]).toEqual([1, 2, 3]);
    const capped = await readHttp(`${base}/pages`, {
      paging: { type: "page", param: "page", start: 2, maxPages: 1 },
    });
    expect([...capped.numeric("page")]).toEqual([2]);
  });

  it("retries after a 503", async () => {
    hits.delete("/flaky");
    const f = await readHttp(`${base}/flaky`, { retries: 2, retryBaseMs: 10 });
    expect([...f.numeric("ok")]).toEqual([1]);
    expect(hits.get("/flaky")).toBe(2);
  });

  it("gives up on a 5xx after the retries", async () => {
    hits.delete("/down");
    const e = await failure(readHttp(`${base}/down`, { retries: 2, retryBaseMs: 5 }));
    expect(e.code).toBe("E_DATA_HTTP_STATUS");
    expect(hits.get("/down")).toBe(3);
  });

  it("reads NDJSON", async () => {
    const f = await readHttp(`${base}/ndjson`, { format: "ndjson" });
    expect([...f.numeric("x")]).toEqual([1, 2.5, Number.NaN]);
    expect(f.categorical("y").levels).toEqual(["a", "b"]);
  });

  it("times out on a server that never answers, retrying first", async () => {
    hits.delete("/hang");
    const started = Date.now();
    const e = await failure(readHttp(`${base}/hang`, { timeoutMs: 150, retries: 1, retryBaseMs: 10 }));
    expect(e.code).toBe("E_DATA_HTTP_TIMEOUT");
    expect(e.what).toContain("150 ms");
    expect(hits.get("/hang")).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("explains a body without an array", async () => {
    const e = await failure(readHttp(`${base}/secure`, { tokenEnv: "T", env: { T: "t0ken" } }));
    expect(e.code).toBe("E_DATA_HTTP_BODY");
  });

  it("is a collect source described without query values", async () => {
    const ds = await collect(
      {
        data: {
          sources: [
            {
              kind: "http",
              url: `${base}/pages?key=secret`,
              format: "json",
              paging: { type: "page", param: "page", start: 1, maxPages: 10 },
              timeoutMs: 5000,
              retries: 0,
            },
          ],
          combine: { type: "concat" },
        },
      },
      { baseDir: "." },
    );
    expect(ds.frame.nRows).toBe(3);
    expect(ds.sources[0]).not.toContain("secret");
  });
});
