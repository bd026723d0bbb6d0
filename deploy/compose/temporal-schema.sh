#!/usr/bin/env bash
# docker-compose.yml's temporal-schema job (temporalio/admin-tools): creates Temporal's two databases in
# the stack's PostgreSQL and brings their schemas to this server version. Safe to run on every `up`:
# an existing database is kept and update-schema applies only the versions it lacks.
set -euo pipefail
sql=(temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:?}" --port "${DB_PORT:?}"
     --user "${POSTGRES_USER:?}" --password "${POSTGRES_PWD:?}")
schema=/etc/temporal/schema/postgresql/v12
for db in "${DBNAME:?}:temporal" "${VISIBILITY_DBNAME:?}:visibility"; do
  name="${db%%:*}" kind="${db##*:}"
  "${sql[@]}" --db "$name" create 2>/dev/null || echo "database $name exists; keeping it"
  "${sql[@]}" --db "$name" setup-schema -v 0.0 2>/dev/null || echo "schema of $name is set up; updating it"
  "${sql[@]}" --db "$name" update-schema -d "$schema/$kind/versioned"
done
