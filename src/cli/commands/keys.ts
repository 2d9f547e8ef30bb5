/** `mlship keys create | list | revoke`: the server's API keys, managed on the store directly. */
import type { Command } from "commander";
import { type ApiKey, createKey, listKeys, revokeKey, roles } from "../../serve/auth/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import { dim, printJson, say, table, yellow } from "../output.js";
import { osUser } from "./models.js";
import { when } from "./runs.js";

interface KeyOptions {
  store?: string;
  json?: boolean;
}

/** The store `mlship serve` uses with the same --store, so keys land where the server looks. */
async function withKeysStore<T>(opts: KeyOptions, create: boolean, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(resolveStorePath({ store: opts.store }), { create });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const keyJson = (k: ApiKey) => ({ ...k, status: k.revokedAt === null ? "active" : "revoked" });
const storeOption = "the store (default: MLSHIP_STORE, else .mlship/store.db here, as mlship serve)";

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("API keys for mlship serve (stored hashed; roles predict < write < admin)");
  keys
    .command("create")
    .description("Create a key and print it once; the store keeps only its hash")
    .argument("<name>", "who or what will use the key, e.g. checkout-service")
    .requiredOption("--role <role>", `${roles.join(", ")} (each includes the ones before it)`)
    .option("--store <file>", storeOption)
    .option("--json", "print JSON on stdout")
    .action((name: string, opts: KeyOptions & { role: string }) =>
      withKeysStore(opts, true, async (store) => {
        const { key, secret } = await createKey(store, { name, role: opts.role, actor: osUser() });
        if (opts.json) {
          printJson({ key: keyJson(key), secret });
          return;
        }
        say(`created key "${key.name}" (${key.id}) with role ${key.role} in ${store.path}`);
        say(yellow("this is the only time the key is shown: store it now (e.g. in a secret manager)"));
        process.stdout.write(`${secret}\n`);
      }),
    );
  keys
    .command("list")
    .description("List keys (never their secrets)")
    .option("--store <file>", storeOption)
    .option("--json", "print JSON on stdout")
    .action((opts: KeyOptions) =>
      withKeysStore(opts, false, async (store) => {
        const all = await listKeys(store);
        if (opts.json) {
          printJson({ keys: all.map(keyJson) });
          return;
        }
        if (all.length === 0) {
          say("no keys: the server authenticates no one (mlship keys create NAME --role ROLE adds one)");
          return;
        }
        say(
          table(
            ["id", "name", "role", "status", "created", "last used"],
            all.map((k) => [
              k.id,
              k.name,
              k.role,
              k.revokedAt === null ? "active" : dim(`revoked ${when(k.revokedAt)}`),
              when(k.createdAt),
              when(k.lastUsedAt),
            ]),
          ),
        );
      }),
    );
  keys
    .command("revoke")
    .description("Revoke a key by name or id; the server refuses it from its next request")
    .argument("<key>", "the key's name or id")
    .option("--store <file>", storeOption)
    .option("--json", "print JSON on stdout")
    .action((ref: string, opts: KeyOptions) =>
      withKeysStore(opts, false, async (store) => {
        const key = await revokeKey(store, { ref, actor: osUser() });
        if (opts.json) printJson({ key: keyJson(key) });
        else say(`revoked key "${key.name}" (${key.id})`);
      }),
    );
}
