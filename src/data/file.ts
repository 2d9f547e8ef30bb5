/**
 * Files (CSV/TSV, Parquet, JSON, NDJSON) through DuckDB. DuckDB parses and types the file; it also
 * dictionary-encodes string columns (an ENUM of the sorted distinct values, whose codes we read back),
 * so the JS side only copies fixed-width vectors chunk by chunk into preallocated typed arrays and never
 * builds a string or an object per cell. The raw vectors are read through @duckdb/node-bindings, the
 * documented low-level layer under @duckdb/node-api, whose vector classes check validity per cell with
 * BigInt arithmetic.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import type { DuckDBConnection, DuckDBResult } from "@duckdb/node-api";
import { MlshipError } from "../core/errors.js";
import { boolean, type Column, categorical, datetime, Frame, numeric } from "../core/frame.js";
import { diagnoseCsv } from "./csvcheck.js";
import { compareLevels } from "./values.js";

type Bindings = typeof import("@duckdb/node-bindings");
let bindings: Bindings;

/**
 * DuckDB is loaded on first use, not at import: it costs most of a second, which every CLI command
 * (even `--version`) and every server start would otherwise pay.
 */
async function openDuckDB(): Promise<{ con: DuckDBConnection; close(): void }> {
  const [{ DuckDBInstance }, native] = await Promise.all([
    import("@duckdb/node-api"),
    import("@duckdb/node-bindings"),
  ]);
  // A CommonJS module: its exports arrive as the default export.
  bindings = (native as unknown as { default: Bindings }).default;
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  return {
    con,
    close() {
      con.closeSync();
      instance.closeSync();
    },
  };
}

export type FileFormat = "csv" | "tsv" | "parquet" | "json" | "ndjson";

export interface ReadFileOptions {
  /** Detected from the extension when omitted. */
  format?: FileFormat;
  /** CSV only; "," for csv and a tab for tsv by default. */
  delimiter?: string;
  /** Relative paths resolve against this folder (default: the working directory). */
  baseDir?: string;
}

const extensions: Record<string, FileFormat> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".json": "json",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
};

export function detectFormat(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  const format = extensions[ext];
  if (!format) {
    throw new MlshipError({
      what: `cannot tell the format of "${path}" from its extension "${ext || "(none)"}"`,
      where: path,
      fix: `set format: csv | tsv | parquet | json | ndjson on the source, or use one of ${Object.keys(extensions).join(", ")}`,
      code: "E_DATA_FORMAT",
    });
  }
  return format;
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

function scanExpression(path: string, format: FileFormat, delimiter: string | undefined): string {
  const p = sqlString(path);
  switch (format) {
    case "csv":
    case "tsv": {
      const delim = delimiter ?? (format === "tsv" ? "\t" : ",");
      // Fixing the dialect we know (delimiter, header, no skipped lines) and strict mode makes DuckDB
      // reject ragged rows instead of guessing a different header or padding with NULLs.
      // BOOLEAN is left out of the type candidates: DuckDB would read yes/no columns as booleans, but a
      // "Yes"/"No" target must keep its labels; true/false columns become boolean afterwards.
      return (
        `read_csv(${p}, delim=${sqlString(delim)}, header=true, skip=0, strict_mode=true, null_padding=false, ` +
        `auto_type_candidates=['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR'])`
      );
    }
    case "parquet":
      return `read_parquet(${p})`;
    case "json":
      return `read_json(${p}, format='array')`;
    case "ndjson":
      return `read_json(${p}, format='newline_delimited')`;
  }
}

type Kind = "numeric" | "categorical" | "boolean" | "datetime";

const numericTypes = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "UHUGEINT",
  "FLOAT",
  "DOUBLE",
]);

function kindOf(duckType: string): Kind {
  if (numericTypes.has(duckType) || duckType.startsWith("DECIMAL")) return "numeric";
  if (duckType === "BOOLEAN") return "boolean";
  if (duckType === "DATE" || duckType.startsWith("TIMESTAMP")) return "datetime";
  // VARCHAR, and anything without a tabular meaning (TIME, UUID, nested values) as its text.
  return "categorical";
}

/** Reads a file into a Frame. Relative paths resolve against `baseDir`. */
export async function readFile(path: string, options: ReadFileOptions = {}): Promise<Frame> {
  const full = resolve(options.baseDir ?? process.cwd(), path);
  const format = options.format ?? detectFormat(full);
  checkReadable(full, format);
  const db = await openDuckDB();
  try {
    return await readWith(db.con, full, format, options.delimiter);
  } finally {
    db.close();
  }
}

