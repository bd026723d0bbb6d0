-- The audit record: one row per recorded session, one row per event, hash-chained per session.
-- Sessions here are recording sessions: an MCP session (same id as mcp_session.id), or, for a
-- request that belongs to no MCP session (stateless revision, refusals before a session exists),
-- a recording session of its own whose id starts with "x-".
create table audit_session (
    id               text primary key,
    upstream         text        not null,
    caller_issuer    text        not null,
    caller_subject   text        not null,
    caller_email     text,
    caller_groups    text[]      not null default '{}',
    client_name      text,
    client_version   text,
    protocol_version text,
    started_at       timestamptz not null,
    ended_at         timestamptz,
    end_reason       text,
    -- The chain head, updated in the same transaction as the events it covers: deleting the last
    -- events of a chain is detected against it.
    event_count      bigint      not null default 0,
    head_hash        bytea,
    last_event_at    timestamptz,
    -- What the session did, for filtering: tools (or resources/prompts) it named, and outcomes
    -- (allowed, denied, refused, error, approval-required, fail-open).
    tools            text[]      not null default '{}',
    outcomes         text[]      not null default '{}'
);

-- Keyset pagination walks (started_at desc, id desc); the filters narrow it.
create index audit_session_started on audit_session (started_at desc, id desc);
create index audit_session_caller on audit_session (caller_subject, started_at desc, id desc);
create index audit_session_upstream on audit_session (upstream, started_at desc, id desc);
create index audit_session_groups on audit_session using gin (caller_groups);
create index audit_session_tools on audit_session using gin (tools);
create index audit_session_outcomes on audit_session using gin (outcomes);
-- Every batch moves the chain head of each session it touches. Keeping last_event_at out of any
-- index and leaving free space on each page lets those updates be HOT (no index maintenance, no
-- bloat of the primary key); retention walks started_at instead.
alter table audit_session set (fillfactor = 70);

create table audit_event (
    session_id   text        not null references audit_session (id) on delete cascade,
    seq          bigint      not null,            -- 1, 2, 3 ... within the session
    at           timestamptz not null,
    direction    text        not null,            -- client (to upstream) | upstream (to client) | broker
    kind         text        not null,            -- message | decision | refusal | session-start | session-end | note
    method       text,
    jsonrpc_id   text,                            -- the JSON-RPC id as JSON text ("1", "\"abc\"")
    target       text,                            -- tool name, resource URI or prompt name, when the event names one
    outcome      text,                            -- for decisions and refusals: allowed, denied, refused, error, ...
    payload      jsonb,                           -- the masked message or the decision/refusal details
    size         integer     not null,            -- bytes of the message as it crossed the broker (0 for broker events)
    masked       jsonb,                           -- what masking replaced: counts by detector, never values
    fail_open    boolean     not null default false, -- written late: the call went on while PostgreSQL was down
    prev_hash    bytea       not null,
    hash         bytea       not null,
    primary key (session_id, seq)
);

-- Events are read by session and sequence (the primary key); nothing reads them by time alone.

-- Approval requests of gated calls and each decision on them.
create table audit_approval (
    id              text primary key,
    session_id      text references audit_session (id) on delete set null,
    requester       text        not null,
    upstream        text        not null,
    tool            text        not null,
    args_digest     text        not null,         -- SHA-256 of the canonical arguments
    args_preview    jsonb,                        -- masked
    policy          text        not null,
    policy_version  text        not null,
    status          text        not null,         -- pending | approved | denied | expired | cancelled
    created_at      timestamptz not null,
    decided_at      timestamptz,
    outcome_reason  text
);

create index audit_approval_status on audit_approval (status, created_at desc);

create table audit_approval_decision (
    approval_id  text        not null references audit_approval (id) on delete cascade,
    approver     text        not null,
    channel      text        not null,            -- slack | email | web | api
    decided_at   timestamptz not null,
    decision     text        not null,            -- approve | deny
    reason       text,
    primary key (approval_id, approver)
);

-- Retention runs are themselves part of the record.
create table audit_retention_run (
    id               bigserial primary key,
    ran_at           timestamptz not null,
    ran_by           text        not null,
    cutoff           timestamptz not null,
    sessions_deleted bigint      not null,
    events_deleted   bigint      not null
);
