// The message bus (POST /api/v1/messages and the send_message tool) and the coordinator's roles. Every message is
// kept: who sent it to whom, on which channel, and what became of it (the turn it started in the recipient's
// conversation, or the human reply it waits for). Roles are kept in the order agents registered, which is the
// coordinator's round-robin order.
export default /* sql */ `
CREATE TABLE bus_messages (
  id               TEXT PRIMARY KEY,
  sender           TEXT NOT NULL,
  recipient        TEXT NOT NULL,
  content          TEXT NOT NULL,
  message_type     TEXT NOT NULL,
  channel          TEXT,
  metadata         TEXT NOT NULL DEFAULT '{}',
  -- sent: stored, nothing acts on it yet; delivered: the recipient's turn runs; answered / failed / interrupted: how
  -- that turn ended; awaiting_reply / replied: a message to the human that an agent waits on
  status           TEXT NOT NULL,
  -- where the recipient agent acted on it, and the turn that sent it or that it started
  conversation_id  TEXT,
  turn_id          TEXT,
  -- the user whose key or turn sent it (NULL: auth off, or the server itself)
  owner            TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX bus_messages_created ON bus_messages (created_at);
CREATE INDEX bus_messages_recipient ON bus_messages (recipient, owner, created_at);
CREATE INDEX bus_messages_owner ON bus_messages (owner, created_at);

CREATE TABLE agent_roles (
  role           TEXT NOT NULL,
  agent_id       TEXT NOT NULL,
  registered_at  INTEGER NOT NULL,
  PRIMARY KEY (role, agent_id)
);
CREATE INDEX agent_roles_agent ON agent_roles (agent_id);
`;
