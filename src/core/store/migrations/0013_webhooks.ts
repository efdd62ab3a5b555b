// Webhook deliveries (GitHub, WhatsApp): each one kept once per (source, delivery id) — a redelivery or a repeated
// WhatsApp message id finds its row and is not queued again — and the row is the work queue: queued rows survive a
// restart and are picked up again. A WhatsApp sender's turns continue one conversation (webhook_threads).
export default /* sql */ `
CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  source           TEXT NOT NULL,
  delivery_id      TEXT NOT NULL,
  event            TEXT NOT NULL,
  payload          TEXT NOT NULL,
  -- queued → running → done | failed | ignored (no route, not allowed)
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  error            TEXT,
  conversation_id  TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (source, delivery_id)
);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, created_at);

CREATE TABLE webhook_threads (
  source           TEXT NOT NULL,
  thread_key       TEXT NOT NULL,
  conversation_id  TEXT NOT NULL,
  PRIMARY KEY (source, thread_key)
);
`;
