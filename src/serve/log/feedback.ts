/**
 * `POST /v1/models/{name}/feedback`: ground-truth labels for earlier predictions, by request id and
 * row, hours or weeks later. Labels are typed by the model that made the prediction (a class it knows,
 * or a finite number for a regressor) and every problem is listed before anything is written. A label
 * whose prediction is not in the log (yet: it may be queued in another worker, or spooled while the
 * store was down) is still kept, and reported as unmatched so a typo in an id does not go unnoticed;
 * the join happens when performance is computed. Sending a row's label again replaces it.
 */
import type { FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import { isClassifier } from "../../core/protocol.js";
import type { Store } from "../../store/index.js";
import type { LoadedModel, ModelHost } from "../predict/models.js";
import { defaultMaxRows, predictErrorHandler } from "../predict/routes.js";
import type { PredictionLog } from "./log.js";

export interface FeedbackProblem {
  /** 0-based position in `labels`. */
  item: number;
  field: string;
  problem: string;
}

const shownProblems = 100;
const shownUnmatched = 100;
/** Request ids per lookup query, well under SQLite's bound-variable limit. */
const idsPerQuery = 500;

export class FeedbackError extends MlshipError {
  constructor(
    readonly problems: FeedbackProblem[],
    readonly total = problems.length,
  ) {
    const first = problems[0];
    super({
      what: `${total} problem${total === 1 ? "" : "s"} in the feedback, first: labels[${first.item}].${first.field}: ${first.problem}`,
      fix: 'send {"labels": [{"requestId": "<from the prediction>", "row": 0, "label": <the true value>}]}',
      code: "E_INVALID_FEEDBACK",
    });
  }
}

interface Label {
  requestId: string;
  row: number;
  value: unknown;
}

const itemFields = new Set(["requestId", "row", "label"]);

function parseLabels(labels: unknown[], note: (p: FeedbackProblem) => void): Label[] {
  const out: Label[] = [];
  labels.forEach((raw, item) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      note({ item, field: "*", problem: "must be an object {requestId, row, label}" });
      return;
    }
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!itemFields.has(k)) note({ item, field: k, problem: "not a feedback field" });
    if (typeof o.requestId !== "string" || o.requestId === "")
      note({ item, field: "requestId", problem: "must be the requestId a prediction answered with" });
    const row = o.row ?? 0;
    if (typeof row !== "number" || !Number.isInteger(row) || row < 0)
      note({
        item,
        field: "row",
        problem: `must be a whole number from 0 (the row within the request), got ${JSON.stringify(o.row)}`,
      });
    if (!Object.hasOwn(o, "label") || o.label === null)
      note({ item, field: "label", problem: "missing: the true value of the target" });
    out.push({ requestId: String(o.requestId), row: row as number, value: o.label });
  });
  return out;
}

/** The label as stored (JSON), or why the model cannot have predicted it. */
function labelOf(model: LoadedModel, value: unknown): { label: string } | { problem: string } {
  if (isClassifier(model.model)) {
    const classes = model.model.classes.map(String);
    const text =
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : undefined;
    if (text === undefined || !classes.includes(text))
      return {
        problem: `${JSON.stringify(value)} is not a class of ${model.name} version ${model.version} (${classes.map((c) => JSON.stringify(c)).join(", ")})`,
      };
    // Stored as the class's text, the way predictions of classifiers are logged.
    return { label: JSON.stringify(text) };
  }
  if (typeof value !== "number" || !Number.isFinite(value))
    return {
      problem: `${model.name} is a regressor: the label must be a finite number, got ${JSON.stringify(value)}`,
    };
  return { label: JSON.stringify(value) };
}

const rowId = (requestId: string, row: number) => `${requestId}\u0000${row}`;

/** Which of the labels' predictions the log holds, and by which model version. */
async function logged(
  store: Store,
  labels: readonly Label[],
): Promise<Map<string, { model: string; version: number }>> {
  const found = new Map<string, { model: string; version: number }>();
  const ids = [...new Set(labels.map((l) => l.requestId))];
  for (let i = 0; i < ids.length; i += idsPerQuery) {
    const rows = await store.db
      .selectFrom("prediction_log")
      .select(["request_id", "row_index", "model", "version"])
      .where("request_id", "in", ids.slice(i, i + idsPerQuery))
      .execute();
    for (const r of rows)
      found.set(rowId(r.request_id, Number(r.row_index)), { model: r.model, version: Number(r.version) });
  }
  return found;
}

