export {
  type CollectOptions,
  type CollectProgress,
  collect,
  type Dataset,
  describeSource,
} from "./collect.js";
export { concatFrames, joinFrames } from "./combine.js";
export { detectFormat, type FileFormat, type ReadFileOptions, readFile, readFileChunks } from "./file.js";
export { fingerprint } from "./fingerprint.js";
export { type HttpPaging, type ReadHttpOptions, readHttp, redactUrl } from "./http.js";
export { inferSchema } from "./infer.js";
export { describePostgresUrl, type ReadPostgresOptions, readPostgres } from "./postgres.js";
export type { ColumnSchema, DatasetSchema } from "./schema.js";
export { type ReadSqliteOptions, readSqlite } from "./sqlite.js";
export {
  columnFromValues,
  compareLevels,
  encodeStrings,
  frameFromRecords,
  frameFromRows,
  parseIsoDate,
  SharedLevels,
  type TypeHint,
} from "./values.js";
export {
  ChunkedWriter,
  csvHeader,
  csvRows,
  ndjsonRows,
  type OutputFormat,
  outputFormatOf,
  writeFrame,
} from "./write.js";
