/** Opaque page tokens and result limits shared by the registry's searches. */
import { MlshipError } from "../core/errors.js";

export function pageOf<T>(
  items: T[],
  options: { maxResults?: number; pageToken?: string },
): { page: T[]; nextPageToken?: string } {
  const max = options.maxResults ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new MlshipError({
      what: `maxResults must be a whole number from 1 to 1000, got ${max}`,
      where: "maxResults",
      fix: "ask for at most 1000 results per page and follow nextPageToken for more",
      code: "E_INVALID_MAX_RESULTS",
    });
  }
  const offset = options.pageToken === undefined ? 0 : decodeToken(options.pageToken);
  const page = items.slice(offset, offset + max);
  return offset + max < items.length ? { page, nextPageToken: encodeToken(offset + max) } : { page };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeToken(token: string): number {
  try {
    const o = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown }).o;
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // falls through to the error below
  }
  throw new MlshipError({
    what: "the page token is not one this server issued",
    where: "pageToken",
    fix: "pass the nextPageToken of the previous page unchanged, or leave it out to start over",
    code: "E_INVALID_PAGE_TOKEN",
  });
}
