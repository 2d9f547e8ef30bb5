import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { isLoopback } from "../../serve/address.js";
import { openStore, resolveStorePath } from "../../store/index.js";
import { say, yellow } from "../output.js";

interface ServeOptions {
  host: string;
  port: string;
  store?: string;
  logLevel: string;
  model?: string;
  maxRows: string;
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
    .action(async (opts: ServeOptions) => {
      const port = portOf(opts.port);
      const maxRows = maxRowsOf(opts.maxRows);
      const store = await openStore(resolveStorePath({ store: opts.store }));
      // Fastify and its plugins are only loaded for `serve`, so every other command starts faster.
      const { buildServer } = await import("../../serve/index.js");
      const app = await buildServer({
        store,
        logger: { level: opts.logLevel },
        actor: "api",
        maxRows,
        ...(opts.model === undefined ? {} : { defaultModel: opts.model }),
      });
      // Until API keys exist (the serving issue), anyone who reaches the port can change runs and models.
      if (!isLoopback(opts.host)) {
        say(
          yellow(
            `warning: listening on ${opts.host} without authentication: anyone who can reach this address can ` +
              "read and change runs, models and aliases. Bind 127.0.0.1, or put an authenticating proxy in front.",
          ),
        );
      }
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
