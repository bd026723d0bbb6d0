-- Every batch moves the chain head of each session it touches. Keeping last_event_at out of any
-- index and leaving free space on each page lets those updates be HOT (no index maintenance, no
-- bloat of the primary key), which is most of what a durable batch costs PostgreSQL.
drop index audit_session_last_event;
alter table audit_session set (fillfactor = 70);
-- Events are read by session and sequence (the primary key); nothing reads them by time alone.
drop index audit_event_at;
