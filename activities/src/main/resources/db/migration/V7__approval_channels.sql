-- Approval channels (Slack, e-mail): what each was told, who tried to decide through them, and the
-- single-use and replay guards their callbacks need. Shared by every broker replica.

-- The notice ledger: one row per thing a channel did for an approval. A notify activity that Temporal
-- retries finds its earlier deliveries here and does not post them again; the settle step finds every
-- announcement here, including those a retry delivered after the workflow stopped waiting for it.
create table approval_notice (
    approval_id text        not null references audit_approval (id) on delete cascade,
    -- request | escalation-N | reminder-N | decision-N | settle | concluded
    step        text        not null,
    channel     text        not null,
    -- the group told (announcements) or the handle updated (decision-N, settle)
    target      text        not null,
    -- where the announcement is (a Slack channel and message ts), for later updates; '' when none
    handle      text        not null default '',
    at          timestamptz not null default now(),
    primary key (approval_id, step, channel, target)
);

-- Written by the settle step before it reads the ledger: a notice delivered after that reads it and
-- settles itself, so no announcement is left showing buttons for a call that has ended.
alter table audit_approval add column settlement jsonb;

-- Every decision offered through a channel that vouches for the person itself (Slack, e-mail links),
-- whether it was taken or refused, and every request such a channel refused before it could tell.
create table decision_attempt (
    id          bigserial   primary key,
    at          timestamptz not null default now(),
    channel     text        not null,   -- slack | email
    approval_id text,                   -- null when the request did not say (a forged one)
    actor       text        not null,   -- Slack user id (and e-mail once known), or the link's address
    action      text        not null,   -- approve | deny | open | request
    outcome     text        not null,   -- decided | refused | forged | stale | replayed | unknown-user | used | ...
    detail      text        not null default ''
);
create index decision_attempt_approval on decision_attempt (approval_id, at);
create index decision_attempt_at on decision_attempt (at);

-- E-mailed decision links are single use: a link's id is spent by the first POST that carries it.
create table email_link_use (
    link_id     text        primary key,
    approval_id text        not null,
    approver    text        not null,
    verdict     text        not null,
    used_at     timestamptz not null default now()
);

-- Slack request signatures seen within the five minutes a timestamp is accepted: a replayed body is refused.
create table slack_request_seen (
    signature text        primary key,
    seen_at   timestamptz not null default now()
);
create index slack_request_seen_at on slack_request_seen (seen_at);
