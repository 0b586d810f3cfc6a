#!/usr/bin/env bash
# The production build, one script for CI (.ci/run) and the image (deploy/Dockerfile): install
# exactly the lockfile, compile once (TypeScript into dist/, the console into console/dist/), and
# with --prune drop the development dependencies, which the compiled program never loads.
set -euo pipefail
cd "$(dirname "$0")/.."

prune=false
case "${1:-}" in
  --prune) prune=true ;;
  "") ;;
  *) echo "usage: deploy/build.sh [--prune]" >&2; exit 2 ;;
esac

# isolated-vm has no reachable prebuilt binary: npm ci compiles it (about two minutes on 2 cores).
npm ci --no-audit --no-fund
node --no-node-snapshot -e "require('isolated-vm')" || { echo "isolated-vm did not build" >&2; exit 1; }
npm run build
if $prune; then npm prune --omit=dev --no-audit --no-fund; fi
