/**
 * The keys as the request path sees them: whether the store has any, and each key id's record, read
 * from the store once and kept until the next commit to it (StoreChanges), so a request costs no
 * query while a key created, revoked or first added by any process counts from the next request on.
 * Only records are kept, never a verdict on a presented secret: every request still hashes and
 * compares its secret in constant time.
 */
import type { Store } from "../../store/index.js";
import type { StoreChanges } from "../changes.js";
import { type ApiKey, authEnabled, checkSecret, type KeyRecord, parseKey, readKey } from "./keys.js";

/** Unknown ids are remembered too (a client retrying a bad key); this many ids at most. */
const maxIds = 10_000;

export class KeyCheck {
  private stamp: number | undefined;
  private enabled: boolean | undefined;
  private readonly records = new Map<string, KeyRecord | null>();

  constructor(
    private readonly store: Store,
    private readonly changes: StoreChanges,
  ) {}

  /** The current stamp, dropping what was read before it moved. */
  private current(): number {
    const stamp = this.changes.stamp();
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.enabled = undefined;
      this.records.clear();
    }
    return stamp;
  }

  /** Whether any key was ever created (revoked ones included). */
  async authEnabled(): Promise<boolean> {
    const stamp = this.current();
    if (this.enabled !== undefined) return this.enabled;
    const enabled = await authEnabled(this.store);
    // Kept only if nothing was committed while it was read.
    if (this.stamp === stamp) this.enabled = enabled;
    return enabled;
  }

  /** The live key a presented string stands for, or null (malformed, unknown, wrong secret or revoked). */
  async verify(presented: string): Promise<ApiKey | null> {
    const parsed = parseKey(presented);
    if (!parsed) return null;
    const stamp = this.current();
    let record = this.records.get(parsed.id);
    if (record === undefined) {
      record = await readKey(this.store, parsed.id);
      if (this.stamp === stamp) {
        if (this.records.size >= maxIds) this.records.clear();
        this.records.set(parsed.id, record);
      }
    }
    return checkSecret(record, parsed.secret);
  }
}
