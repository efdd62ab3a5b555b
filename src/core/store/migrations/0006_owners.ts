// Users: the owner of conversations, session bindings, approval requests, audit entries and tasks (the user whose key
// created them, or whose turn raised them), and who decided an approval or made a grant. NULL owner: a row from
// before users existed, visible to admins only.
export default /* sql */ `
ALTER TABLE conversations ADD COLUMN owner TEXT;
CREATE INDEX conversations_owner ON conversations (owner, updated_at DESC);

ALTER TABLE session_bindings ADD COLUMN owner TEXT;

ALTER TABLE approval_requests ADD COLUMN owner TEXT;
ALTER TABLE approval_requests ADD COLUMN decided_by TEXT;
CREATE INDEX approval_requests_owner ON approval_requests (owner, status, created_at);

ALTER TABLE approval_grants ADD COLUMN approved_by TEXT;

ALTER TABLE audit_log ADD COLUMN owner TEXT;
ALTER TABLE audit_log ADD COLUMN decided_by TEXT;
CREATE INDEX audit_log_owner ON audit_log (owner, at);

ALTER TABLE tasks ADD COLUMN owner TEXT;
CREATE INDEX tasks_owner ON tasks (owner, created_at DESC);
`;
