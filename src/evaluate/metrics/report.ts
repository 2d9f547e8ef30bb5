/** scikit-learn's `classification_report`: the numbers as an object and the familiar text table. */
import { perClassScores, precisionRecallFscore } from "./classification.js";
import { encodePair, type LabelInput, labelName, metricError, presentLabels } from "./labels.js";

export interface ReportRow {
  precision: number;
  recall: number;
  f1Score: number;
  support: number;
}

export interface ClassificationReport {
  classes: Array<ReportRow & { label: string }>;
  /** Set when the micro average is the accuracy (all present classes reported); else `microAvg` is. */
  accuracy: number | null;
  microAvg: ReportRow | null;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
  text: string;
}

export interface ClassificationReportOptions {
  /** Class codes to report, in this order; default: the classes present in yTrue or yPred. */
  labels?: readonly number[];
  /** Display names of those classes; default: the level names (or the codes). */
  targetNames?: readonly string[];
  /** Decimals in the text. Default 2. */
  digits?: number;
  zeroDivision?: 0 | 1;
}

/**
 * Python's fixed-point formatting: correctly rounded, exact ties to even (JS toFixed rounds exact ties
 * up, so 0.125 would print 0.13 where Python prints 0.12).
 */
export function formatFixed(x: number, digits: number): string {
  const rounded = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return rounded;
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf(".");
  const tail = exact.slice(point + 1 + digits);
  if (tail[0] !== "5" || !/^0*$/.test(tail.slice(1))) return rounded;
  const kept = exact.slice(0, point + 1 + digits).replace(/\.$/, "");
  const last = kept.replace(".", "").at(-1);
  if (Number(last) % 2 !== 0) return rounded;
  return (x < 0 ? "-" : "") + kept;
}

const pad = (s: string, width: number): string => s.padStart(width);

export function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ClassificationReportOptions = {},
): ClassificationReport {
  const digits = options.digits ?? 2;
  const zeroDivision = options.zeroDivision ?? 0;
  const { codes: t, other: p, levels } = encodePair(yTrue, yPred);
  const present = presentLabels(t, p);
  const labels = options.labels ? [...options.labels] : present;
  const names = options.targetNames ? [...options.targetNames] : labels.map((l) => labelName(l, levels));
  if (names.length !== labels.length) {
    throw metricError(`${labels.length} classes but ${names.length} target names`, "pass one name per class");
  }
  const microIsAccuracy =
    !options.labels || (new Set(labels).size === present.length && present.every((l) => labels.includes(l)));

  const per = perClassScores(t, p, { labels, zeroDivision });
  const classes = labels.map((_, k) => ({
    label: names[k],
    precision: per.precision[k],
    recall: per.recall[k],
    f1Score: per.fScore[k],
    support: per.support[k],
  }));
  const totalSupport = per.support.reduce((a, b) => a + b, 0);
  const avg = (average: "micro" | "macro" | "weighted"): ReportRow => {
    const r = precisionRecallFscore(t, p, { labels, average, zeroDivision });
    return { precision: r.precision, recall: r.recall, f1Score: r.fScore, support: totalSupport };
  };
  const micro = avg("micro");
  const macroAvg = avg("macro");
  const weightedAvg = avg("weighted");

  // sklearn quirk: with no true positive at all its counts become floats, and print as "15.0".
  const labelSet = new Set(labels);
  let anyHit = false;
  for (let i = 0; i < t.length && !anyHit; i++) anyHit = t[i] === p[i] && labelSet.has(t[i]);
  const count = (x: number) => (anyHit ? String(x) : x.toFixed(1));
  const width = Math.max(...names.map((n) => n.length), "weighted avg".length, digits);
  const num = (x: number) => ` ${pad(formatFixed(x, digits), 9)}`;
  const row = (name: string, r: ReportRow) =>
    `${pad(name, width)} ${num(r.precision)}${num(r.recall)}${num(r.f1Score)} ${pad(count(r.support), 9)}\n`;
  let text = `${pad("", width)} ${["precision", "recall", "f1-score", "support"].map((h) => ` ${pad(h, 9)}`).join("")}\n\n`;
  for (const c of classes) text += row(c.label, c);
  text += "\n";
  text += microIsAccuracy
    ? `${pad("accuracy", width)} ${" ".repeat(20)}${num(micro.f1Score)} ${pad(count(totalSupport), 9)}\n`
    : row("micro avg", micro);
  text += row("macro avg", macroAvg);
  text += row("weighted avg", weightedAvg);

  return {
    classes,
    accuracy: microIsAccuracy ? micro.f1Score : null,
    microAvg: microIsAccuracy ? null : micro,
    macroAvg,
    weightedAvg,
    text,
  };
}
