/**
 * Every failure a user can cause is an MlshipError: it says what went wrong, where, and how to fix it,
 * so the CLI and the server can print one clear message instead of a stack trace.
 */
export interface ErrorDetails {
  /** What went wrong, in one sentence. */
  what: string;
  /** Where: a file path, a spec field path with its line, a column, a URL. */
  where?: string;
  /** How to fix it. */
  fix?: string;
  /** A stable machine-readable code, e.g. "E_DATA_MISSING_FILE". */
  code?: string;
  /** Extra structured data for --json output (e.g. a validation report). */
  data?: unknown;
  /** Longer human-readable text shown after what/where/fix (e.g. the validation report). */
  detail?: string;
}

export class MlshipError extends Error {
  readonly what: string;
  readonly where: string | undefined;
  readonly fix: string | undefined;
  readonly code: string;
  readonly data: unknown;
  readonly detail: string | undefined;

  constructor(details: ErrorDetails, options?: { cause?: unknown }) {
    super(formatMessage(details), options);
    this.name = "MlshipError";
    this.what = details.what;
    this.where = details.where;
    this.fix = details.fix;
    this.code = details.code ?? "E_MLSHIP";
    this.data = details.data;
    this.detail = details.detail;
  }

  toJSON(): { code: string; what: string; where?: string; fix?: string; data?: unknown } {
    return {
      code: this.code,
      what: this.what,
      ...(this.where === undefined ? {} : { where: this.where }),
      ...(this.fix === undefined ? {} : { fix: this.fix }),
      ...(this.data === undefined ? {} : { data: this.data }),
    };
  }
}

function formatMessage(d: ErrorDetails): string {
  let msg = d.what;
  if (d.where) msg += `\n  where: ${d.where}`;
  if (d.fix) msg += `\n  fix:   ${d.fix}`;
  if (d.detail) msg += `\n\n${d.detail}`;
  return msg;
}

/** Thrown when a learned-state accessor or predict/transform is used before fit. */
export class NotFittedError extends MlshipError {
  constructor(kind: string) {
    super({
      what: `${kind} is not fitted yet`,
      fix: "call fit() (or fitTransform()) before transform/predict or reading learned state",
      code: "E_NOT_FITTED",
    });
    this.name = "NotFittedError";
  }
}
