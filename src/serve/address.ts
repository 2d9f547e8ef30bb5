/** Whether a host name or address only reaches this machine. */
import { isIP } from "node:net";

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is loopback when the IPv4 part is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped?.[1].startsWith("127.") === true;
}
