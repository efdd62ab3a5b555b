// The event log: every bus event, kept for a while (config [events] retention_hours) so that any live stream can
// replay what a client missed (`since=<id>`, SSE `Last-Event-ID`) and ids continue from the newest after a restart.
// Only the primary key is indexed on purpose: events are appended in id order (the B-tree grows at its end, the
// cheapest insert there is) and every read is a range from `since`, which is recent; the scope columns are filters
// applied to that range.
export default /* sql */ `
CREATE TABLE event_log (
  id               INTEGER PRIMARY KEY,
  type             TEXT NOT NULL,
  at               INTEGER NOT NULL,
  -- the user the event belongs to (NULL: the server's own, or auth off): a user key replays only its own
  owner            TEXT,
  conversation_id  TEXT,
  turn_id          TEXT,
  task_id          TEXT,
  data             TEXT NOT NULL
);
`;
