import type { FastifyInstance } from "fastify";
import {
  aliasHistory,
  createRegisteredModel,
  deleteAlias,
  getModelVersion,
  getRegisteredModel,
  getVersionByAlias,
  registerRun,
  rollbackAlias,
  searchModelVersions,
  searchRegisteredModels,
  setAlias,
} from "../../registry/index.js";
import type { Store } from "../../store/index.js";
import { errors, name, object, pageQuery, stringMap } from "./schemas.js";

const tags = ["models"];
const modelParams = { type: "object", properties: { name: { type: "string" } } } as const;
const versionParams = {
  type: "object",
  properties: { name: { type: "string" }, version: { type: "integer", minimum: 1 } },
} as const;
const aliasParams = {
  type: "object",
  properties: { name: { type: "string" }, alias: { type: "string", minLength: 1, maxLength: 256 } },
} as const;
const reason = { type: "string", minLength: 1, maxLength: 10_000 } as const;
const versionResponse = { 200: { type: "object", properties: { version: object } }, ...errors } as const;
const modelResponse = { 200: { type: "object", properties: { model: object } }, ...errors } as const;

export function modelRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { filter?: string; maxResults?: number; pageToken?: string } }>(
    "/models",
    {
      schema: {
        tags,
        summary: "Search registered models",
        querystring: {
          type: "object",
          properties: { filter: { type: "string", maxLength: 10_000 }, ...pageQuery },
        },
        response: {
          200: {
            type: "object",
            properties: { models: { type: "array", items: object }, nextPageToken: { type: "string" } },
          },
          ...errors,
        },
      },
    },
    async (request) => searchRegisteredModels(store, request.query),
  );

  app.post<{ Body: { name: string; description?: string; tags?: Record<string, string> } }>(
    "/models",
    {
      schema: {
        tags,
        summary: "Create a registered model",
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name, description: { type: "string", maxLength: 100_000 }, tags: stringMap },
        },
        response: { 201: { type: "object", properties: { model: object } }, ...errors },
      },
    },
    async (request, reply) => {
      const { name: modelName, ...rest } = request.body;
      return reply
        .status(201)
        .send({ model: await createRegisteredModel(store, modelName, { ...rest, actor: request.actor }) });
    },
  );

  app.get<{ Params: { name: string } }>(
    "/models/:name",
    { schema: { tags, summary: "Get a registered model", params: modelParams, response: modelResponse } },
    async (request) => ({ model: await getRegisteredModel(store, request.params.name) }),
  );

  app.get<{ Params: { name: string }; Querystring: { maxResults?: number; pageToken?: string } }>(
    "/models/:name/versions",
    {
      schema: {
        tags,
        summary: "List a model's versions, newest first",
        params: modelParams,
        querystring: { type: "object", properties: pageQuery },
        response: {
          200: {
            type: "object",
            properties: { versions: { type: "array", items: object }, nextPageToken: { type: "string" } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      // Asking for the model first turns an unknown name into a 404 rather than an empty list.
      await getRegisteredModel(store, request.params.name);
      return searchModelVersions(store, { name: request.params.name, ...request.query });
    },
  );

  app.post<{ Params: { name: string }; Body: { runId: string; artifactPath?: string } }>(
    "/models/:name/versions",
    {
      schema: {
        tags,
        summary: "Register a run's model artifact as the next version",
        params: modelParams,
        body: {
          type: "object",
          required: ["runId"],
          additionalProperties: false,
          properties: { runId: { type: "string", maxLength: 200 }, artifactPath: name },
        },
        response: { 201: { type: "object", properties: { version: object } }, ...errors },
      },
    },
    async (request, reply) => {
      const { runId, artifactPath } = request.body;
      const version = await registerRun(store, runId, {
        name: request.params.name,
        artifactPath,
        actor: request.actor,
      });
      return reply.status(201).send({ version });
    },
  );

  app.get<{ Params: { name: string; version: number } }>(
    "/models/:name/versions/:version",
    { schema: { tags, summary: "Get a model version", params: versionParams, response: versionResponse } },
    async (request) => ({
      version: await getModelVersion(store, request.params.name, request.params.version),
    }),
  );

  app.get<{ Params: { name: string; alias: string } }>(
    "/models/:name/aliases/:alias",
    {
      schema: {
        tags,
        summary: "The version an alias points to",
        params: aliasParams,
        response: versionResponse,
      },
    },
    async (request) => ({
      version: await getVersionByAlias(store, request.params.name, request.params.alias),
    }),
  );

  app.put<{
    Params: { name: string; alias: string };
    Body: { version: number; reason?: string; force?: boolean };
  }>(
    "/models/:name/aliases/:alias",
    {
      schema: {
        tags,
        summary: "Point an alias at a version (promotion); guarded, audited",
        description:
          "Refused when the version's artifact fails its checksum; `champion` also requires the version to " +
          "meet the spec's threshold and constraints unless `force` is true with a `reason` (recorded).",
        params: aliasParams,
        body: {
          type: "object",
          required: ["version"],
          additionalProperties: false,
          properties: { version: { type: "integer", minimum: 1 }, reason, force: { type: "boolean" } },
        },
        response: versionResponse,
      },
    },
    async (request) => {
      const { name: modelName, alias } = request.params;
      await setAlias(store, { name: modelName, alias, ...request.body, actor: request.actor });
      return { version: await getVersionByAlias(store, modelName, alias) };
    },
  );

  app.delete<{ Params: { name: string; alias: string }; Querystring: { reason?: string } }>(
    "/models/:name/aliases/:alias",
    {
      schema: {
        tags,
        summary: "Remove an alias (audited)",
        params: aliasParams,
        querystring: { type: "object", properties: { reason } },
        response: modelResponse,
      },
    },
    async (request) => {
      const { name: modelName, alias } = request.params;
      await deleteAlias(store, {
        name: modelName,
        alias,
        reason: request.query.reason,
        actor: request.actor,
      });
      return { model: await getRegisteredModel(store, modelName) };
    },
  );

  app.post<{ Params: { name: string; alias: string }; Body: { reason?: string } }>(
    "/models/:name/aliases/:alias/rollback",
    {
      schema: {
        tags,
        summary: "Move an alias back to the version it pointed to before (audited)",
        params: aliasParams,
        body: { type: "object", additionalProperties: false, properties: { reason } },
        response: versionResponse,
      },
    },
    async (request) => {
      const { name: modelName, alias } = request.params;
      await rollbackAlias(store, {
        name: modelName,
        alias,
        reason: request.body.reason,
        actor: request.actor,
      });
      return { version: await getVersionByAlias(store, modelName, alias) };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { alias?: string } }>(
    "/models/:name/history",
    {
      schema: {
        tags,
        summary: "Every alias move of a model (who, when, from, to, why), oldest first",
        params: modelParams,
        querystring: { type: "object", properties: { alias: { type: "string", maxLength: 256 } } },
        response: {
          200: { type: "object", properties: { events: { type: "array", items: object } } },
          ...errors,
        },
      },
    },
    async (request) => {
      await getRegisteredModel(store, request.params.name);
      return { events: await aliasHistory(store, request.params.name, request.query.alias) };
    },
  );
}
