#!/usr/bin/env bash
# mypy cannot follow setuptools' editable import hook, so give it a tree of symlinks that
# mirrors the installed errorstream.* namespace (agents/ as errorstream/agents, ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree="$root/.run/typecheck"
rm -rf "$tree" && mkdir -p "$tree/errorstream"
for f in "$root"/errorstream/*; do ln -s "$f" "$tree/errorstream/"; done
for d in schemas streams agents projections; do ln -s "$root/$d" "$tree/errorstream/$d"; done
cd "$root"
MYPYPATH="$tree" exec "${MYPY:-$root/.venv/bin/mypy}" -p errorstream "$@"
