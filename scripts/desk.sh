#!/usr/bin/env bash
# Runs the desk on the embedded default — SQLite under ./data, demo data, dev root API key — at
# http://localhost:3300. Settings: appsettings.Development.json at the repository root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh run
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export AgentDesk__Storage__Path="${AgentDesk__Storage__Path:-$root/data/agentdesk.db}"
exec dotnet run -c Release --project src/AgentDesk.Web -- --urls "${AGENTDESK_URLS:-http://localhost:3300}"
