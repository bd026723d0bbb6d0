-- The read path's caller filter matches a subject or an e-mail; each walks its own index in
-- keyset order and the two walks are merged (an OR across both columns could use neither's order).
create index audit_session_caller_email on audit_session (caller_email, started_at desc, id desc)
    where caller_email is not null;