function checkReadable(full: string, format: FileFormat): void {
  if (!existsSync(full)) {
    throw new MlshipError({
      what: `data file not found`,
      where: full,
      fix: "check the path (relative paths resolve against the spec file's folder)",
      code: "E_DATA_MISSING_FILE",
    });
  }
  const st = statSync(full);
  if (!st.isFile()) {
    throw new MlshipError({
      what: `data path is not a file`,
      where: full,
      fix: "point the source at a file, not a folder",
      code: "E_DATA_NOT_A_FILE",
    });
  }
  if (st.size === 0) {
    throw new MlshipError({
      what: `data file is empty (0 bytes)`,
      where: full,
      fix: "export the data again; the file has no header and no rows",
      code: "E_DATA_EMPTY",
    });
  }
  if (format === "csv" || format === "tsv") {
    // A header-only file would otherwise be sniffed as one data row, or read as zero rows silently.
    const head = Buffer.alloc(Math.min(st.size, 1 << 16));
    const fd = openSync(full, "r");
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const nl = head.indexOf(10);
    const rest = nl === -1 ? "" : head.subarray(nl + 1).toString("utf8");
    if (st.size <= head.length && rest.trim() === "") {
      throw new MlshipError({
        what: `data file has a header line but no data rows`,
        where: full,
        fix: "export the data again with its rows",
        code: "E_DATA_EMPTY",
      });
    }
  }
}

interface PreparedSource {
  columns: Array<{ name: string; duckType: string; kind: Kind }>;
  /** Per column, the SQL expression that yields its fixed-width value. */
  exprs: string[];
  /** Per categorical column, its levels over the whole file, so every chunk shares one dictionary. */
  levels: string[][];
  nRows: number;
}

async function readWith(
  con: DuckDBConnection,
  full: string,
  format: FileFormat,
  delimiter: string | undefined,
): Promise<Frame> {
  const prepared = await prepareSource(con, full, format, delimiter);
  return readRange(con, prepared, 0, prepared.nRows);
}

/** Parses the file into DuckDB once and works out how to read each column. */
async function prepareSource(
  con: DuckDBConnection,
  full: string,
  format: FileFormat,
  delimiter: string | undefined,
): Promise<PreparedSource> {
  const scan = scanExpression(full, format, delimiter);
  // Text formats are parsed once into a temporary table; Parquet is columnar already, a view suffices.
  const relation = format === "parquet" ? "VIEW" : "TEMP TABLE";
  try {
    await con.run(`CREATE ${relation} src AS SELECT * FROM ${scan}`);
  } catch (err) {
    // DuckDB infers column types from a sample of rows; when a later row contradicts the sample,
    // read again with types inferred from the whole file before calling it an error.
    const typedFromSample = /Conversion Error|Could not convert/i.test(String((err as Error)?.message));
    if (!typedFromSample || format === "parquet") throw await duckdbFileError(err, full, format, delimiter);
    try {
      await con.run(`CREATE ${relation} src AS SELECT * FROM ${scan.replace(/\)$/, ", sample_size=-1)")}`);
    } catch (again) {
      throw await duckdbFileError(again, full, format, delimiter);
    }
  }
  const described = (await con.runAndReadAll("DESCRIBE src")).getRows();
  const columns = described.map((r) => ({
    name: String(r[0]),
    duckType: String(r[1]),
    kind: kindOf(String(r[1])),
  }));
  const nRows = Number((await con.runAndReadAll("SELECT count(*) FROM src")).getRows()[0][0]);
  if (nRows === 0) {
    throw new MlshipError({
      what: `data file has no data rows`,
      where: full,
      fix: "export the data again with its rows",
      code: "E_DATA_EMPTY",
    });
  }
  const levels: string[][] = [];
  const exprs: string[] = [];
  for (const [k, c] of columns.entries()) {
    const q = sqlIdent(c.name);
    switch (c.kind) {
      case "numeric":
        exprs.push(`CAST(${q} AS DOUBLE)`);
        break;
      case "boolean":
        exprs.push(`CAST(${q} AS TINYINT)`);
        break;
      case "datetime":
        // An instant (WITH TIME ZONE) converts directly: casting it to TIMESTAMP would apply the
        // session's local time zone.
        exprs.push(
          c.duckType === "TIMESTAMP WITH TIME ZONE"
            ? `CAST(epoch_ms(${q}) AS DOUBLE)`
            : `CAST(epoch_ms(CAST(${q} AS TIMESTAMP)) AS DOUBLE)`,
        );
        break;
      case "categorical": {
        const text = c.duckType === "VARCHAR" ? q : `CAST(${q} AS VARCHAR)`;
        const present = await con.runAndReadAll(`SELECT count(${q}) FROM src`);
        if (Number(present.getRows()[0][0]) === 0) {
          // No value at all: nothing says it is text, and an all-missing column is numeric everywhere else.
          c.kind = "numeric";
          exprs.push("CAST(NULL AS DOUBLE)");
          break;
        }
        await con.run(
          `CREATE TYPE levels_${k} AS ENUM (SELECT DISTINCT ${text} FROM src WHERE ${q} IS NOT NULL ORDER BY 1)`,
        );
        const lv = (await con.runAndReadAll(`SELECT unnest(enum_range(NULL::levels_${k}))`)).getColumns()[0];
        levels[k] = lv.map(String);
        exprs.push(`CAST(enum_code(CAST(${text} AS levels_${k})) AS INTEGER)`);
        break;
      }
    }
  }
  return { columns, exprs, levels, nRows };
}

