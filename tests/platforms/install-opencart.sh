#!/usr/bin/env bash
# Installs OpenCart 4.1.0.4 for keepword's platform tests, once per machine.
#
#   tests/platforms/install-opencart.sh [ARCHIVE]
#
# ARCHIVE is the upstream source archive (opencart-4.1.0.4.tar.gz, checked against its sha256);
# without it, $KEEPWORD_OPENCART_ARCHIVE, then ../shared/stores/ beside the clone. The runtime
# (MariaDB, PHP) comes from Debian's apt, installed when missing (as root). The result is cached
# outside the clone in $CACHE_ROOT/opencart-4.1.0.4/ (see _common.sh):
#   upload/           OpenCart's code, installed, with keepword's env-driven config.php files
#   mysql-template/   a MariaDB data folder holding the installed store (demo catalogue, settings),
#                     shut down cleanly: each test store starts from a copy of it
# Idempotent: a second run checks the packages and the stamp and says so (well under a second).
set -euo pipefail
PLATFORM=opencart
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

VERSION=4.1.0.4
SHA256=f215bb995422c3768ba29a11fd1880d15083a73ff5c705a6413360414bae19c6
APT_PACKAGES=(mariadb-server mariadb-client php-cli php-mysql php-gd php-curl php-zip php-mbstring php-xml)
TARGET="$CACHE_ROOT/opencart-$VERSION"
FILES="$PLATFORMS_DIR/files/opencart"
RECIPE="$(recipe_hash "${BASH_SOURCE[0]}" "$FILES/config.php" "$FILES/admin-config.php")"

ensure_apt "${APT_PACKAGES[@]}"
if installed "$TARGET" "$RECIPE"; then
  step "already installed in $TARGET"
  exit 0
fi

archive=""
for candidate in "${1:-}" "${KEEPWORD_OPENCART_ARCHIVE:-}" \
                 "$CLONE_DIR/../shared/stores/opencart-$VERSION.tar.gz" \
                 "$CLONE_DIR/../../shared/stores/opencart-$VERSION.tar.gz"; do  # a worktree's clone
  if [ -n "$candidate" ] && [ -f "$candidate" ]; then archive="$candidate"; break; fi
done
[ -n "$archive" ] || fail "opencart-$VERSION.tar.gz not found: pass its path, or set KEEPWORD_OPENCART_ARCHIVE, or put it in ../shared/stores/ beside the clone"
step "checking $archive"
echo "$SHA256  $archive" | sha256sum -c --quiet - || fail "$archive: sha256 differs from $SHA256"

PARTIAL="$TARGET.partial"
rm -rf "$PARTIAL"
mkdir -p "$PARTIAL"
step "unpacking into $PARTIAL"
tar -xzf "$archive" -C "$PARTIAL" --strip-components=1
[ -f "$PARTIAL/upload/install/cli_install.php" ] || fail "$archive holds no upload/install/cli_install.php"

# A private MariaDB for the installer, in a scratch folder its service user can enter.
WORK="$(scratch_dir)"
on_exit "rm -rf '$WORK'"
DB_USER="$(service_user mysql)"
DB_PORT="$(free_port)"
mkdir "$WORK/data"
chown "$DB_USER" "$WORK" "$WORK/data"
step "creating a MariaDB data folder"
mariadb-install-db --no-defaults --datadir="$WORK/data" --user="$DB_USER" \
  --auth-root-authentication-method=socket --skip-test-db >"$WORK/install-db.log" 2>&1 \
  || { cat "$WORK/install-db.log" >&2; fail "mariadb-install-db failed"; }
as_root_flag=()
[ "$(id -u)" = 0 ] && as_root_flag=(--user="$DB_USER")
step "starting MariaDB on 127.0.0.1:$DB_PORT"
/usr/sbin/mariadbd --no-defaults --datadir="$WORK/data" --socket="$WORK/mysql.sock" \
  --port="$DB_PORT" --bind-address=127.0.0.1 --skip-log-bin --skip-name-resolve \
  --pid-file="$WORK/mysql.pid" --log-error="$WORK/mysql.err" --innodb-buffer-pool-size=64M \
  "${as_root_flag[@]}" &
DB_PID=$!
on_exit "kill $DB_PID 2>/dev/null; wait $DB_PID 2>/dev/null"
wait_for_port "$DB_PORT" 60 MariaDB
mariadb --no-defaults --socket="$WORK/mysql.sock" -u "$(id -un)" <<'SQL'
CREATE DATABASE opencart CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'opencart'@'127.0.0.1' IDENTIFIED BY 'opencart';
CREATE USER 'opencart'@'localhost' IDENTIFIED BY 'opencart';
GRANT ALL ON opencart.* TO 'opencart'@'127.0.0.1';
GRANT ALL ON opencart.* TO 'opencart'@'localhost';
SQL

