/**
 * Versioned schema changes, applied in order inside one write transaction when a store is opened.
 * Migrations are written with Kysely's schema builder and the few types that differ per dialect come
 * from `types`, so PostgreSQL is a second dialect rather than a rewrite. A migration, once released,
 * never changes: new needs get a new version.
 */
import { type CreateTableBuilder, type Kysely, sql } from "kysely";

export type StoreDialect = "sqlite" | "postgres";

interface Types {
  /** Epoch milliseconds and other integers beyond 32 bits. */
  int: "integer" | "bigint";
  real: "real" | "double precision";
  blob: "blob" | "bytea";
}

function types(dialect: StoreDialect): Types {
  return dialect === "sqlite"
    ? { int: "integer", real: "real", blob: "blob" }
    : { int: "bigint", real: "double precision", blob: "bytea" };
}

export interface Migration {
  version: number;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before (and outside) the typed schema.
  up: (db: Kysely<any>, dialect: StoreDialect) => Promise<void>;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "tracking and registry",
    async up(db, dialect) {
      const t = types(dialect);
      // biome-ignore lint/suspicious/noExplicitAny: migrations run before (and outside) the typed schema.
      const serial = (b: CreateTableBuilder<any, any>, name: string) =>
        dialect === "sqlite"
          ? b.addColumn(name, "integer", (c) => c.primaryKey().autoIncrement())
          : b.addColumn(name, "bigserial", (c) => c.primaryKey());

      await serial(db.schema.createTable("experiments"), "experiment_id")
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("description", "text")
        .addColumn("lifecycle_stage", "text", (c) => c.notNull().defaultTo("active"))
        .addColumn("created_at", t.int, (c) => c.notNull())
        .addColumn("updated_at", t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("experiment_tags")
        .addColumn("experiment_id", t.int, (c) => c.notNull().references("experiments.experiment_id"))
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("experiment_tags_pk", ["experiment_id", "key"])
        .execute();

      await db.schema
        .createTable("runs")
        .addColumn("run_id", "text", (c) => c.primaryKey())
        .addColumn("experiment_id", t.int, (c) => c.notNull().references("experiments.experiment_id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("start_time", t.int, (c) => c.notNull())
        .addColumn("end_time", t.int)
        .addColumn("heartbeat_at", t.int, (c) => c.notNull())
        .addColumn("lifecycle_stage", "text", (c) => c.notNull().defaultTo("active"))
        .addColumn("deleted_at", t.int)
        .addColumn("parent_run_id", "text", (c) => c.references("runs.run_id"))
        .addColumn("user", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("runs_experiment")
        .on("runs")
        .columns(["experiment_id", "start_time"])
        .execute();
      await db.schema.createIndex("runs_parent").on("runs").column("parent_run_id").execute();
      await db.schema.createIndex("runs_status").on("runs").columns(["status", "heartbeat_at"]).execute();

      for (const table of ["params", "run_tags"]) {
        await db.schema
          .createTable(table)
          .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("value", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ["run_id", "key"])
          .execute();
      }

      for (const table of ["metrics", "latest_metrics"]) {
        let b = db.schema
          .createTable(table)
          .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("value", t.real)
          .addColumn("is_nan", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("step", t.int, (c) => c.notNull().defaultTo(0))
          .addColumn("timestamp", t.int, (c) => c.notNull());
        if (table === "latest_metrics") b = b.addPrimaryKeyConstraint("latest_metrics_pk", ["run_id", "key"]);
        await b.execute();
      }
      await db.schema
        .createIndex("metrics_run_key")
        .on("metrics")
        .columns(["run_id", "key", "step"])
        .execute();
      await db.schema
        .createIndex("latest_metrics_key_value")
        .on("latest_metrics")
        .columns(["key", "value"])
        .execute();

      await db.schema
        .createTable("run_inputs")
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("context", "text", (c) => c.notNull())
        .addColumn("rows", t.int)
        .addColumn("columns", t.int)
        .addColumn("schema", "text")
        .addColumn("source", "text")
        .addPrimaryKeyConstraint("run_inputs_pk", ["run_id", "name", "digest"])
        .execute();

      await db.schema
        .createTable("blobs")
        .addColumn("sha256", "text", (c) => c.primaryKey())
        .addColumn("bytes", t.int, (c) => c.notNull())
        .addColumn("data", t.blob, (c) => c.notNull())
        .addColumn("created_at", t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("run_artifacts")
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.run_id"))
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("bytes", t.int, (c) => c.notNull())
        .addColumn("media_type", "text", (c) => c.notNull())
        .addColumn("created_at", t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("run_artifacts_pk", ["run_id", "path"])
        .execute();

      await db.schema
        .createTable("registered_models")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("description", "text")
        .addColumn("created_at", t.int, (c) => c.notNull())
        .addColumn("updated_at", t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("registered_model_tags")
        .addColumn("name", "text", (c) => c.notNull().references("registered_models.name"))
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("registered_model_tags_pk", ["name", "key"])
        .execute();
      await db.schema
        .createTable("model_versions")
        .addColumn("name", "text", (c) => c.notNull().references("registered_models.name"))
        .addColumn("version", t.int, (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.references("runs.run_id"))
        .addColumn("artifact_sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("data_fingerprint", "text")
        .addColumn("description", "text")
        .addColumn("status", "text", (c) => c.notNull().defaultTo("READY"))
        .addColumn("created_at", t.int, (c) => c.notNull())
        .addColumn("updated_at", t.int, (c) => c.notNull())
        .addColumn("evaluation", "text")
        .addPrimaryKeyConstraint("model_versions_pk", ["name", "version"])
        .execute();
      await db.schema.createIndex("model_versions_run").on("model_versions").column("run_id").execute();
      await db.schema
        .createTable("model_version_tags")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("version", t.int, (c) => c.notNull())
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("model_version_tags_pk", ["name", "version", "key"])
        .addForeignKeyConstraint("model_version_tags_fk", ["name", "version"], "model_versions", [
          "name",
          "version",
        ])
        .execute();
      await db.schema
        .createTable("model_aliases")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("alias", "text", (c) => c.notNull())
        .addColumn("version", t.int, (c) => c.notNull())
        .addColumn("updated_at", t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("model_aliases_pk", ["name", "alias"])
        .addForeignKeyConstraint("model_aliases_fk", ["name", "version"], "model_versions", [
          "name",
          "version",
        ])
        .execute();

      await serial(db.schema.createTable("audit_log"), "id")
        .addColumn("at", t.int, (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("model", "text")
        .addColumn("alias", "text")
        .addColumn("from_version", t.int)
        .addColumn("to_version", t.int)
        .addColumn("reason", "text")
        .addColumn("forced", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("details", "text")
        .execute();
      await db.schema
        .createIndex("audit_log_model_alias")
        .on("audit_log")
        .columns(["model", "alias", "id"])
        .execute();
      if (dialect === "sqlite") {
        for (const op of ["UPDATE", "DELETE"]) {
          await sql
            .raw(
              `CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log ` +
                `BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
            )
            .execute(db);
        }
      } else {
        await sql
          .raw(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS " +
              "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
          )
          .execute(db);
        await sql
          .raw(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log " +
              "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
          )
          .execute(db);
      }
    },
  },
  {
    version: 2,
    name: "api keys",
    async up(db, dialect) {
      const t = types(dialect);
      // Only a hash of each secret is kept: a copied store file grants nothing. Names stay unique even
      // after revocation so the audit log's actors never become ambiguous.
      await db.schema
        .createTable("api_keys")
        .addColumn("key_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("secret_sha256", "text", (c) => c.notNull())
        .addColumn("created_at", t.int, (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("last_used_at", t.int)
        .addColumn("revoked_at", t.int)
        .execute();
    },
  },
  {
    version: 3,
    name: "prediction log and feedback",
    async up(db, dialect) {
      const t = types(dialect);
      // One row per scored row. (request_id, row_index) is the key, so a batch replayed from a spool
      // file after a crash inserts nothing twice. Rows are never updated: labels live in their own table.
      await db.schema
        .createTable("prediction_log")
        .addColumn("request_id", "text", (c) => c.notNull())
        .addColumn("row_index", t.int, (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", t.int, (c) => c.notNull())
        .addColumn("alias", "text")
        .addColumn("fallback", "text")
        .addColumn("endpoint", "text", (c) => c.notNull())
        .addColumn("at", t.int, (c) => c.notNull())
        .addColumn("latency_ms", t.real, (c) => c.notNull())
        .addColumn("row_key", "text")
        .addColumn("inputs", "text", (c) => c.notNull())
        .addColumn("pii", "text")
        .addColumn("prediction", "text", (c) => c.notNull())
        .addColumn("probabilities", "text")
        .addPrimaryKeyConstraint("prediction_log_pk", ["request_id", "row_index"])
        .execute();
      // Drift and performance read windows of one model (or one version) by time, or its latest rows.
      await db.schema
        .createIndex("prediction_log_model_version_at")
        .on("prediction_log")
        .columns(["model", "version", "at"])
        .execute();
      await db.schema
        .createIndex("prediction_log_model_at")
        .on("prediction_log")
        .columns(["model", "at"])
        .execute();
      // Labels arrive hours later, possibly before the prediction's batch left the queue or a spool
      // file, so they are kept apart and joined on (request_id, row_index); a re-sent label replaces.
      await db.schema
        .createTable("prediction_feedback")
        .addColumn("request_id", "text", (c) => c.notNull())
        .addColumn("row_index", t.int, (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("labelled_at", t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("prediction_feedback_pk", ["request_id", "row_index"])
        .execute();
      await db.schema
        .createIndex("prediction_feedback_model_at")
        .on("prediction_feedback")
        .columns(["model", "labelled_at"])
        .execute();
    },
  },
  {
    version: 4,
    name: "monitoring: reference profiles, events, request stats",
    async up(db, dialect) {
      const t = types(dialect);
      // A profile describes the data an artifact was trained on, so it is keyed by the artifact's
      // sha256: every version registered from that artifact (a rename, a re-registration from the run)
      // finds it, and deleting a version leaves nothing dangling. The profile itself is a blob.
      await db.schema
        .createTable("reference_profiles")
        .addColumn("artifact_sha256", "text", (c) => c.primaryKey())
        .addColumn("profile_sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("bytes", t.int, (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.references("runs.run_id"))
        .addColumn("created_at", t.int, (c) => c.notNull())
        .execute();
      // What monitoring (alerts) and, later, automation (retraining decisions) report, one row each.
      // Only the delivery columns ever change, as the webhook is tried.
      const events =
        dialect === "sqlite"
          ? db.schema
              .createTable("monitor_events")
              .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
          : db.schema.createTable("monitor_events").addColumn("id", "bigserial", (c) => c.primaryKey());
      await events
        .addColumn("at", t.int, (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", t.int)
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("details", "text")
        .addColumn("run_id", "text")
        .addColumn("delivery", "text", (c) => c.notNull().defaultTo("none"))
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("delivery_error", "text")
        .addColumn("delivered_at", t.int)
        .execute();
      await db.schema
        .createIndex("monitor_events_model")
        .on("monitor_events")
        .columns(["model", "name", "id"])
        .execute();
      await db.schema.createIndex("monitor_events_at").on("monitor_events").columns(["at"]).execute();
      await db.schema
        .createIndex("monitor_events_delivery")
        .on("monitor_events")
        .columns(["delivery", "id"])
        .execute();
      // Requests per minute as each serving process answered them, errors included (the prediction log
      // holds only scored rows). One row per process, so workers of a cluster never contend for a row.
      await db.schema
        .createTable("request_stats")
        .addColumn("minute", t.int, (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("endpoint", "text", (c) => c.notNull())
        .addColumn("process", "text", (c) => c.notNull())
        .addColumn("requests", t.int, (c) => c.notNull())
        .addColumn("client_errors", t.int, (c) => c.notNull())
        .addColumn("server_errors", t.int, (c) => c.notNull())
        .addColumn("latency_sum_ms", t.real, (c) => c.notNull())
        .addColumn("latency_max_ms", t.real, (c) => c.notNull())
        .addColumn("latency_buckets", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("request_stats_pk", ["minute", "model", "endpoint", "process"])
        .execute();
      await db.schema
        .createIndex("request_stats_model_minute")
        .on("request_stats")
        .columns(["model", "minute"])
        .execute();
    },
  },
  {
    version: 5,
    name: "automation: watcher state and lease",
    async up(db, dialect) {
      const t = types(dialect);
      // One row per watched model: the lease that lets one watcher at a time retrain and promote it,
      // and what the retraining loop must remember across restarts (when it last retrained, how far
      // the schedule was honoured, the guard period in progress, the last hold-back it reported).
      await db.schema
        .createTable("automation_state")
        .addColumn("model", "text", (c) => c.primaryKey())
        .addColumn("lease_holder", "text")
        .addColumn("lease_until", t.int)
        .addColumn("last_retrain_at", t.int)
        .addColumn("schedule_checked_at", t.int)
        .addColumn("guard", "text")
        .addColumn("last_skip", "text")
        .addColumn("updated_at", t.int, (c) => c.notNull())
        .execute();
    },
  },
];

export const latestSchemaVersion: number = migrations[migrations.length - 1].version;
