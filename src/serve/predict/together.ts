/**
 * Scoring the JSON requests that arrive together in one pass. A model's preparation pipeline costs
 * tens of microseconds per call whatever the rows (a Frame per step, a typed array per column), and
 * one more row costs almost nothing; so the requests whose bodies were read in the same turn of the
 * event loop (several, when many clients call at once) are read into one Frame, scored with one call
 * per model and handed back their own rows of the output. Every row is scored exactly as it would be
 * alone (preparation and models work row by row). If the pass fails (a request's rows do not fit the
 * schema, or hold a category the model refuses), each request is scored alone again, so each gets its
 * own answer or its own error, numbered by its own rows.
 */
import type { Frame } from "../../core/frame.js";
import { readerOf } from "./input.js";
import type { LoadedModel } from "./models.js";
import { score } from "./score.js";

interface Waiting {
  records: readonly Record<string, unknown>[];
  resolve(output: Frame): void;
  reject(err: unknown): void;
}

/** Requests with at least this many rows are scored on their own: one pass already pays for itself. */
const aloneFrom = 64;
/** Rows scored in one pass at most. */
const passRows = 2048;

export class TogetherScorer {
  private waiting = new Map<LoadedModel, Waiting[]>();
  private scheduled = false;

  /** The model's output for these JSON records, or the error scoring them alone would give. */
  score(model: LoadedModel, records: readonly Record<string, unknown>[]): Promise<Frame> {
    if (records.length >= aloneFrom) {
      try {
        return Promise.resolve(alone(model, records));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => {
      let list = this.waiting.get(model);
      if (list === undefined) {
        list = [];
        this.waiting.set(model, list);
      }
      list.push({ records, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the turn's I/O callbacks, so every request read in this turn is in the pass.
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    const waiting = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    for (const [model, list] of waiting) {
      for (let at = 0; at < list.length; ) {
        let rows = 0;
        let end = at;
        while (end < list.length && (end === at || rows + list[end].records.length <= passRows))
          rows += list[end++].records.length;
        together(model, list.slice(at, end));
        at = end;
      }
    }
  }
}

function alone(model: LoadedModel, records: readonly Record<string, unknown>[]): Frame {
  return score(model, readerOf(model).frame(records));
}

function together(model: LoadedModel, list: Waiting[]): void {
  if (list.length > 1) {
    let output: Frame | undefined;
    try {
      output = score(model, readerOf(model).frame(list.flatMap((w) => w.records)));
    } catch {
      // One of them is at fault (or all are): scored one by one below, each told its own.
    }
    if (output !== undefined) {
      let at = 0;
      for (const w of list) {
        w.resolve(output.slice(at, at + w.records.length));
        at += w.records.length;
      }
      return;
    }
  }
  for (const w of list) {
    try {
      w.resolve(alone(model, w.records));
    } catch (err) {
      w.reject(err);
    }
  }
}
