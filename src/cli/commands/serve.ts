import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import type { FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import { isLoopback } from "../../serve/address.js";
import { authEnabled, defaultRateLimit } from "../../serve/auth/index.js";
import { send, workerSlot } from "../../serve/cluster/worker.js";
import { loadSpec, type MonitoringSpec } from "../../spec/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import { say, yellow } from "../output.js";

interface ServeOptions {
  host: string;
  port: string;
  store?: string;
  logLevel: string;
  model?: string;
  maxRows: string;
  bodyLimit: string;
  insecure?: boolean;
  rateLimit: string;
  corsOrigin?: string;
  tlsCert?: string;
  tlsKey?: string;
  workers: string;
  predictionLog: boolean;
  logQueue: number;
  piiKeyFile?: string;
  spec?: string;
  monitor: boolean;
  watch?: boolean;
}

function logQueueOf(text: string): number {
  const rows = Number(text);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new MlshipError({
      what: `--log-queue must be a whole number of rows of at least 1, got ${text}`,
      fix: "e.g. --log-queue 100000 (predictions are refused with 503 while that many wait for the store)",
      code: "E_USAGE",
    });
  }
  return rows;
}

/** What the command line asks for, checked once (by the primary and again by each worker). */
interface Settings {
  opts: ServeOptions;
  port: number;
  maxRows: number;
  bodyLimit: number;
  rateLimit: number;
  tls: { cert: Buffer; key: Buffer } | undefined;
  workers: number;
}

const maxWorkers = 64;

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

const sizeUnits: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2 };

/** Bytes, or a number of KiB or MiB ("512k", "16m"). */
function bodyLimitOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? sizeUnits[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : Number.NaN;
  if (!(bytes >= 1)) {
    throw new MlshipError({
      what: `--body-limit must be a size in bytes, or with k or m for KiB and MiB, got ${text}`,
      fix: "e.g. --body-limit 16m (JSON bodies above it are refused with 413; CSV and NDJSON batches stream and are not limited)",
      code: "E_USAGE",
    });
  }
  return bytes;
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

function workersOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > maxWorkers) {
    throw new MlshipError({
      what: `--workers must be a whole number from 1 to ${maxWorkers}, got ${text}`,
      fix: "e.g. --workers 2 (one per CPU core at most; 1 serves in this process)",
      code: "E_USAGE",
    });
  }
  return n;
}

/** SIGTERM or SIGINT, listened for before the address is announced: whoever reads it may stop us at once. */
function stopSignal(): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
}

async function listen(
  store: Store,
  s: Settings,
  worker?: string,
): Promise<{ app: FastifyInstance; address: string }> {
  // Fastify and its plugins are only loaded for `serve`, so every other command starts faster.
  const { buildServer } = await import("../../serve/index.js");
  const { opts } = s;
  const app = await buildServer({
    store,
    logger: { level: opts.logLevel },
    actor: "api",
    maxRows: s.maxRows,
    bodyLimit: s.bodyLimit,
    ...(opts.model === undefined ? {} : { defaultModel: opts.model }),
    rateLimit: s.rateLimit,
    ...(opts.corsOrigin === undefined ? {} : { corsOrigin: opts.corsOrigin }),
    ...(s.tls === undefined ? {} : { tls: s.tls }),
    ...(worker === undefined ? {} : { metrics: { worker } }),
    // One process of a cluster runs the check loop; every one counts its requests and answers the API.
    monitor: opts.monitor && {
      loop: worker === undefined || worker === "0",
      monitoring: monitoringOf(opts.spec),
    },
    predictionLog: opts.predictionLog && {
      capacity: opts.logQueue,
      ...(opts.piiKeyFile === undefined ? {} : { piiKeyFile: opts.piiKeyFile }),
    },
  });
  try {
    return { app, address: await app.listen({ host: opts.host, port: s.port }) };
  } catch (err) {
    await app.close();
    throw new MlshipError({
      what: `cannot listen on ${opts.host}:${s.port} (${(err as Error).message})`,
      fix: "choose another --port, or stop the process using this one",
      code: "E_SERVE_LISTEN",
    });
  }
}

