-- A subject is unique only within its issuer: with two trusted issuers, two workloads may share
-- one. Approvals kept the requester's subject alone, so "the requester may see their approval" and
-- the per-requester cap of pending approvals could not tell them apart. Keep the issuer too.
alter table audit_approval add column requester_issuer text not null default '';

-- Approvals recorded before: their recording session names the caller's issuer (an approval whose
-- session is gone keeps '' and is then visible to approvers and auditors only, never by subject).
update audit_approval a
   set requester_issuer = s.caller_issuer
  from audit_session s
 where a.session_id = s.id;
