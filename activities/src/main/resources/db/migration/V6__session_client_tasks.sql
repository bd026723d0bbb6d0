-- Whether the client declared the 2025-11-25 `tasks` capability at initialize. Only such a client is
-- offered tasks for its approval-gated calls, and the request that asks for one may reach any replica,
-- so the declaration is kept with the session rather than in the replica that saw the initialize.
alter table mcp_session add column client_tasks boolean not null default false;