/** --store, else MLSHIP_STORE, else the store beside --spec (where `mlship train` wrote), else ./.mlship. */
function storeOf(opts: { store?: string; spec?: string }): string {
  return resolveStorePath({
    store: opts.store,
    ...(opts.spec === undefined ? {} : { baseDir: dirname(resolve(opts.spec)) }),
  });
}

/** The spec's monitoring settings for its model, which win over those stored with the model's profile. */
function monitoringOf(specPath: string | undefined): Record<string, MonitoringSpec> {
  if (specPath === undefined) return {};
  const spec = loadSpec(specPath);
  return { [spec.registry.model ?? spec.name]: spec.monitoring };
}

/** Stop accepting, let in-flight requests finish (and the prediction log flush), then close the store. */
async function drain(app: FastifyInstance, store: Store): Promise<void> {
  // A client that never reads its response would otherwise hold the shutdown open forever.
  const deadline = setTimeout(() => app.server.closeAllConnections(), 10_000).unref();
  await app.close();
  clearTimeout(deadline);
  await store.close();
}

const announce = (storePath: string, address: string, workers: number) =>
  say(
    `mlship serving ${storePath}${workers > 1 ? ` with ${workers} workers` : ""} on ${address} ` +
      `(docs: ${address}/docs, MLflow: ${address}/api/2.0/mlflow)`,
  );

/**
 * One worker of `--workers N`: serves like the single process, but reports to the primary instead of
 * the terminal (the primary prints one error for all), and drains when the primary says so.
 */
async function runWorker(s: Settings, slot: string): Promise<void> {
  // A terminal's Ctrl-C reaches the whole process group; the primary answers it by telling every
  // worker to stop, and a worker ending on its own first would be restarted.
  process.on("SIGINT", () => undefined);
  const stopped = new Promise<void>((resolve) => {
    // SIGTERM to one worker drains it; the primary then starts a fresh one (a rolling restart).
    process.once("SIGTERM", () => resolve());
    process.on("message", (m: unknown) => {
      if ((m as { mlship?: unknown } | null)?.mlship === "stop") resolve();
    });
  });
  let store: Store | undefined;
  let served: { app: FastifyInstance; address: string };
  try {
    store = await openStore(storeOf(s.opts));
    served = await listen(store, s, slot);
  } catch (err) {
    await store?.close().catch(() => undefined);
    const e =
      err instanceof MlshipError
        ? err.toJSON()
        : { what: err instanceof Error ? err.message : String(err), code: "E_INTERNAL" };
    send({ mlship: "failed", error: { what: e.what, where: e.where, fix: e.fix, code: e.code } }, () =>
      process.exit(1),
    );
    return;
  }
  send({ mlship: "ready", address: served.address });
  await stopped;
  await drain(served.app, store);
  // The IPC channel to the primary would keep this process alive.
  process.exit(0);
}

/** `--watch`: the retraining loop on a thread of this process, its rounds printed as they end. */
async function startWatch(opts: ServeOptions, storePath: string): Promise<{ stop(): Promise<void> } | null> {
  if (!opts.watch || opts.spec === undefined) return null;
  const { WatchHost } = await import("../../automate/index.js");
  const { roundLines, stepLines } = await import("./watch.js");
  const host = await WatchHost.start({
    storePath,
    specPath: resolve(opts.spec),
    onRound: (r) => {
      for (const l of roundLines(r)) say(`watch: ${l}`);
    },
    onStep: (step) => {
      for (const l of stepLines(step)) say(`watch: ${l}`);
    },
    onError: (e) => say(yellow(`watch: ${e.what}`)),
  });
  const spec = loadSpec(opts.spec);
  say(`watch: retraining ${spec.registry.model ?? spec.name} by the policy in ${opts.spec}`);
  return host;
}

/** `--watch` needs the spec that holds the policy, and the policy itself; checked before anything starts. */
function checkWatch(opts: ServeOptions): void {
  if (!opts.watch) return;
  if (opts.spec === undefined) {
    throw new MlshipError({
      what: "--watch needs --spec: the spec's retraining section is the policy, and its data what a retraining trains on",
      fix: "mlship serve --watch --spec mlship.yaml",
      code: "E_USAGE",
    });
  }
  if (loadSpec(opts.spec).retraining === undefined) {
    throw new MlshipError({
      what: "the spec has no retraining section, so --watch has nothing to do",
      where: `spec: ${opts.spec}`,
      fix: "add one, e.g.\n  retraining:\n    on: { drift: true }\n(mlship schema lists every field), or drop --watch",
      code: "E_WATCH_NO_POLICY",
    });
  }
}