/** Rows [offset, offset + limit) of a prepared source, in file order. */
async function readRange(
  con: DuckDBConnection,
  p: PreparedSource,
  offset: number,
  limit: number,
): Promise<Frame> {
  const n = Math.max(0, Math.min(limit, p.nRows - offset));
  const out = p.columns.map((c) =>
    c.kind === "categorical"
      ? new Int32Array(n)
      : c.kind === "boolean"
        ? new Int8Array(n)
        : new Float64Array(n),
  );
  const groups = packGroups(out);
  const select = groups.map(
    (g) => `[${g.members.map((j) => p.exprs[j]).join(", ")}]::${g.sqlType}[${g.members.length}]`,
  );
  // DuckDB keeps insertion order for plain scans (preserve_insertion_order), so LIMIT/OFFSET pages in file order.
  const range = offset === 0 && n === p.nRows ? "" : ` LIMIT ${n} OFFSET ${offset}`;
  const result = await con.stream(`SELECT ${select.join(", ")} FROM src${range}`);
  await copyChunks(result, groups, out);
  const frameColumns = p.columns.map((c, k): [string, Column] => [
    c.name,
    toColumn(c.kind, out[k], p.levels[k]),
  ]);
  return new Frame(frameColumns, n);
}

/**
 * Reads a file as consecutive Frames of at most `chunkRows` rows, for scoring files larger than one
 * wants in memory as typed arrays. Categorical levels are those of the whole file in every chunk.
 */
export async function* readFileChunks(
  path: string,
  options: ReadFileOptions & { chunkRows?: number } = {},
): AsyncGenerator<Frame> {
  const full = resolve(options.baseDir ?? process.cwd(), path);
  const format = options.format ?? detectFormat(full);
  checkReadable(full, format);
  const chunkRows = options.chunkRows ?? 100_000;
  const db = await openDuckDB();
  try {
    const prepared = await prepareSource(db.con, full, format, options.delimiter);
    for (let offset = 0; offset < prepared.nRows; offset += chunkRows) {
      yield await readRange(db.con, prepared, offset, chunkRows);
    }
  } finally {
    db.close();
  }
}

function toColumn(kind: Kind, values: Float64Array | Int32Array | Int8Array, levels: string[]): Column {
  if (kind === "numeric") return numeric(values as Float64Array);
  if (kind === "datetime") return datetime(values as Float64Array);
  if (kind === "boolean") return boolean(values as Int8Array);
  return asBoolean(values as Int32Array, levels) ?? sortedCategorical(values as Int32Array, levels);
}

const booleanText = new Map([
  ["true", 1],
  ["false", 0],
]);

/** A text column holding only true/false (any case) is a boolean column. */
function asBoolean(codes: Int32Array, levels: readonly string[]): Column | null {
  if (levels.length === 0) return null;
  const value = levels.map((l) => booleanText.get(l.toLowerCase()));
  if (value.some((v) => v === undefined)) return null;
  const out = new Int8Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] < 0 ? -1 : (value[codes[i]] as number);
  return boolean(out);
}

