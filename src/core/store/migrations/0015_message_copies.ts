// A branch or a rollback's archive starts with copies of earlier messages; a copy keeps its tokens (its reply footer
// still shows them) but was not a model call of its own, so usage counts only the originals (`copied = 0`). Before
// this, copies were told apart by being older than their conversation; rows stored then are marked the same way.
export default /* sql */ `
ALTER TABLE messages ADD COLUMN copied INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET copied = 1
  WHERE created_at < (SELECT c.created_at FROM conversations AS c WHERE c.id = messages.conversation_id);
`;
