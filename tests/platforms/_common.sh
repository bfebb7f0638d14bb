# Shared by install-opencart.sh and install-evershop.sh (sourced, not run).
#
# The cache lives outside the clone, one folder per platform version, so that only a new machine
# pays the install: $KEEPWORD_PLATFORMS_CACHE, else $XDG_CACHE_HOME/keepword/platforms, else
# ~/.cache/keepword/platforms. A folder is complete when its `.installed` stamp holds the hash of
# the recipe (the install script and the files it copies): change the recipe and it is rebuilt.
# Everything is built in `<folder>.partial` and renamed at the end, so an interrupted install
# leaves no half-made cache behind.

PLATFORMS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLONE_DIR="$(cd "$PLATFORMS_DIR/../.." && pwd)"
CACHE_ROOT="${KEEPWORD_PLATFORMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keepword/platforms}"
STARTED_AT=$SECONDS

CLEANUP=()
# on_exit COMMAND: run COMMAND when the script ends, however it ends (last registered, first run).
on_exit() { CLEANUP=("$1" "${CLEANUP[@]}"); }
run_cleanup() { local c; for c in "${CLEANUP[@]}"; do eval "$c" || true; done; }
trap run_cleanup EXIT

step() { printf '==> %s: %s (%ds)\n' "$PLATFORM" "$*" "$((SECONDS - STARTED_AT))" >&2; }
fail() { printf '%s install: error: %s\n' "$PLATFORM" "$*" >&2; exit 1; }

# recipe_hash FILE...: what the stamp holds; any change to these files rebuilds the cache.
recipe_hash() {
  cat "$@" | sha256sum | cut -d' ' -f1
}

# installed TARGET HASH: true when TARGET is a complete install of this recipe.
installed() {
  [ -f "$1/.installed" ] && [ "$(cat "$1/.installed")" = "$2" ]
}

# ensure_apt PACKAGE...: install the Debian packages that are missing (as root), without starting
# their system services (a stray MariaDB or PostgreSQL on the default port is none of our business).
ensure_apt() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
      missing+=("$package")
    fi
  done
  [ "${#missing[@]}" = 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get: install them by hand"
  [ "$(id -u)" = 0 ] || fail "missing Debian packages ${missing[*]}: run this script as root (or: sudo apt-get install ${missing[*]})"
  step "apt-get install ${missing[*]}"
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$guard" && chmod 755 "$guard"
    on_exit "rm -f $guard"
  fi
  apt-get update -qq || fail "apt-get update failed: is a Debian mirror reachable?"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
  if [ -n "$guard" ]; then rm -f "$guard"; fi
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT SECONDS WHAT: until something accepts connections on 127.0.0.1:PORT.
wait_for_port() {
  local deadline=$((SECONDS + $2))
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$3 did not listen on port $1 within $2 s"
    sleep 0.2
  done
}

# service_user NAME: the user a database server runs as: NAME when we are root, else ourselves.
service_user() {
  if [ "$(id -u)" = 0 ]; then echo "$1"; else id -un; fi
}

# scratch_dir: a folder under /tmp that a service user can enter (pytest's and mktemp's are 0700).
scratch_dir() {
  local dir
  dir="$(mktemp -d /tmp/keepword-install.XXXXXX)"
  chmod 755 "$dir"
  echo "$dir"
}
