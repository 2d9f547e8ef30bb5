import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { isLoopback } from "../../serve/address.js";
import { authEnabled, defaultRateLimit } from "../../serve/auth/index.js";
import { openStore, resolveStorePath } from "../../store/index.js";
import { say, yellow } from "../output.js";

interface ServeOptions {
  host: string;
  port: string;
  store?: string;
  logLevel: string;
  model?: string;
  maxRows: string;
  insecure?: boolean;
  rateLimit: string;
  corsOrigin?: string;
  tlsCert?: string;
  tlsKey?: string;
}

function rateOf(text: string): number {
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0) {
    throw new MlshipError({
      what: `--rate-limit must be a number of requests per second (0 for none), got ${text}`,
      fix: `e.g. --rate-limit ${defaultRateLimit}`,
      code: "E_USAGE",
    });
  }
  return rate;
}

function tlsOf(opts: ServeOptions): { cert: Buffer; key: Buffer } | undefined {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) return undefined;
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) {
    throw new MlshipError({
      what: "--tls-cert and --tls-key go together",
      fix: "give both: the PEM certificate (chain) and its private key",
      code: "E_USAGE",
    });
  }
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new MlshipError({
        what: `cannot read the TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        fix: "point --tls-cert and --tls-key at readable PEM files",
        code: "E_USAGE",
      });
    }
  };
  return { cert: read(opts.tlsCert, "certificate"), key: read(opts.tlsKey, "key") };
}

function maxRowsOf(text: string): number {
  const rows = Number(text);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new MlshipError({
      what: `--max-rows must be a whole number of at least 1, got ${text}`,
      fix: "e.g. --max-rows 10000 (CSV and NDJSON batches stream and are not limited)",
      code: "E_USAGE",
    });
  }
  return rows;
}

function portOf(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MlshipError({
      what: `--port must be a whole number from 0 to 65535, got ${text}`,
      fix: "e.g. --port 5000 (0 picks a free port)",
      code: "E_USAGE",
    });
  }
  return port;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the tracking and registry server (JSON API, MLflow REST API, OpenAPI docs at /docs)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", "5000")
    .option("--store <path>", "the store file (default: MLSHIP_STORE, else .mlship/store.db here)")
    .option("--log-level <level>", "request log level: fatal, error, warn, info, debug, silent", "info")
    .option("--model <name>", "default model of /invocations, /ping, /readyz (default: the only one)")
    .option("--max-rows <n>", "most rows in one JSON prediction request", "10000")
    .option(
      "--insecure",
      "allow a non-loopback --host on a store without API keys (anyone reaching it can do anything)",
    )
    .option("--rate-limit <n>", "requests per second per API key (0: no limit)", String(defaultRateLimit))
    .option("--cors-origin <origin>", "let browser pages from this origin call the API (default: none)")
    .option("--tls-cert <file>", "PEM certificate: serve HTTPS (with --tls-key)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .action(async (opts: ServeOptions) => {
      const port = portOf(opts.port);
      const maxRows = maxRowsOf(opts.maxRows);
      const rateLimit = rateOf(opts.rateLimit);
      const tls = tlsOf(opts);
      const store = await openStore(resolveStorePath({ store: opts.store }));
      // Without keys the server authenticates no one, which is only safe when no one else can reach it.
      if (!isLoopback(opts.host) && !(await authEnabled(store))) {
        if (!opts.insecure) {
          await store.close();
          throw new MlshipError({
            what: `refusing to listen on ${opts.host}: the store has no API keys, so anyone who can reach this address could read and change runs, models and aliases`,
            where: `store: ${store.path}`,
            fix: "create a key first (mlship keys create NAME --role admin), bind 127.0.0.1, or pass --insecure if something in front authenticates",
            code: "E_SERVE_INSECURE",
          });
        }
        say(
          yellow(
            `warning: listening on ${opts.host} without authentication (--insecure): anyone who can reach this ` +
              "address can read and change runs, models and aliases.",
          ),
        );
      }
      // Fastify and its plugins are only loaded for `serve`, so every other command starts faster.
      const { buildServer } = await import("../../serve/index.js");
      const app = await buildServer({
        store,
        logger: { level: opts.logLevel },
        actor: "api",
        maxRows,
        ...(opts.model === undefined ? {} : { defaultModel: opts.model }),
        rateLimit,
        ...(opts.corsOrigin === undefined ? {} : { corsOrigin: opts.corsOrigin }),
        ...(tls === undefined ? {} : { tls }),
      });
      // Listening for signals before announcing the address: whoever reads it may stop us at once.
      const stopped = new Promise<string>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      let address: string;
      try {
        address = await app.listen({ host: opts.host, port });
      } catch (err) {
        await store.close();
        throw new MlshipError({
          what: `cannot listen on ${opts.host}:${port} (${(err as Error).message})`,
          fix: "choose another --port, or stop the process using this one",
          code: "E_SERVE_LISTEN",
        });
      }
      say(
        `mlship serving ${store.path} on ${address} (docs: ${address}/docs, MLflow: ${address}/api/2.0/mlflow)`,
      );
      const signal = await stopped;
      // Stop accepting, let in-flight requests finish, then close the store: nothing acknowledged is lost.
      say(`${signal}: shutting down`);
      // A client that never reads its response would otherwise hold the shutdown open forever.
      const deadline = setTimeout(() => app.server.closeAllConnections(), 10_000).unref();
      await app.close();
      clearTimeout(deadline);
      await store.close();
    });
}
