import type { Spec } from "./schema.js";

/**
 * The model's input columns: `features.include` when given (less the target), else every column but
 * the target, the key, the excluded ones and the PII ones (personal data stays out of models unless
 * `include` names it explicitly).
 */
export function featureColumns(spec: Spec, columns: readonly string[]): string[] {
  if (spec.features.include !== undefined) return spec.features.include.filter((c) => c !== spec.target);
  const drop = new Set<string>([...spec.features.exclude, ...spec.pii]);
  if (spec.features.key !== undefined) drop.add(spec.features.key);
  if (spec.target !== undefined) drop.add(spec.target);
  return columns.filter((c) => !drop.has(c));
}
