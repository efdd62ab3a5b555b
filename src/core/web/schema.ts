// web_fetch's shapes, declared once (TypeBox): the tool's arguments, and what its result carries for the API and the
// UI (action_results[].data). It publishes no events of its own: its calls travel as tool events of the turn.
import { Type as T, type Static } from "@sinclair/typebox";

export const WebFetchArguments = T.Object({
  url: T.String({ minLength: 1, maxLength: 4096, description: "An http(s) URL" }),
  max_chars: T.Optional(T.Integer({ minimum: 100, maximum: 1_000_000, description: "Characters of readable text to return (default 20000)" })),
});
export type WebFetchArguments = Static<typeof WebFetchArguments>;

export const WebFetchData = T.Object({
  url: T.String(),
  final_url: T.String(),
  status: T.Integer(),
  content_type: T.String(),
  bytes: T.Integer({ description: "Bytes read (at most [tools] fetch_max_bytes)" }),
  truncated: T.Boolean(),
  redirects: T.Array(T.String()),
});
export type WebFetchData = Static<typeof WebFetchData>;