/** DuckDB sorts VARCHAR by bytes, which is code point order; re-sort only if that ever disagrees. */
function sortedCategorical(codes: Int32Array, levels: string[]): Column {
  let sorted = true;
  for (let i = 1; i < levels.length && sorted; i++) sorted = compareLevels(levels[i - 1], levels[i]) < 0;
  if (sorted) return categorical(codes, levels);
  const order = levels.map((_, k) => k).sort((a, b) => compareLevels(levels[a], levels[b]));
  const remap = new Int32Array(levels.length);
  order.forEach((old, k) => {
    remap[old] = k;
  });
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) codes[i] = remap[codes[i]];
  return categorical(
    codes,
    order.map((k) => levels[k]),
  );
}

interface PackGroup {
  sqlType: "DOUBLE" | "INTEGER" | "TINYINT";
  /** Output column indices, in their order inside the packed array. */
  members: number[];
}

const maxPack = 256;

/**
 * Columns of one width travel packed into one fixed-size ARRAY per row: a chunk then holds one
 * contiguous child vector per group instead of one vector per column, which halves the cost of moving
 * a result across the binding (fewer native calls and external buffers per 2048 rows).
 */
function packGroups(out: ReadonlyArray<Float64Array | Int32Array | Int8Array>): PackGroup[] {
  const groups: PackGroup[] = [];
  for (const sqlType of ["DOUBLE", "INTEGER", "TINYINT"] as const) {
    const width = sqlType === "DOUBLE" ? 8 : sqlType === "INTEGER" ? 4 : 1;
    const members = out.flatMap((a, j) => (a.BYTES_PER_ELEMENT === width ? [j] : []));
    for (let i = 0; i < members.length; i += maxPack)
      groups.push({ sqlType, members: members.slice(i, i + maxPack) });
  }
  return groups;
}

/**
 * Streams the result chunk by chunk, un-interleaving each packed child vector into the preallocated
 * output arrays and marking NULLs from its validity bitmask (NaN for floats, -1 for codes and booleans).
 */
async function copyChunks(
  result: DuckDBResult,
  groups: readonly PackGroup[],
  out: Array<Float64Array | Int32Array | Int8Array>,
): Promise<void> {
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    const rows = chunk?.rowCount ?? 0;
    if (!chunk || rows === 0) break;
    for (let g = 0; g < groups.length; g++) {
      const { sqlType, members } = groups[g];
      const k = members.length;
      const child = bindings.array_vector_get_child(bindings.data_chunk_get_vector(chunk.chunk, g));
      const n = rows * k;
      const bytes = bindings.vector_get_data(
        child,
        n * (sqlType === "DOUBLE" ? 8 : sqlType === "INTEGER" ? 4 : 1),
      );
      const packed =
        sqlType === "DOUBLE"
          ? new Float64Array(bytes.buffer, bytes.byteOffset, n)
          : sqlType === "INTEGER"
            ? new Int32Array(bytes.buffer, bytes.byteOffset, n)
            : new Int8Array(bytes.buffer, bytes.byteOffset, n);
      for (let m = 0; m < k; m++) {
        const target = out[members[m]];
        for (let i = 0; i < rows; i++) target[offset + i] = packed[i * k + m];
      }
      const validity = bindings.vector_get_validity(child, Math.ceil(n / 64) * 8);
      if (validity) {
        const missing = sqlType === "DOUBLE" ? Number.NaN : -1;
        for (let e = 0; e < n; e++) {
          if (((validity[e >> 3] >> (e & 7)) & 1) === 0)
            out[members[e % k]][offset + Math.floor(e / k)] = missing;
        }
      }
    }
    offset += rows;
  }
}

async function duckdbFileError(
  err: unknown,
  full: string,
  format: FileFormat,
  delimiter: string | undefined,
): Promise<MlshipError> {
  const message = err instanceof Error ? err.message : String(err);
  if (format === "csv" || format === "tsv") {
    const problem = await diagnoseCsv(full, delimiter ?? (format === "tsv" ? "\t" : ","));
    if (problem) return problem;
  }
  const firstLine = message.split("\n")[0];
  return new MlshipError(
    {
      what: `cannot read ${format} file: ${firstLine}`,
      where: full,
      fix:
        format === "json" || format === "ndjson"
          ? "check that the file is valid JSON (an array of objects, or one object per line for ndjson)"
          : `check that the file really is ${format}`,
      code: "E_DATA_READ",
    },
    { cause: err },
  );
}
