-- Appends a batch of events to their sessions' hash chains in one round trip. On this kind of
-- machine a statement round trip costs more than the work it carries, so the writer's
-- lock-heads / insert / move-heads statements run here, server-side, in one call.
--
-- Each event arrives with its content digest (computed by the broker: EventHash.content); the
-- chain link is sha256(prev_hash || int8 big-endian seq || digest), exactly EventHash.link, so the
-- verifier (in Java) recomputes the same hashes. Heads are locked in id order, so concurrent
-- writers (lanes, replicas) cannot deadlock. A session missing from audit_session raises
-- SQLSTATE GH001 naming it; the writer inserts it and retries.
create function audit_append(
    p_session text[], p_at text[], p_direction text[], p_kind text[], p_method text[], p_jsonrpc_id text[],
    p_target text[], p_outcome text[], p_payload text[], p_size text[], p_masked text[], p_fail_open text[],
    p_digest text[])
returns void
language plpgsql
-- The statements inside are tiny; re-planning them for each call's arrays (custom plans) cost 2-3x
-- the execution itself. Their generic plans are what every call wants anyway.
set plan_cache_mode = force_generic_plan
as $$
declare
    ids     text[];
    slots   jsonb;
    counts  bigint[];
    heads   bytea[];
    seqs    bigint[];
    prevs   bytea[];
    links   bytea[];
    found   int;
    k       int;
    n       int := coalesce(array_length(p_session, 1), 0);
begin
    if n = 0 then
        return;
    end if;
    select array_agg(d.id order by d.id) into ids from (select distinct unnest(p_session) as id) d;
    perform 1 from audit_session where id = any(ids) order by id for update;
    select count(*), jsonb_object_agg(s.id, s.ord), array_agg(s.event_count order by s.ord),
           array_agg(coalesce(s.head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) order by s.ord)
      into found, slots, counts, heads
      from (select a.id, a.event_count, a.head_hash, row_number() over (order by a.id) as ord
              from audit_session a where a.id = any(ids)) s;
    if found < array_length(ids, 1) then
        raise exception using errcode = 'GH001',
            message = 'audit sessions missing: ' || array_to_string(array(select unnest(ids) except
                      select id from audit_session where id = any(ids)), ',');
    end if;
    seqs := array_fill(0::bigint, array[n]);
    prevs := array_fill(''::bytea, array[n]);
    links := array_fill(''::bytea, array[n]);
    for i in 1 .. n loop
        k := (slots ->> p_session[i])::int;
        counts[k] := counts[k] + 1;
        seqs[i] := counts[k];
        prevs[i] := heads[k];
        heads[k] := sha256(heads[k] || int8send(counts[k]) || decode(p_digest[i], 'hex'));
        links[i] := heads[k];
    end loop;

    insert into audit_event (session_id, seq, at, direction, kind, method, jsonrpc_id, target, outcome,
                             payload, size, masked, fail_open, prev_hash, hash)
    select e.s, e.q, e.a::timestamptz, e.d, e.k, e.m, e.j, e.t, e.o, e.p::jsonb, e.z::integer, e.mk::jsonb,
           e.f::boolean, e.ph, e.hh
      from unnest(p_session, seqs, p_at, p_direction, p_kind, p_method, p_jsonrpc_id, p_target, p_outcome,
                  p_payload, p_size, p_masked, p_fail_open, prevs, links)
           as e(s, q, a, d, k, m, j, t, o, p, z, mk, f, ph, hh);

    update audit_session s
       set event_count = v.c,
           head_hash = v.h,
           last_event_at = greatest(s.last_event_at, x.last_at),
           tools = case when x.targets <@ s.tools then s.tools
                        else array(select distinct y from unnest(s.tools || x.targets) as y) end,
           outcomes = case when x.outcomes <@ s.outcomes then s.outcomes
                           else array(select distinct y from unnest(s.outcomes || x.outcomes) as y) end,
           ended_at = coalesce(s.ended_at, x.ended_at),
           end_reason = coalesce(s.end_reason, x.end_reason)
      from unnest(ids, counts, heads) as v(id, c, h)
      join (select e.s as sid,
                   max(e.a::timestamptz) as last_at,
                   coalesce(array_agg(distinct e.t) filter (where e.t is not null), '{}') as targets,
                   coalesce(array_agg(distinct e.o) filter (where e.o is not null
                                                          and e.k not in ('session-start', 'session-end')), '{}')
                       || case when bool_or(e.f::boolean) then array['fail-open'] else '{}'::text[] end as outcomes,
                   max(e.a::timestamptz) filter (where e.k = 'session-end') as ended_at,
                   (array_agg(e.o) filter (where e.k = 'session-end'))[1] as end_reason
              from unnest(p_session, p_at, p_target, p_outcome, p_kind, p_fail_open) as e(s, a, t, o, k, f)
             group by e.s) x on x.sid = v.id
     where s.id = v.id;
end;
$$;
