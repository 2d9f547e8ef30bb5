/**
 * `mlship models ...`: the registry from the terminal. Every command finds the store the way training
 * does (--store, MLSHIP_STORE, else .mlship/store.db beside the spec) and records the OS user as the
 * actor of any alias move.
 */
import { existsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import {
  aliasHistory,
  type Criteria,
  championAlias,
  criteriaFromSpec,
  getRegisteredModel,
  type ModelVersion,
  registerRun,
  resolveModelVersion,
  rollbackAlias,
  searchModelVersions,
  searchRegisteredModels,
  setAlias,
} from "../../registry/index.js";
import { defaultSpecFile, loadSpec, type Spec } from "../../spec/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import { bold, dim, formatNumber, green, printJson, say, table, yellow } from "../output.js";

interface CommonOptions {
  store?: string;
  spec?: string;
  json?: boolean;
}

/** The OS user, recorded as who moved an alias. */
export function osUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The spec given with --spec, or mlship.yaml here if there is one: it locates the default store, names
 * the model `register` adds to, and gives the criteria a champion is judged by today.
 */
function specOf(opts: CommonOptions): { spec: Spec; baseDir: string } | null {
  const path = resolve(opts.spec ?? defaultSpecFile);
  if (opts.spec === undefined && !existsSync(path)) return null;
  const spec = loadSpec(path);
  return { spec, baseDir: statSync(path).isDirectory() ? path : dirname(path) };
}

async function withStore<T>(
  opts: CommonOptions,
  fn: (store: Store, spec: Spec | null) => Promise<T>,
): Promise<T> {
  const project = specOf(opts);
  const store = await openStore(resolveStorePath({ store: opts.store, baseDir: project?.baseDir }), {
    create: false,
  });
  try {
    return await fn(store, project?.spec ?? null);
  } finally {
    await store.close();
  }
}

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

function scoreOf(v: ModelVersion): string {
  const e = v.evaluation;
  return e ? `${e.metric} ${formatNumber(e.holdout[e.metric])}` : "-";
}

function printVersion(v: ModelVersion): void {
  say(bold(`${v.name} v${v.version}${v.aliases.length > 0 ? `  @${v.aliases.join(" @")}` : ""}`));
  say(`  registered  ${when(v.createdAt)}`);
  say(`  run         ${v.runId ?? "-"}`);
  say(`  data        ${v.dataFingerprint ?? "-"}`);
  say(`  artifact    sha256 ${v.artifactSha256}`);
  if (v.description) say(`  description ${v.description}`);
  for (const [k, val] of Object.entries(v.tags)) say(`  tag         ${k} = ${val}`);
  const e = v.evaluation;
  if (!e) {
    say(dim("  no evaluation recorded"));
    return;
  }
  const cmp = e.direction === "maximize" ? ">=" : "<=";
  say(
    `  holdout     ${Object.entries(e.holdout)
      .map(([k, x]) => `${k} ${formatNumber(x)}`)
      .join(", ")}`,
  );
  say(
    e.meetsThreshold && e.violations.length === 0
      ? green(`  meets the spec: ${e.metric} ${cmp} ${e.threshold}`)
      : yellow(
          `  does not meet the spec: ${[...(e.meetsThreshold ? [] : [`${e.metric} ${cmp} ${e.threshold}`]), ...e.violations].join("; ")}`,
        ),
  );
}

/** The criteria of today's spec, when the model is the one the spec trains. */
function criteriaFor(spec: Spec | null, name: string): Criteria | undefined {
  return spec && (spec.registry.model ?? spec.name) === name ? criteriaFromSpec(spec) : undefined;
}

export function registerModels(program: Command): void {
  const models = program
    .command("models")
    .description("The model registry: versions, aliases, promotion and rollback");
  const common = (c: Command) =>
    c
      .option("--store <path>", "the store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
      .option(
        "-s, --spec <file>",
        "the spec whose store and model name to use (default: ./mlship.yaml if present)",
      )
      .option("--json", "print JSON on stdout (and nothing else there)");

  common(models.command("list").description("List registered models"))
    .option("--filter <filter>", "e.g. \"name LIKE 'churn%' AND tags.team = 'crm'\"")
    .action(async (opts: CommonOptions & { filter?: string }) => {
      const found = await withStore(opts, async (store) => {
        const all = [];
        let pageToken: string | undefined;
        do {
          const page = await searchRegisteredModels(store, {
            filter: opts.filter,
            maxResults: 1000,
            pageToken,
          });
          all.push(...page.models);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return all;
      });
      if (opts.json) return printJson({ models: found });
      if (found.length === 0) return say("no registered models yet (mlship train registers one)");
      say(
        table(
          ["model", "latest", "aliases", "updated", "description"],
          found.map((m) => [
            m.name,
            m.latestVersion === null ? "-" : `v${m.latestVersion}`,
            Object.entries(m.aliases)
              .map(([a, v]) => `@${a}=v${v}`)
              .join(" "),
            when(m.updatedAt),
            m.description ?? "",
          ]),
        ),
      );
    });

  common(
    models
      .command("show")
      .description("Show a model and its versions, or one version (a number, alias or latest)"),
  )
    .argument("<name>", "registered model")
    .argument("[version]", "version number, alias or latest")
    .action(async (name: string, version: string | undefined, opts: CommonOptions) => {
      if (version !== undefined) {
        const v = await withStore(opts, (store) => resolveModelVersion(store, name, version));
        return opts.json ? printJson({ version: v }) : printVersion(v);
      }
      const { model, versions } = await withStore(opts, async (store) => ({
        model: await getRegisteredModel(store, name),
        versions: (await searchModelVersions(store, { name, maxResults: 1000 })).versions,
      }));
      if (opts.json) return printJson({ model, versions });
      say(bold(model.name) + (model.description ? `: ${model.description}` : ""));
      for (const [k, v] of Object.entries(model.tags)) say(dim(`  ${k} = ${v}`));
      say(
        table(
          ["version", "aliases", "score", "meets spec", "run", "registered"],
          versions.map((v) => [
            `v${v.version}`,
            v.aliases.map((a) => `@${a}`).join(" "),
            scoreOf(v),
            v.evaluation
              ? v.evaluation.meetsThreshold && v.evaluation.violations.length === 0
                ? "yes"
                : "no"
              : "-",
            v.runId?.slice(0, 12) ?? "-",
            when(v.createdAt),
          ]),
        ),
      );
    });

  common(
    models.command("register").description("Register a tracked run's model artifact as the next version"),
  )
    .argument("<run>", "run id")
    .option(
      "--name <name>",
      "registered model (default: the spec's registry.model or name, else the run's experiment)",
    )
    .option("--artifact <path>", "the artifact within the run", "model.mlship")
    .action(async (runId: string, opts: CommonOptions & { name?: string; artifact: string }) => {
      const v = await withStore(opts, (store, spec) =>
        registerRun(store, runId, {
          name: opts.name ?? (spec ? (spec.registry.model ?? spec.name) : undefined),
          artifactPath: opts.artifact,
          actor: osUser(),
        }),
      );
      if (opts.json) return printJson({ version: v });
      say(`registered ${v.name} v${v.version} from run ${runId} (${scoreOf(v)})`);
    });

  common(
    models
      .command("promote")
      .description("Point an alias (default champion) at a version, guarded and audited"),
  )
    .argument("<name>", "registered model")
    .argument("<version>", "version number")
    .option("--alias <alias>", "champion, challenger, fallback or any name", championAlias)
    .option("--reason <text>", "why, recorded in the audit log (required with --force)")
    .option("--force", "override the champion guard (threshold and constraints); needs --reason")
    .action(
      async (
        name: string,
        version: string,
        opts: CommonOptions & { alias: string; reason?: string; force?: boolean },
      ) => {
        const event = await withStore(opts, (store, spec) =>
          setAlias(store, {
            name,
            alias: opts.alias,
            version,
            actor: osUser(),
            reason: opts.reason,
            force: opts.force === true,
            criteria: criteriaFor(spec, name),
          }),
        );
        if (opts.json) return printJson({ event });
        if (!event) return say(`${name} @${opts.alias} already is v${version}; nothing changed`);
        say(
          `${name} @${event.alias}: ${event.fromVersion === null ? "(none)" : `v${event.fromVersion}`} -> v${event.toVersion}` +
            (event.forced ? yellow(" (forced)") : ""),
        );
      },
    );

  common(
    models
      .command("rollback")
      .description("Undo the last move of an alias (default champion); again to go further back"),
  )
    .argument("<name>", "registered model")
    .option("--alias <alias>", "the alias to roll back", championAlias)
    .option("--reason <text>", "why, recorded in the audit log")
    .action(async (name: string, opts: CommonOptions & { alias: string; reason?: string }) => {
      const event = await withStore(opts, (store) =>
        rollbackAlias(store, { name, alias: opts.alias, actor: osUser(), reason: opts.reason }),
      );
      if (opts.json) return printJson({ event });
      say(`${name} @${event.alias} rolled back: v${event.fromVersion ?? "(none)"} -> v${event.toVersion}`);
    });

  common(models.command("history").description("Every alias move of a model: who, when, from, to, why"))
    .argument("<name>", "registered model")
    .option("--alias <alias>", "only this alias")
    .action(async (name: string, opts: CommonOptions & { alias?: string }) => {
      const events = await withStore(opts, (store) => aliasHistory(store, name, opts.alias));
      if (opts.json) return printJson({ events });
      if (events.length === 0) return say(`no alias moves for ${name} yet`);
      const v = (x: number | null) => (x === null ? "-" : `v${x}`);
      say(
        table(
          ["when", "who", "action", "alias", "from", "to", "forced", "reason"],
          events.map((e) => [
            when(e.at),
            e.actor,
            e.action,
            e.alias,
            v(e.fromVersion),
            v(e.toVersion),
            e.forced ? "yes" : "",
            e.reason ?? "",
          ]),
        ),
      );
    });
}
