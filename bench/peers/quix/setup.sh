#!/usr/bin/env bash
# Installs the bench's Python peer into $ROOT/.cache/peers/quix/venv (once per change of requirements.txt) and
# prints the venv's python.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cache="$root/.cache/peers/quix"
venv="$cache/venv"
hash=$(sha256sum "$here/requirements.txt" | cut -c1-16)
if [[ ! -f "$venv/.installed-$hash" ]]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  log="$cache/install.log"
  if ! "$venv/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt" >"$log" 2>&1; then
    echo "setup.sh: pip install failed; see $log" >&2
    exit 1
  fi
  touch "$venv/.installed-$hash"
fi
echo "$venv/bin/python"
