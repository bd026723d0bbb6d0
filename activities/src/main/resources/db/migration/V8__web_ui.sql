-- The web UI: people signed in through OIDC, their logins in flight, the rule's reason on each
-- approval, and a notification whenever an approval appears or changes, so every broker replica's
-- inbox streams update live whichever replica, Slack or e-mail link made the change.

-- Why the rule asks for approval, shown in the inbox; '' for approvals made before it was kept.
alter table audit_approval add column policy_reason text not null default '';

-- A signed-in person. The cookie holds a random token; only its SHA-256 is stored, so a copy of the
-- table cannot be replayed as cookies. Any replica serves any session.
create table web_session (
    token_hash  bytea       primary key,
    issuer      text        not null,
    subject     text        not null,
    email       text,                           -- only when the IdP vouched for it (email_verified)
    groups      text[]      not null,
    csrf_token  text        not null,           -- sent back by the UI on every POST (X-CSRF-Token)
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null
);
create index web_session_expires on web_session (expires_at);

-- An authorization-code login between the redirect to the IdP and its callback, which may reach
-- another replica. Used once, then deleted; stale ones are swept.
create table web_login (
    state          text        primary key,
    code_verifier  text        not null,        -- PKCE (RFC 7636), S256
    nonce          text        not null,
    return_to      text        not null,        -- a path under /ui/, checked before it is stored
    created_at     timestamptz not null default now()
);
-- Anyone may start a login, so the sweep of stale ones must stay cheap however many there are.
create index web_login_created on web_login (created_at);

-- Tell listening brokers that approvals changed; the payload is only the id (the inbox refetches
-- what the viewer may see, so nothing leaks through the notification).
create function audit_approval_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('gatehouse_approval', new.id);
    return null;
end $$;

create trigger audit_approval_changed
    after insert or update on audit_approval
    for each row execute function audit_approval_notify();

-- The overview counts the policy's decisions of the last day.
create index audit_event_decision_at on audit_event (at) include (outcome) where kind = 'decision';
