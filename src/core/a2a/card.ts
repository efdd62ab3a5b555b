// An agent's A2A card: who it is, where its JSON-RPC and HTTP+JSON endpoints are, and which keys it wants (the
// server's own API keys, as X-API-Key or Bearer). Built per request, since the endpoints are absolute URLs on the
// origin the client reached.
import { A2A_PROTOCOL_VERSION, type AgentCard, type SecurityRequirement, type SecurityScheme } from "@a2a-js/sdk";
import type { Agent } from "../agents/schema";

export interface CardSite {
  /** e.g. http://127.0.0.1:9000 */
  origin: string;
  version: string;
  /** Whether requests need an API key (authentication on). */
  keysRequired: boolean;
}

/** The endpoints of an agent, below its base `/a2a/{agent_id}`. */
export const a2aBase = (origin: string, agentId: string) => `${origin}/a2a/${encodeURIComponent(agentId)}`;

const SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  apiKey: { scheme: { $case: "apiKeySecurityScheme", value: { description: "A Penguin API key", location: "header", name: "X-API-Key" } } },
  bearer: { scheme: { $case: "httpAuthSecurityScheme", value: { description: "A Penguin API key as a bearer token", scheme: "Bearer", bearerFormat: "" } } },
};
// Either scheme is enough.
const SECURITY_REQUIREMENTS: SecurityRequirement[] = [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }];

const DEFAULT_DESCRIPTION =
  "A Penguin agent: it reads and edits files, runs commands in a sandbox and answers in text. " +
  "Risky operations wait for a human's approval (the task is then INPUT_REQUIRED until it is answered on the Penguin server).";

export function agentCardOf(agent: Agent, site: CardSite): AgentCard {
  const base = a2aBase(site.origin, agent.id);
  const description = agent.persona_description ?? DEFAULT_DESCRIPTION;
  return {
    name: agent.id === "default" ? "Penguin" : `Penguin: ${agent.persona ?? agent.id}`,
    description,
    supportedInterfaces: [
      { url: `${base}/jsonrpc`, protocolBinding: "JSONRPC", tenant: "", protocolVersion: A2A_PROTOCOL_VERSION },
      { url: `${base}/rest`, protocolBinding: "HTTP+JSON", tenant: "", protocolVersion: A2A_PROTOCOL_VERSION },
    ],
    provider: { organization: "Penguin", url: site.origin },
    version: site.version,
    documentationUrl: `${site.origin}/api/docs`,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: site.keysRequired ? SECURITY_SCHEMES : {},
    securityRequirements: site.keysRequired ? SECURITY_REQUIREMENTS : [],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain"],
    skills: [
      {
        id: agent.id,
        name: agent.persona ?? agent.id,
        description,
        tags: ["agent", ...agent.default_tools],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
