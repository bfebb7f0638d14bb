#!/usr/bin/env bash
# Installs the third-party store platforms keepword's tests shop in (once per machine; cached
# outside the clone, see _common.sh): `tests/platforms/install.sh [opencart] [evershop]`, both
# when none is named. `./run test` calls it. Exit status: 0 when every platform named is
# installed, 1 otherwise (each failure says why and what to do, in one line), 2 for a bad name.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
platforms=("$@")
[ "$#" -eq 0 ] && platforms=(opencart evershop)
status=0
for name in "${platforms[@]}"; do
  if [ ! -x "$here/install-$name.sh" ]; then
    echo "install.sh: unknown platform '$name' (known: opencart, evershop)" >&2
    exit 2
  fi
  "$here/install-$name.sh" || status=1
done
exit "$status"
