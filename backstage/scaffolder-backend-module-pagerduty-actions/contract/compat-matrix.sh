#!/usr/bin/env bash
# Which releases of @backstage/plugin-scaffolder-node the module works with, measured: for each
# version given (default: every release of Backstage 1.42 to 1.45 and the ones after, that the
# registry has), a copy of this package gets that scaffolder-node and the backend-plugin-api
# it was released with, installed by npm, then its type check, jest tests, build and the
# packed-package contract (consumer types, loading, config schema) run against it.
# Prints one line per version: version, backend-plugin-api, and each step's result.
#
#   contract/compat-matrix.sh [scaffolder-node@backend-plugin-api ...]
#
# Slow (an install and a build per version); not part of `make test`. The README's matrix is
# its output.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
pairs=("$@")
if [ ${#pairs[@]} -eq 0 ]; then
  # scaffolder-node version @ the lowest published backend-plugin-api its range takes.
  # (1.7.0, which 0.12.5 asks for, is not in the registry.)
  pairs=(0.11.0@1.4.2 0.11.1@1.4.3 0.11.3@1.4.3 0.12.0@1.4.4 0.12.1@1.5.0 0.12.2@1.6.0
         0.12.4@1.6.2 0.12.5@1.8.0 0.13.0@1.8.0 0.13.7@1.10.1 1.0.0@1.12.0)
fi
printf '%-10s %-8s %-6s %-6s %-6s %-6s %s\n' scaffolder api-pin install tsc test build contract
for pair in "${pairs[@]}"; do
  sn="${pair%@*}" api="${pair#*@}"
  work="$(mktemp -d)"
  tar -C "$here" --exclude=./node_modules --exclude=./dist --exclude=./dist-types \
    --exclude=./.pack-check -cf - . | tar -C "$work" -xf -
  # Start from this package's install, so npm only fetches what differs.
  cp -a "$here/node_modules" "$work/node_modules"
  node -e '
    const fs = require("fs"); const [file, sn, api] = process.argv.slice(1);
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    p.devDependencies["@backstage/plugin-scaffolder-node"] = sn;
    p.devDependencies["@backstage/backend-plugin-api"] = api;
    // Forced on every package (overrides), on the test tools too, as in one backend. The test
    // tools of the 1.45.3 line need 1.5.0 or later: with an older one, only the type check,
    // build and contract say something: jest stops loading backend-test-utils.
    fs.writeFileSync(file, JSON.stringify(p, null, 2));
  ' "$work/package.json" "$sn" "$api"
  log="$work/matrix.log"
  step() { (cd "$work" && "$@" >>"$log" 2>&1) && echo pass || echo FAIL; }
  install=$(step npm install --no-audit --no-fund --ignore-scripts)
  got=$(node -p 'require(process.argv[1]).version' "$work/node_modules/@backstage/plugin-scaffolder-node/package.json" 2>/dev/null)
  tsc=$(step npx tsc) test=$(CI=true step npx backstage-cli package test)
  build=$(step npx backstage-cli package build)
  contract=$(step node contract/check-package.js)
  printf '%-10s %-8s %-6s %-6s %-6s %-6s %s\n' "$sn${got:+ ($got)}" "$api" "$install" "$tsc" "$test" "$build" "$contract"
  if grep -q FAIL <<<"$install$tsc$test$build$contract"; then echo "  log kept: $log"; else rm -rf "$work"; fi
done
