#!/usr/bin/env bash
# Installs what AgentDesk needs on a fresh Debian machine, and nothing that is already there.
# Usage: scripts/setup.sh run   — what the desk needs
#        scripts/setup.sh test  — that plus what the test suite needs (chromium for Playwright)
set -euo pipefail
mode="${1:-run}"

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
