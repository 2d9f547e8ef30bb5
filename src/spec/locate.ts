/**
 * Maps a field path of the parsed spec back to its line and column in the YAML text, so every problem
 * can point at `mlship.yaml:12:5` instead of leaving the user to hunt for the field.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

function positionOf(node: unknown, lineCounter: LineCounter): Position | undefined {
  const offset = (node as Node | null)?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  // LineCounter reports line 0 before the first newline it has seen.
  return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
}

/**
 * The position of the value at `path`, or of its key when `at` is "key" (unknown fields are best shown
 * by their name). A path that does not exist in the text (a missing field) resolves to the key of its
 * deepest existing ancestor, which is the line the user has to add the field under.
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  at: "value" | "key" = "value",
): Position | undefined {
  let node: unknown = doc.contents;
  let key: unknown;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      if (pair === undefined) return positionOf(key ?? node, lineCounter);
      key = pair.key;
      const value = pair.value;
      // `field:` with nothing after it holds a null scalar with an empty range; its key is the useful spot.
      node = value === null || (isScalar(value) && value.value === null) ? pair.key : value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return positionOf(key ?? node, lineCounter);
      key = undefined;
      node = item;
    } else {
      return positionOf(key ?? node, lineCounter);
    }
  }
  return positionOf(at === "key" && key !== undefined ? key : node, lineCounter);
}