async function runPrimary(s: Settings, store: Store): Promise<void> {
  const path = store.path;
  // Each worker opens the store itself; the primary only made sure it exists and is migrated.
  await store.close();
  const { WorkerCluster } = await import("../../serve/cluster/primary.js");
  const workers = new WorkerCluster({ workers: s.workers, say });
  const stopped = stopSignal();
  const address = await workers.start();
  announce(path, address, s.workers);
  const watch = await startWatch(s.opts, path);
  const signal = await Promise.race([stopped, workers.failed]);
  say(`${signal}: shutting down`);
  await watch?.stop();
  await workers.stop();
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the server: predictions (JSON, CSV and NDJSON batches, MLflow /invocations), the tracking and registry API (JSON and MLflow REST), /metrics, OpenAPI docs at /docs",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", "5000")
    .option("--store <path>", "the store file (default: MLSHIP_STORE, else .mlship/store.db here)")
    .option(
      "--log-level <level>",
      "log level: fatal, error, warn, info (one line per request), debug, silent",
      "info",
    )
    .option("--model <name>", "default model of /invocations, /ping, /readyz (default: the only one)")
    .option("--max-rows <n>", "most rows in one JSON prediction request", "10000")
    .option(
      "--body-limit <size>",
      "largest JSON (or MLflow CSV) request body, in bytes or with k or m (larger: 413); batches stream unlimited",
      "16m",
    )
    .option(
      "--insecure",
      "allow a non-loopback --host on a store without API keys (anyone reaching it can do anything)",
    )
    .option("--rate-limit <n>", "requests per second per API key (0: no limit)", String(defaultRateLimit))
    .option("--cors-origin <origin>", "let browser pages from this origin call the API (default: none)")
    .option("--tls-cert <file>", "PEM certificate: serve HTTPS (with --tls-key)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option("--workers <n>", `processes serving the port (1-${maxWorkers}); 1 serves in this process`, "1")
    .option("--no-prediction-log", "do not record predictions in the store")
    .option(
      "--log-queue <rows>",
      "prediction rows held in memory for the store before 503s",
      logQueueOf,
      100_000,
    )
    .option(
      "--spec <file>",
      "judge the spec's model by this spec's monitoring section (alerts, webhook, windows); the store defaults to the one beside it",
    )
    .option(
      "--no-monitor",
      "no drift checks, alerts or /api/v1/monitor (request stats are not recorded either)",
    )
    .option(
      "--watch",
      "also run the retraining loop (mlship watch) for the --spec's model, on a thread of this process",
    )
    .option(
      "--pii-key-file <file>",
      "key for hashing PII in the prediction log (default: MLSHIP_PII_KEY_FILE, else ~/.config/mlship/pii.key)",
    )
    .action(async (opts: ServeOptions) => {
      const s: Settings = {
        opts,
        port: portOf(opts.port),
        maxRows: maxRowsOf(opts.maxRows),
        bodyLimit: bodyLimitOf(opts.bodyLimit),
        rateLimit: rateOf(opts.rateLimit),
        tls: tlsOf(opts),
        workers: workersOf(opts.workers),
      };
      const slot = workerSlot();
      if (slot !== undefined) return runWorker(s, slot);
      // A bad spec is reported once, before any worker starts.
      monitoringOf(opts.spec);
      checkWatch(opts);
      const store = await openStore(storeOf(opts));
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
      if (s.workers > 1) return runPrimary(s, store);
      const stopped = stopSignal();
      let served: { app: FastifyInstance; address: string };
      try {
        served = await listen(store, s);
      } catch (err) {
        await store.close();
        throw err;
      }
      announce(store.path, served.address, 1);
      let watch: { stop(): Promise<void> } | null = null;
      try {
        watch = await startWatch(opts, store.path);
      } catch (err) {
        await drain(served.app, store);
        throw err;
      }
      const signal = await stopped;
      say(`${signal}: shutting down`);
      await watch?.stop();
      await drain(served.app, store);
    });
}
