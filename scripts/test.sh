#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test:
#   Debian's chromium (the tracker's browser tests), clickhouse-server 18.16 (the ClickHouse
#   engine's tests start their own servers) and zookeeper (the replicated cluster test), the npm
#   packages, a build, then timed steps: the dependency rules, the type-check of the tests, every
#   test but the cluster, then the two-shard × two-replica ClickHouse cluster on its own.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/sbin/clickhouse-server ] || [ -x /usr/bin/clickhouse-server ] || need+=(clickhouse-server clickhouse-client)
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing Debian packages: ${need[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund   # also builds every package (the root "prepare" script)
node scripts/check-packages.mjs

CLUSTER_TEST=packages/server/test/clickhouse/cluster-real.test.ts
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name"
  "$@"
  echo "== $name: passed in $((SECONDS - t0)) s"
}
step "dependency rules (dependency-cruiser)" npm run lint:deps
step "type-check tests and benches" npm run typecheck:tests
step "tests" npx vitest run --exclude "$CLUSTER_TEST"
step "ClickHouse cluster: 2 shards x 2 replicas, ZooKeeper" npx vitest run "$CLUSTER_TEST"
