/**
 * The models a server scores with. Versions are immutable, so a loaded version is cached by name and
 * number for the life of the process; aliases move, so their targets are re-read every `pollMs` from
 * the store (which any process may write) and a moved alias is switched to only once its new version
 * is loaded: requests never wait on, or fail for, a reload, and a request that already holds a model
 * finishes on it.
 */
import { type Artifact, decodeArtifact } from "../../artifact/index.js";
import { MlshipError } from "../../core/errors.js";
import type { Predictor } from "../../core/protocol.js";
import { modelOf } from "../../evaluate/predict.js";
import {
  championAlias,
  getModelVersion,
  getVersionByAlias,
  searchRegisteredModels,
} from "../../registry/index.js";
import { getBlob, type Store } from "../../store/index.js";

export const fallbackAlias = "fallback";

export interface LoadedModel {
  name: string;
  version: number;
  artifact: Artifact;
  model: Predictor;
}

export interface Served {
  model: LoadedModel;
  /** The alias the request named (or champion), absent when it named a version. */
  alias?: string;
  /** Why the fallback alias answers instead of the champion. */
  fallbackReason?: string;
}

/**
 * What happens to registered versions as they load, for the metrics. Only versions that exist in the
 * registry are reported, so a client naming made-up models cannot grow the metrics' label sets.
 */
export interface ModelHostListener {
  loaded?(name: string, version: number, seconds: number): void;
  loadFailed?(name: string, version: number, err: unknown): void;
}

export interface ModelHostOptions {
  /** The model `/invocations`, `/ping` and `/readyz` are about; else the store's only model. */
  defaultModel?: string;
  pollMs?: number;
  modelListeners?: readonly ModelHostListener[];
}

/** Which version each alias the server has been asked for names, and which models fall back. */
export interface HostSnapshot {
  aliases: Array<{ model: string; alias: string; version: number }>;
  /** Models whose last champion request was answered by the fallback alias. */
  fallbacks: string[];
}

const key = (name: string, ref: string | number) => `${name}\u0000${ref}`;

export class ModelHost {
  private readonly versions = new Map<string, Promise<LoadedModel>>();
  /** Artifacts that failed verification: content-addressed, so they stay broken; not re-read per request. */
  private readonly broken = new Map<string, MlshipError>();
  private readonly aliases = new Map<string, number>();
  private readonly fallingBack = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private onlyModel: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: ModelHostOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  defaultModel(): string | undefined {
    return this.options.defaultModel ?? this.onlyModel;
  }

  /** A version by number. */
  version(name: string, version: number): Promise<LoadedModel> {
    const k = key(name, version);
    const failed = this.broken.get(k);
    if (failed) return Promise.reject(failed);
    let p = this.versions.get(k);
    if (!p) {
      p = this.load(name, version);
      this.versions.set(k, p);
      // Only a bad artifact is remembered (a corrupt blob included: it is content-addressed); a busy
      // or closing store is worth asking again.
      p.catch((err: unknown) => {
        this.versions.delete(k);
        if (
          err instanceof MlshipError &&
          (err.code === "E_STORE_BLOB_CORRUPT" ||
            (!err.code.startsWith("E_STORE") && !err.code.startsWith("E_NOT_FOUND")))
        )
          this.broken.set(k, err);
      });
    }
    return p;
  }

  /** The version an alias names, champion falling back to `fallback` when it is missing or unloadable. */
  async alias(name: string, alias: string = championAlias): Promise<Served> {
    try {
      const served = { model: await this.version(name, await this.target(name, alias)), alias };
      if (alias === championAlias) this.fallingBack.delete(name);
      return served;
    } catch (err) {
      if (alias !== championAlias || !(err instanceof MlshipError) || err.code.startsWith("E_STORE_BUSY"))
        throw err;
      const served = await this.alias(name, fallbackAlias).catch(() => {
        throw err;
      });
      this.fallingBack.add(name);
      return { ...served, fallbackReason: `champion unavailable: ${err.what}` };
    }
  }

  snapshot(): HostSnapshot {
    const aliases = [...this.aliases].map(([k, version]) => {
      const [model, alias] = k.split("\u0000");
      return { model, alias, version };
    });
    return { aliases, fallbacks: [...this.fallingBack] };
  }

  private async target(name: string, alias: string): Promise<number> {
    const k = key(name, alias);
    const known = this.aliases.get(k);
    if (known !== undefined) return known;
    const v = (await getVersionByAlias(this.store, name, alias)).version;
    this.aliases.set(k, v);
    return v;
  }

  private async load(name: string, version: number): Promise<LoadedModel> {
    // Unknown names and versions fail here, before anything is reported to the listeners.
    const { artifactSha256 } = await getModelVersion(this.store, name, version);
    const listeners = this.options.modelListeners ?? [];
    const started = performance.now();
    try {
      const bytes = await getBlob(this.store, artifactSha256);
      const where = `model ${name} version ${version}`;
      const artifact = decodeArtifact(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), where);
      const loaded = { name, version, artifact, model: modelOf(artifact, where) };
      const seconds = (performance.now() - started) / 1000;
      for (const l of listeners) l.loaded?.(name, version, seconds);
      return loaded;
    } catch (err) {
      for (const l of listeners) l.loadFailed?.(name, version, err);
      throw err;
    }
  }

  private poll(): Promise<void> {
    this.polling ??= this.refresh()
      .catch(() => {
        // A busy or briefly unavailable store: keep serving what is loaded, ask again next tick.
      })
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  private async refresh(): Promise<void> {
    if (this.options.defaultModel === undefined) {
      const { models } = await searchRegisteredModels(this.store, { maxResults: 2 });
      this.onlyModel = models.length === 1 ? models[0].name : undefined;
    }
    const def = this.defaultModel();
    if (def !== undefined && !this.aliases.has(key(def, championAlias))) {
      await this.alias(def).catch(() => undefined);
    }
    for (const [k, current] of this.aliases) {
      const [name, alias] = k.split("\u0000");
      const next = await getVersionByAlias(this.store, name, alias).then(
        (v) => v.version,
        (err: unknown) => {
          if (err instanceof MlshipError && err.code.startsWith("E_NOT_FOUND")) return undefined;
          throw err;
        },
      );
      if (next === current) continue;
      if (next === undefined) {
        this.aliases.delete(k);
        continue;
      }
      // Loaded before the switch, so no request waits on it; a bad artifact still switches, so the
      // champion's failure shows (and falls back) instead of the old version being served silently.
      await this.version(name, next).catch(() => undefined);
      this.aliases.set(k, next);
    }
  }
}
