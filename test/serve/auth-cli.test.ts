/**
 * `mlship serve`'s security options as a process: no non-loopback address without keys unless
 * --insecure, keys enforced once created, and HTTPS with --tls-cert/--tls-key (a self-signed certificate
 * made here with openssl, trusted only by this test's client).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { binPath, expectUserError, run } from "../cli/run.js";

const dirOf = () => mkdtempSync(join(tmpdir(), "mlship-auth-cli-"));

/** Starts `mlship serve` and resolves with its announced address and a way to stop it. */
function serve(args: string[]) {
  const child = spawn(process.execPath, [binPath, "serve", "--port", "0", "--log-level", "silent", ...args], {
    env: { ...process.env, NO_COLOR: "1", MLSHIP_DEBUG: "" },
  });
  let stderr = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  const stop = async () => {
    child.kill("SIGTERM");
    return exit;
  };
  return new Promise<{ url: string; stderr: string; stop: () => Promise<number | null> }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const m = / on (https?:\/\/\S+) \(docs/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve({ url: m[1], stderr, stop });
        }
      });
      child.stdout.resume();
      child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
    },
  );
}

describe("mlship serve security", () => {
  it("refuses a non-loopback address on a store without keys", async () => {
    const dir = dirOf();
    const r = await run(["serve", "--host", "0.0.0.0", "--port", "0", "--store", join(dir, "s.db")], dir);
    const stderr = expectUserError(r);
    expect(stderr).toContain("refusing to listen on 0.0.0.0");
    expect(stderr).toContain("--insecure");
  });

  it("listens beyond loopback once the store has a key, and then enforces it", async () => {
    const dir = dirOf();
    const store = join(dir, "s.db");
    const made = await run(["keys", "create", "ops", "--role", "admin", "--store", store], dir);
    const key = made.stdout.trim();
    const served = await serve(["--host", "0.0.0.0", "--store", store]);
    try {
      expect(served.stderr).not.toContain("warning");
      const url = served.url.replace("0.0.0.0", "127.0.0.1");
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/experiments`)).status).toBe(401);
      const ok = await fetch(`${url}/api/v1/experiments`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("counts keys created and revoked by another process from the next request on", async () => {
    const dir = dirOf();
    const store = join(dir, "s.db");
    const served = await serve(["--store", store]);
    const list = (key?: string) =>
      fetch(`${served.url}/api/v1/experiments`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    try {
      // The server has read (and keeps) the store's keys: none.
      for (let i = 0; i < 3; i++) expect((await list()).status).toBe(200);
      const made = await run(["keys", "create", "first", "--role", "predict", "--store", store], dir);
      expect(made.status).toBe(0);
      const key = made.stdout.trim();
      expect((await list()).status).toBe(401);
      expect((await list(key)).status).toBe(200);
      const revoked = await run(["keys", "revoke", "first", "--store", store], dir);
      expect(revoked.status).toBe(0);
      expect((await list(key)).status).toBe(401);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("serves HTTPS with --tls-cert and --tls-key", async () => {
    const dir = dirOf();
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const served = await serve(["--store", join(dir, "s.db"), "--tls-cert", cert, "--tls-key", key]);
    try {
      expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const get = (ca?: Buffer) =>
        new Promise<{ status: number; body: string; protocol: string | null }>((resolve, reject) => {
          const req = request(`${served.url}/livez`, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
            const protocol = (res.socket as TLSSocket).getProtocol();
            let body = "";
            res.setEncoding("utf8").on("data", (d: string) => {
              body += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, protocol }));
          });
          req.on("error", reject).end();
        });
      const trusted = await get(readFileSync(cert));
      expect(trusted.status).toBe(200);
      expect(JSON.parse(trusted.body)).toEqual({ status: "ok" });
      expect(trusted.protocol).toMatch(/^TLSv1\.[23]$/);
      // A client that does not trust the certificate is refused: the handshake really is TLS.
      await expect(get()).rejects.toThrow(/self.signed|certificate/i);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("refuses half a TLS configuration and a bad rate limit as usage errors", async () => {
    const dir = dirOf();
    const half = await run(["serve", "--tls-cert", "x.pem", "--store", join(dir, "s.db")], dir);
    expect(expectUserError(half, { exit: 2, where: false })).toContain(
      "--tls-cert and --tls-key go together",
    );
    const rate = await run(["serve", "--rate-limit", "fast", "--store", join(dir, "s.db")], dir);
    expect(expectUserError(rate, { exit: 2, where: false })).toContain("--rate-limit");
  });
});
