#!/usr/bin/env bash
# docker-compose.yml's temporal-namespace job (temporalio/admin-tools): waits for the Temporal server,
# creates the broker's namespace and registers the search attributes every gated-call workflow sets
# (the broker would register them itself when allowed to; a job makes the stack independent of that).
set -euo pipefail
address="${TEMPORAL_ADDRESS:?}" namespace="${GATEHOUSE_NAMESPACE:?}"
# A namespace just created takes a few seconds to reach every service's cache.
retry() {
  for _ in $(seq 30); do "$@" && return 0; sleep 2; done
  "$@"
}
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  echo "waiting for Temporal at $address..."; sleep 2
done
temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$address" --namespace "$namespace" --retention 30d
for attribute in GatehouseUpstream:Keyword GatehouseTool:Keyword GatehouseRequester:Keyword \
                 GatehouseStatus:Keyword GatehouseDecidedBy:KeywordList; do
  name="${attribute%%:*}" type="${attribute##*:}"
  if ! temporal operator search-attribute list --address "$address" --namespace "$namespace" | grep -w "$name" >/dev/null; then
    retry temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type"
  fi
done
echo "namespace $namespace is ready"
