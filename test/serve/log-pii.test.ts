/**
 * PII in the prediction log: the spec's key and PII columns may travel beside the features; the key is
 * logged in clear, PII only as HMAC-SHA256 under a key kept outside the store, and the store's bytes
 * (database and WAL) never hold the clear value.
 */
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePiiKeyFile } from "../../src/serve/log/index.js";
import { startServer, type TestServer } from "./helpers.js";
import { holdWriteLock, logged, penguinsWithSpec } from "./log-helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

const email = "alice.pii-test@example.com";
const csvEmail = "bob.pii-test@example.com";

let s: TestServer;
let keyFile: string;
const hmac = (value: string) => createHmac("sha256", readFileSync(keyFile)).update(value).digest("hex");

beforeAll(async () => {
  keyFile = join(mkdtempSync(join(tmpdir(), "mlship-pii-")), "config", "pii.key");
  s = await startServer({ predictionLog: { piiKeyFile: keyFile, busyTimeoutMs: 100 } });
  await register(
    s.store,
    "people",
    await penguinsWithSpec({ pii: ["email", "phone"], key: "customer_id" }),
    "champion",
  );
  // A spec may include a PII column as a feature on purpose: it is still hashed in the log.
  await register(s.store, "islands", await penguinsWithSpec({ pii: ["island"] }), "champion");
  await register(s.store, "plain", await penguins.logistic(), "champion");
}, 60_000);
afterAll(() => s.close());

describe("PII and key columns", () => {
  it("scores a request carrying the key and PII fields, and logs the key in clear and PII hashed", async () => {
    expect(existsSync(keyFile)).toBe(false);
    const r = await s.call("POST", "/v1/models/people/predict", {
      records: [
        { ...penguin, email, phone: 5551234, customer_id: "C-17" },
        { ...penguin, customer_id: 18 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.predictions).toEqual(["Gentoo", "Gentoo"]);
    // Created on first need, readable by its owner only.
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile)).toHaveLength(32);

    const csv = await s.call(
      "POST",
      "/v1/models/people/predict",
      `customer_id,email,${Object.keys(penguin).join(",")}\nC-19,${csvEmail},${Object.values(penguin).join(",")}\n`,
      { "content-type": "text/csv" },
    );
    expect(csv.status).toBe(200);
    await s.app.predictionLog!.flush();

    const rows = await logged(s.store);
    const [alice, plain] = rows.filter((x) => x.request_id === r.json.requestId);
    expect(alice.row_key).toBe("C-17");
    expect(JSON.parse(alice.pii!)).toEqual({ email: hmac(email), phone: hmac("5551234") });
    expect(JSON.parse(alice.inputs)).toEqual(penguin);
    expect(plain.row_key).toBe("18");
    expect(plain.pii).toBeNull();
    const bob = rows.find((x) => x.request_id === csv.headers.get("x-request-id"))!;
    expect(bob.row_key).toBe("C-19");
    expect(JSON.parse(bob.pii!)).toEqual({ email: hmac(csvEmail) });

    // Nowhere in the store's files, the WAL included (where fresh commits live).
    for (const file of [s.store.path, `${s.store.path}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(email), file).toBe(false);
      expect(bytes.includes(csvEmail), file).toBe(false);
    }
  });

  it("spools PII hashed too, when the store cannot take a batch", async () => {
    const lock = holdWriteLock(s.store.path);
    let spooled = "";
    try {
      const r = await s.call("POST", "/v1/models/people/predict", {
        records: [{ ...penguin, email, phone: 5551234, customer_id: "C-20" }],
      });
      expect(r.status).toBe(200);
      await s.app.predictionLog!.flush();
      const dir = s.app.predictionLog!.spool.dir;
      spooled = readdirSync(dir)
        .map((f) => readFileSync(join(dir, f), "utf8"))
        .join("");
    } finally {
      lock.release();
    }
    expect(spooled).toContain(hmac(email));
    expect(spooled).toContain("C-20");
    expect(spooled).not.toContain(email);
    expect(spooled).not.toContain("5551234");
    await s.app.predictionLog!.replay();
  });

  it("hashes a PII column that is also a feature", async () => {
    const r = await s.call("POST", "/v1/models/islands/predict", { records: [penguin] });
    expect(r.status).toBe(200);
    await s.app.predictionLog!.flush();
    const [row] = (await logged(s.store)).filter((x) => x.request_id === r.json.requestId);
    expect(JSON.parse(row.inputs)).toEqual({ ...penguin, island: hmac("Biscoe") });
  });

  it("still refuses other extra fields, and key or PII fields that are not plain values", async () => {
    const r = await s.call("POST", "/v1/models/people/predict", {
      records: [{ ...penguin, email: { first: "alice" }, colour: "red" }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error.problems).toEqual([
      { row: 0, field: "email", problem: expect.stringContaining("must be a string, a finite number") },
      { row: 0, field: "colour", problem: "not a field of the model's input" },
    ]);
    // A model whose spec names no PII does not take them either.
    const plain = await s.call("POST", "/v1/models/plain/predict", { records: [{ ...penguin, email }] });
    expect(plain.status).toBe(400);
  });

  it("refuses PII predictions with a 500 naming the key file when the key cannot be had", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "mlship-pii-")), "a-file");
    writeFileSync(blocker, "");
    const broken = await startServer({ predictionLog: { piiKeyFile: join(blocker, "pii.key") } });
    try {
      await register(broken.store, "people", await penguinsWithSpec({ pii: ["email"] }), "champion");
      await register(broken.store, "plain", await penguins.logistic(), "champion");
      const r = await broken.call("POST", "/v1/models/people/predict", { records: [{ ...penguin, email }] });
      expect(r.status).toBe(500);
      expect(r.json.error.code).toBe("E_CONFIG_PII_KEY");
      expect(r.json.error.where).toContain(blocker);
      // Models without PII do not need the key.
      expect((await broken.call("POST", "/v1/models/plain/predict", { records: [penguin] })).status).toBe(
        200,
      );
    } finally {
      await broken.close();
      rmSync(blocker, { force: true });
    }
  });

  it("finds the key file by option, MLSHIP_PII_KEY_FILE, then XDG_CONFIG_HOME, then ~/.config", () => {
    expect(resolvePiiKeyFile("/a/key", { MLSHIP_PII_KEY_FILE: "/b/key" })).toBe("/a/key");
    expect(resolvePiiKeyFile(undefined, { MLSHIP_PII_KEY_FILE: "/b/key", XDG_CONFIG_HOME: "/c" })).toBe(
      "/b/key",
    );
    expect(resolvePiiKeyFile(undefined, { XDG_CONFIG_HOME: "/c" })).toBe("/c/mlship/pii.key");
    expect(resolvePiiKeyFile(undefined, {})).toMatch(/\/\.config\/mlship\/pii\.key$/);
  });
});
