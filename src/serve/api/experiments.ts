import type { FastifyInstance } from "fastify";
import type { Store } from "../../store/index.js";
import { createExperiment, getExperiment, searchExperiments } from "../../track/index.js";
import { errors, name, object, pageQuery, stringList, stringMap, viewType } from "./schemas.js";

const tags = ["experiments"];

export function experimentRoutes(app: FastifyInstance, store: Store): void {
  app.get<{
    Querystring: {
      filter?: string;
      orderBy?: string[];
      maxResults?: number;
      pageToken?: string;
      viewType?: "active" | "deleted" | "all";
    };
  }>(
    "/experiments",
    {
      schema: {
        tags,
        summary: "Search experiments",
        querystring: {
          type: "object",
          properties: {
            filter: { type: "string", maxLength: 10_000 },
            orderBy: stringList,
            viewType,
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: "object",
            properties: { experiments: { type: "array", items: object }, nextPageToken: { type: "string" } },
          },
          ...errors,
        },
      },
    },
    async (request) => searchExperiments(store, request.query),
  );

  app.post<{ Body: { name: string; description?: string; tags?: Record<string, string> } }>(
    "/experiments",
    {
      schema: {
        tags,
        summary: "Create an experiment",
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name, description: { type: "string", maxLength: 100_000 }, tags: stringMap },
        },
        response: { 201: { type: "object", properties: { experiment: object } }, ...errors },
      },
    },
    async (request, reply) => {
      const { name: experimentName, ...rest } = request.body;
      const experiment = await createExperiment(store, experimentName, rest);
      return reply.status(201).send({ experiment });
    },
  );

  app.get<{ Params: { experimentId: string } }>(
    "/experiments/:experimentId",
    {
      schema: {
        tags,
        summary: "Get an experiment",
        params: { type: "object", properties: { experimentId: { type: "string" } } },
        response: { 200: { type: "object", properties: { experiment: object } }, ...errors },
      },
    },
    async (request) => ({ experiment: await getExperiment(store, request.params.experimentId) }),
  );
}