step "running OpenCart's own installer (install/cli_install.php)"
HTTP_PORT="$(free_port)"
cd "$PARTIAL/upload"
cp config-dist.php config.php
cp admin/config-dist.php admin/config.php
php install/cli_install.php install --username admin --password keepword-admin \
  --email owner@opencart.example.test --http_server "http://127.0.0.1:$HTTP_PORT/" \
  --db_driver mysqli --db_hostname 127.0.0.1 --db_username opencart --db_password opencart \
  --db_database opencart --db_port "$DB_PORT" --db_prefix oc_ >"$WORK/cli_install.log" 2>&1 || true
grep -q SUCCESS "$WORK/cli_install.log" || { cat "$WORK/cli_install.log" >&2; fail "OpenCart's installer failed"; }
rm -rf install

# The settings every test store starts with. The demo data already has guest checkout, cash on
# delivery and a flat-rate shipping method (5.00) switched on. Two demo-data taxes go: the fixed
# "Eco Tax (-2.00)", which OpenCart 4.1.0.4 adds once per basket line in the totals but once per
# item in the line totals (at quantity 2 the lines add up to 2.00 more than the total), and tax on
# shipping, which makes the method picker say 8.00 and the order table 5.00 for the same charge.
# UK VAT (20 %) on products stays: prices are shown with it, the sub-total without it.
# E-mail goes through PHP's mail() and its sendmail_path, which the fixture points at keepword's
# mail sink (OpenCart's SMTP engine always sends AUTH LOGIN, which keepword's sink does not offer).
# Currencies stay put: no automatic rate updates from the European Central Bank (no network).
step "settings: no eco tax, untaxed shipping, mail engine, store e-mail, time zone, no currency updates"
mariadb --no-defaults --socket="$WORK/mysql.sock" -u "$(id -un)" opencart <<'SQL'
DELETE FROM oc_tax_rule WHERE tax_rate_id = 87;
DELETE FROM oc_tax_rate_to_customer_group WHERE tax_rate_id = 87;
DELETE FROM oc_tax_rate WHERE tax_rate_id = 87;
UPDATE oc_setting SET `value` = '0' WHERE `key` = 'shipping_flat_tax_class_id';
UPDATE oc_setting SET `value` = 'mail' WHERE `key` = 'config_mail_engine';
UPDATE oc_setting SET `value` = 'shop@opencart.example.test' WHERE `key` = 'config_email';
UPDATE oc_setting SET `value` = 'UTC' WHERE `key` = 'config_timezone';
UPDATE oc_setting SET `value` = '0' WHERE `key` = 'config_currency_auto';
SQL

step "keepword's env-driven config.php files"
cp "$FILES/config.php" config.php
cp "$FILES/admin-config.php" admin/config.php

step "smoke test: the home page over php -S"
STORAGE="$WORK/storage"
mkdir -p "$STORAGE"/{cache,download,logs,session,upload,backup,marketplace}
ln -s "$PARTIAL/upload/system/storage/vendor" "$STORAGE/vendor"
KEEPWORD_OC_URL="http://127.0.0.1:$HTTP_PORT/" KEEPWORD_OC_STORAGE="$STORAGE/" KEEPWORD_OC_DB_PORT="$DB_PORT" \
  php -S "127.0.0.1:$HTTP_PORT" -t "$PARTIAL/upload" >"$WORK/php.log" 2>&1 &
PHP_PID=$!
on_exit "kill $PHP_PID 2>/dev/null"
wait_for_port "$HTTP_PORT" 30 "php -S"
python3 - "http://127.0.0.1:$HTTP_PORT/index.php?route=product/category&path=20" <<'PY' || fail "the smoke test failed"
import sys, urllib.request
page = urllib.request.urlopen(sys.argv[1], timeout=60).read().decode()
assert "product-thumb" in page, page[:2000]
PY
kill "$PHP_PID"

step "shutting MariaDB down cleanly and keeping its data folder as the template"
kill "$DB_PID"
wait "$DB_PID" || true
cp -a "$WORK/data" "$PARTIAL/mysql-template"
cd "$PARTIAL"
echo "$RECIPE" > .installed
rm -rf "$TARGET"
mv "$PARTIAL" "$TARGET"
step "installed in $TARGET ($(du -sh "$TARGET" | cut -f1))"