export function registerFeedback(
  host: ModelHost,
  store: Store,
  log: PredictionLog | null,
  options: { maxRows?: number } = {},
) {
  const maxLabels = options.maxRows ?? defaultMaxRows;
  return async (app: FastifyInstance) => {
    app.setErrorHandler(predictErrorHandler);
    app.post<{ Params: { name: string }; Body: { labels: unknown[] } }>(
      "/v1/models/:name/feedback",
      {
        schema: {
          tags: ["predict"],
          summary: "Attach true labels to earlier predictions, by request id and row",
          body: {
            type: "object",
            required: ["labels"],
            additionalProperties: false,
            properties: {
              labels: {
                type: "array",
                description:
                  'Items {"requestId": "...", "row": 0, "label": <class or number>}; row defaults to 0',
                items: {},
              },
            },
          },
        },
      },
      async (request) => {
        const { name } = request.params;
        const { labels: raw } = request.body;
        if (raw.length > maxLabels) {
          throw new MlshipError({
            what: `${raw.length} labels in one request, at most ${maxLabels} are accepted`,
            fix: "split the labels over several requests",
            code: "E_INVALID_TOO_MANY_ROWS",
          });
        }
        const problems: FeedbackProblem[] = [];
        let total = 0;
        const note = (p: FeedbackProblem) => {
          total++;
          if (problems.length < shownProblems) problems.push(p);
        };
        const labels = parseLabels(raw, note);
        if (total > 0) throw new FeedbackError(problems, total);

        // This process's own recent predictions are committed first, so they match.
        await log?.flush();
        const found = await logged(store, labels);
        // Unmatched labels are typed by the version served now (a 404 when the model is unknown).
        let current: Promise<LoadedModel> | undefined;
        const served = () => {
          current ??= host.alias(name).then((s) => s.model);
          return current;
        };
        const now = Date.now();
        // By row, so a row labelled twice in one request is written once, with the last label.
        const values = new Map<
          string,
          { request_id: string; row_index: number; model: string; label: string; labelled_at: number }
        >();
        const unmatched: Array<{ requestId: string; row: number }> = [];
        for (const [item, l] of labels.entries()) {
          const hit = found.get(rowId(l.requestId, l.row));
          if (hit && hit.model !== name) {
            note({
              item,
              field: "requestId",
              problem: `request ${l.requestId} was scored by the model ${hit.model}, not ${name}`,
            });
            continue;
          }
          const model = hit ? await host.version(name, hit.version).catch(served) : await served();
          const typed = labelOf(model, l.value);
          if ("problem" in typed) {
            note({ item, field: "label", problem: typed.problem });
            continue;
          }
          const id = rowId(l.requestId, l.row);
          if (!hit && !values.has(id)) unmatched.push({ requestId: l.requestId, row: l.row });
          values.set(id, {
            request_id: l.requestId,
            row_index: l.row,
            model: name,
            label: typed.label,
            labelled_at: now,
          });
        }
        if (total > 0) throw new FeedbackError(problems, total);
        const rows = [...values.values()];
        await store.write(async (trx) => {
          for (let i = 0; i < rows.length; i += idsPerQuery) {
            await trx
              .insertInto("prediction_feedback")
              .values(rows.slice(i, i + idsPerQuery))
              .onConflict((oc) =>
                oc.columns(["request_id", "row_index"]).doUpdateSet((eb) => ({
                  model: eb.ref("excluded.model"),
                  label: eb.ref("excluded.label"),
                  labelled_at: eb.ref("excluded.labelled_at"),
                })),
              )
              .execute();
          }
        });
        return {
          accepted: rows.length,
          matched: rows.length - unmatched.length,
          unmatchedCount: unmatched.length,
          unmatched: unmatched.slice(0, shownUnmatched),
        };
      },
    );
  };
}
