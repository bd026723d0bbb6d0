-- Live approvals: audit_approval (V2) becomes the row the broker, the workflow's activities and the
-- web inbox share. PostgreSQL, not a broker's memory, decides which approval a call belongs to, so
-- any replica can attach a retry to it. The table is empty in every deployment so far, so the new
-- columns can be required without defaults.
alter table audit_approval
    -- SHA-256 over requester, upstream, method, target and canonical arguments: identical calls share it.
    add column call_key        text        not null,
    -- The broker's MCP session the call arrived on (null for a sessionless request); with jsonrpc_id it
    -- is what a notifications/cancelled names.
    add column mcp_session_id  text,
    add column jsonrpc_id      text        not null,     -- the request's id as JSON text ("1", "\"a\"")
    add column requester_email text        not null default '',
    add column method          text        not null,     -- tools/call | resources/read | prompts/get
    add column required        int         not null,
    -- The groups that may decide now: the first approvers, grown by each escalation step that passed.
    -- The workflow is the authority on eligibility; this column is what the inbox shows to whom.
    add column eligible_groups text[]      not null,
    add column deadline        timestamptz not null,
    -- Who decided: each decider as decisions arrive, then the ones whose decisions made the outcome.
    add column decided_by      text[]      not null default '{}',
    add constraint audit_approval_status_known
        check (status in ('pending', 'approved', 'denied', 'expired', 'cancelled', 'abandoned')),
    add constraint audit_approval_required_positive check (required >= 1);

-- At most one pending approval per identical call: a concurrent retry's insert conflicts here and
-- attaches to the approval that won, instead of asking the approvers a second time.
create unique index audit_approval_pending_call on audit_approval (call_key) where status = 'pending';
-- An identical call shortly after completion gets the recorded result (the replay window).
create index audit_approval_call_completed on audit_approval (call_key, decided_at desc) where status <> 'pending';
-- The inbox: by status, newest first, and what the viewer's groups may see.
drop index audit_approval_status;
create index audit_approval_status on audit_approval (status, created_at desc, id desc);
create index audit_approval_eligible on audit_approval using gin (eligible_groups);
-- The cap on pending approvals per caller counts these.
create index audit_approval_requester on audit_approval (requester, status);
-- notifications/cancelled names a session and a request id.
create index audit_approval_request on audit_approval (mcp_session_id, jsonrpc_id) where mcp_session_id is not null;
