// Model calls that store no message of their own (a conversation's title, a parsed command): their usage and cost are
// kept here so usage reports count them. Every other model call carries its usage on the message it produced.
// A call made for a conversation goes when the conversation goes (as its messages do); a branch or a rollback's
// archive copies messages, never these rows, so they are counted once.
export default /* sql */ `
CREATE TABLE model_calls (
  id                TEXT PRIMARY KEY,
  conversation_id   TEXT REFERENCES conversations(id) ON DELETE CASCADE,
  -- the user it was made for (a title: the conversation's owner; a parsed command: the caller); NULL: admins only
  owner             TEXT,
  agent_id          TEXT NOT NULL DEFAULT 'default',
  model             TEXT NOT NULL,
  -- title | command
  kind              TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd          REAL NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL
);
CREATE INDEX model_calls_conversation ON model_calls (conversation_id);
CREATE INDEX model_calls_created ON model_calls (created_at);
`;
