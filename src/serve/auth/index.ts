export { defaultRateLimit, registerSecurity, type SecurityOptions } from "./hooks.js";
export {
  type ApiKey,
  authEnabled,
  createKey,
  keysFingerprintSql,
  listKeys,
  revokeKey,
  verifyKey,
} from "./keys.js";
export { RateLimiter } from "./limit.js";
export { requiredRole } from "./policy.js";
export { allows, isRole, type Role, roles } from "./roles.js";
export { registerKeyRoutes } from "./routes.js";
