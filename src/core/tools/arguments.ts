// Checking a tool call's arguments against the tool's parameters. Built-in tools declare theirs with TypeBox; tools
// that come from elsewhere (an MCP server's, a client's function tools) bring plain JSON Schema, which is checked with
// the JSON Schema validator the MCP SDK ships (ajv), compiled once per schema.
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaType, JsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";

export type ArgumentCheck = { ok: true; value: Record<string, unknown> } | { ok: false; problems: string[] };

/** At most this many problems are reported: the first ones are the most telling. */
const MAX_PROBLEMS = 5;

export const isTypeBoxSchema = (schema: object): schema is TSchema => Kind in schema;

/** Checks (a copy of) the arguments; TypeBox tools get defaults and conversions first ("5" for 5), as models need. */
export function checkArguments(schema: object, args: Record<string, unknown>): ArgumentCheck {
  return isTypeBoxSchema(schema) ? checkTypeBox(schema, args) : checkJsonSchema(schema, args);
}

function checkTypeBox(schema: TSchema, args: Record<string, unknown>): ArgumentCheck {
  const candidate = Value.Convert(schema, Value.Default(schema, structuredClone(args)));
  if (Value.Check(schema, candidate)) return { ok: true, value: candidate as Record<string, unknown> };
  // one problem per field (the first is the most telling)
  const byField = new Map<string, string>();
  for (const e of Value.Errors(schema, candidate)) {
    const field = e.path.replace(/^\//, "").replaceAll("/", ".") || "(arguments)";
    if (!byField.has(field)) byField.set(field, e.message.replace(/^Expected required property$/, "is required"));
    if (byField.size >= MAX_PROBLEMS) break;
  }
  return { ok: false, problems: [...byField].map(([field, message]) => `${field}: ${message}`) };
}

const jsonSchemas = new AjvJsonSchemaValidator();
const compiled = new WeakMap<object, JsonSchemaValidator<unknown> | null>();

function checkJsonSchema(schema: object, args: Record<string, unknown>): ArgumentCheck {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      // "$schema" names a draft the validator may not carry (2020-12); the keywords tools use read the same in all
      const { $schema: _draft, ...rest } = schema as Record<string, unknown>;
      validate = jsonSchemas.getValidator(rest as JsonSchemaType);
    } catch {
      // a schema the validator cannot compile: the tool's owner checks its own arguments
      validate = null;
    }
    compiled.set(schema, validate);
  }
  const value = structuredClone(args);
  if (!validate) return { ok: true, value };
  const result = validate(value);
  if (result.valid) return { ok: true, value };
  // ajv's text: "data/message must be string, data must have required property 'x'"
  const problems = result.errorMessage
    .split(/, (?=data\b)/)
    .slice(0, MAX_PROBLEMS)
    .map((p) => p.replace(/^data(\/\S*)?\s*/, (_, path: string | undefined) => `${path ? path.slice(1).replaceAll("/", ".") : "(arguments)"}: `));
  return { ok: false, problems };
}
