export { getBlob, hasBlob, putBlob } from "./blobs.js";
export { storeError } from "./errors.js";
export { latestSchemaVersion, type StoreDialect } from "./migrations.js";
export {
  type OpenStoreOptions,
  openStore,
  resolveStorePath,
  type Store,
  storeSchemaVersion,
} from "./open.js";
export type * from "./schema.js";
