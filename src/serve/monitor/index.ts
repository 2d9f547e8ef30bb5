/**
 * Monitoring in the server: the request stats hook and the monitor service (the check loop, its alerts
 * and webhooks, and the /api/v1/monitor routes' work), started with the server and stopped with it.
 */
import type { FastifyInstance } from "fastify";
import { MonitorService, type MonitorServiceOptions } from "../../monitor/index.js";
import type { Store } from "../../store/index.js";
import type { ModelHost } from "../predict/index.js";
import { RequestStats } from "./stats.js";

export { RequestStats } from "./stats.js";

export interface ServerMonitorOptions extends Omit<MonitorServiceOptions, "log"> {
  /** How often request counts are written, in ms; default 15,000. */
  statsFlushMs?: number;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The server's monitoring and its request counts (absent when monitoring is off). */
    monitor?: MonitorService;
    requestStats?: RequestStats;
  }
}

export function registerMonitoring(
  app: FastifyInstance,
  store: Store,
  host: ModelHost,
  options: ServerMonitorOptions = {},
): MonitorService {
  const { statsFlushMs, ...rest } = options;
  const monitor = new MonitorService(store, { ...rest, log: app.log });
  const stats = new RequestStats(
    (process, rows) => monitor.writeStats(process, rows),
    { flushMs: statsFlushMs ?? 15_000, defaultModel: () => host.defaultModel() },
    (err) => app.log.warn({ err }, "monitor: request stats not written; will retry"),
  );
  app.decorate("monitor", monitor);
  app.decorate("requestStats", stats);
  app.addHook("onResponse", (request, reply, done) => {
    stats.answered(request, reply);
    done();
  });
  app.addHook("onReady", async () => stats.start());
  // Once listening, and not awaited: the thread opens the store and the loop lists models while the
  // server answers; requests sent to the thread meanwhile wait in its queue.
  app.addHook("onListen", async () => {
    void monitor.start().catch((err: unknown) => app.log.error({ err }, "monitor: could not start"));
  });
  app.addHook("onClose", async () => {
    await stats.close();
    await monitor.close();
  });
  return monitor;
}
