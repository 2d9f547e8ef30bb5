import { type Column, Frame, numeric } from "../../../src/core/frame.js";

/** Column-wise (x - mean) / population std, like the golden script (numpy's X.std(axis=0)). */
export function standardise(X: Frame): Frame {
  return new Frame(
    X.entries().map(([name, c]): [string, Column] => {
      const v = X.numeric(name);
      let mean = 0;
      for (let i = 0; i < v.length; i++) mean += v[i];
      mean /= v.length;
      let ss = 0;
      for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
      const sd = Math.sqrt(ss / v.length);
      return [name, c.type === "numeric" ? numeric(v.map((x) => (x - mean) / sd)) : c];
    }),
  );
}

/** Row indices of the golden script's split: held out when index % 4 == 0. */
export function holdout(n: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (i % 4 === 0 ? test : train).push(i);
  return { train, test };
}

/** sklearn's KFold(5) without shuffling: the first n % 5 folds get one extra row. */
export function kFold(n: number, k = 5): Array<{ train: number[]; test: number[] }> {
  const folds: Array<{ train: number[]; test: number[] }> = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (i >= start && i < start + size ? test : train).push(i);
    folds.push({ train, test });
    start += size;
  }
  return folds;
}
