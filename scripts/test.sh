#!/usr/bin/env bash
# Runs every test: core units, the HTTP API over WebApplicationFactory, and the browser/process
# end-to-end suite on SQLite, then the core and API suites again on PostgreSQL (the cluster scripts/postgres.sh
# keeps in .pg/). Ends with one "N passed, N failed, N skipped" line over both runs; exits non-zero on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh test || exit 1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build AgentDesk.sln -c Debug -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; echo "build failed" >&2; exit 1; }

# House style is part of the build: formatting and analyzer rules of .editorconfig.
format_status=0
dotnet format AgentDesk.sln --verify-no-changes || { format_status=1; echo "dotnet format: the tree is not formatted; run 'dotnet format AgentDesk.sln'" >&2; }

# The PostgreSQL cluster scripts/postgres.sh keeps in .pg/: the end-to-end crash and several-instance tests use it in
# the first run, the storage and API suites in the second.
export AGENTDESK_TEST_POSTGRES="$(cat "$root/.pg/connection-string")"

log="$(mktemp)"
AGENTDESK_TEST_ENGINE=sqlite dotnet test AgentDesk.sln -c Debug --no-build --nologo --blame-hang-timeout 10m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The same storage and API behaviour on PostgreSQL: each fixture creates (and drops) a database of its own.
for project in tests/AgentDesk.Core.Tests tests/AgentDesk.Web.Tests; do
  AGENTDESK_TEST_ENGINE=postgres dotnet test "$project" -c Debug --no-build --nologo --blame-hang-timeout 10m 2>&1 | tee -a "$log"
  [[ "${PIPESTATUS[0]}" == "0" ]] || status=1
done

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 65, Skipped: 0, Total: 65").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- Failed:/ {
    for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
  }
  END { print p+0, f+0, s+0 }' "$log")
rm -f "$log"
if [[ "$status" == "0" ]]; then status=$format_status; fi
if [[ "$status" != "0" && "$failed" == "0" ]]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
