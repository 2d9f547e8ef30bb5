export { isLoopback } from "./address.js";
export { buildServer, type ServerOptions, serialize } from "./server.js";
