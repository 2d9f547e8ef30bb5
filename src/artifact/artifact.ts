/**
 * The model file: a one-line JSON header (format, version, payload length and sha256) followed by the
 * payload, itself JSON data. Loading verifies length and checksum before parsing, parses with JSON.parse
 * only, and revives estimators through the fixed registry in core/protocol: nothing in the file is ever
 * executed, and no class is looked up by a name the registry does not already hold.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { MlshipError } from "../core/errors.js";
import { writeFileAtomic } from "../core/fs.js";
import { sha256 } from "../core/hash.js";
import { type Estimator, type EstimatorJSON, reviveEstimator } from "../core/protocol.js";
import { mlshipVersion } from "../core/version.js";
import type { DatasetSchema } from "../data/schema.js";
import type { Spec } from "../spec/schema.js";

export const ARTIFACT_FORMAT = "mlship-artifact";
export const ARTIFACT_FORMAT_VERSION = 1;

/** The parts of the spec a model carries so it can be judged and served without the spec file. */
export type SpecExcerpt = Pick<Spec, "name" | "objective" | "task" | "metric" | "pii"> & {
  target?: string;
  positiveClass?: string | number | boolean;
  /** The row key column (`features.key`): the server logs it beside predictions, never scores it. */
  key?: string;
};

export interface ArtifactPayload {
  mlshipVersion: string;
  createdAt: string;
  /** The fitted pipeline (preparation, and the model once there is one). */
  pipeline: EstimatorJSON;
  /** Schema of the input columns the pipeline expects. */
  inputSchema: DatasetSchema;
  /** The target column and, for classifiers, its classes. */
  target?: { name: string; type: string; classes?: string[] };
  spec: SpecExcerpt;
  /** sha256 fingerprint of the training data. */
  dataFingerprint: string;
  /** Free-form JSON data, e.g. evaluation figures. */
  metadata: Record<string, unknown>;
}

export interface Artifact {
  payload: ArtifactPayload;
  pipeline: Estimator;
  /** sha256 of the payload bytes, the artifact's identity. */
  sha256: string;
  bytes: number;
}

const headerSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  formatVersion: z.number().int(),
  payloadBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const payloadSchema = z.object({
  mlshipVersion: z.string(),
  createdAt: z.string(),
  pipeline: z.object({ kind: z.string(), params: z.unknown(), state: z.unknown() }),
  inputSchema: z.object({
    nRows: z.number(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
  }),
  target: z
    .object({ name: z.string(), type: z.string(), classes: z.array(z.string()).optional() })
    .optional(),
  // Optional fields stay optional: artifacts written before they existed still load.
  spec: z
    .object({
      name: z.string(),
      task: z.string(),
      key: z.string().optional(),
      pii: z.array(z.string()).optional(),
    })
    .passthrough(),
  dataFingerprint: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

export interface SaveOptions {
  pipeline: Estimator;
  inputSchema: DatasetSchema;
  target?: ArtifactPayload["target"];
  spec: SpecExcerpt;
  dataFingerprint: string;
  metadata?: Record<string, unknown>;
}

/** Serialise to the artifact bytes (exposed for the store, which keeps artifacts as blobs). */
export function encodeArtifact(options: SaveOptions): { bytes: Buffer; sha256: string } {
  const payload: ArtifactPayload = {
    mlshipVersion,
    createdAt: new Date().toISOString(),
    pipeline: options.pipeline.toJSON(),
    inputSchema: options.inputSchema,
    ...(options.target ? { target: options.target } : {}),
    spec: options.spec,
    dataFingerprint: options.dataFingerprint,
    metadata: options.metadata ?? {},
  };
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const digest = sha256(body);
  const header = JSON.stringify({
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    payloadBytes: body.length,
    sha256: digest,
  });
  return { bytes: Buffer.concat([Buffer.from(`${header}\n`, "utf8"), body]), sha256: digest };
}

export function saveArtifact(path: string, options: SaveOptions): { sha256: string; bytes: number } {
  const { bytes, sha256: digest } = encodeArtifact(options);
  writeFileAtomic(path, bytes);
  return { sha256: digest, bytes: bytes.length };
}

function corrupt(where: string, what: string, cause?: unknown): MlshipError {
  return new MlshipError(
    {
      what: `the model artifact is damaged or not an mlship artifact: ${what}`,
      where,
      fix: "re-create it with `mlship train`, or restore the file from its original source; do not edit artifacts by hand",
      code: "E_ARTIFACT_CORRUPT",
    },
    { cause },
  );
}

export function decodeArtifact(bytes: Buffer, where = "<bytes>"): Artifact {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw corrupt(where, "no header line");
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(bytes.subarray(0, nl).toString("utf8")));
  } catch (err) {
    throw corrupt(where, "the header is not a valid mlship artifact header", err);
  }
  if (header.formatVersion > ARTIFACT_FORMAT_VERSION) {
    throw new MlshipError({
      what: `the artifact uses format version ${header.formatVersion}, newer than this mlship (${mlshipVersion}) reads (${ARTIFACT_FORMAT_VERSION})`,
      where,
      fix: "upgrade mlship",
      code: "E_ARTIFACT_VERSION",
    });
  }
  const body = bytes.subarray(nl + 1);
  if (body.length !== header.payloadBytes) {
    throw corrupt(
      where,
      `payload is ${body.length} bytes, the header says ${header.payloadBytes} (truncated?)`,
    );
  }
  const digest = sha256(body);
  if (digest !== header.sha256)
    throw corrupt(where, "checksum mismatch: the payload was modified after it was written");
  let payload: ArtifactPayload;
  try {
    payload = payloadSchema.parse(JSON.parse(body.toString("utf8"))) as unknown as ArtifactPayload;
  } catch (err) {
    throw corrupt(where, "the payload does not have the expected structure", err);
  }
  let pipeline: Estimator;
  try {
    pipeline = reviveEstimator(payload.pipeline);
  } catch (err) {
    throw corrupt(where, `the pipeline cannot be rebuilt (${(err as Error).message})`, err);
  }
  return { payload, pipeline, sha256: digest, bytes: bytes.length };
}

export function loadArtifact(path: string): Artifact {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MlshipError(
      {
        what: code === "ENOENT" ? "model artifact not found" : `cannot read the model artifact (${code})`,
        where: path,
        fix: "check the path, or create the artifact with `mlship train`",
        code: "E_ARTIFACT_READ",
      },
      { cause: err },
    );
  }
  return decodeArtifact(bytes, path);
}
