-- MCP sessions as the broker knows them. Any broker replica reads this table to serve a
-- request of a session another replica created, so no session lives only in one JVM.
create table mcp_session (
    id                  text primary key,          -- the id the broker minted and the client echoes
    upstream            text        not null,      -- configured upstream name
    upstream_session_id text,                      -- the upstream's own session handle, never shown to clients
    transport           text        not null,      -- streamable-http | sse (legacy bridge)
    caller_issuer       text        not null,
    caller_subject      text        not null,
    protocol_version    text,
    created_at          timestamptz not null default now(),
    ended_at            timestamptz,
    end_reason          text
);

create index mcp_session_caller on mcp_session (caller_issuer, caller_subject, created_at desc);
create index mcp_session_created on mcp_session (created_at desc);
