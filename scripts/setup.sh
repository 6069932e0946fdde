#!/usr/bin/env bash
# One-time setup: system packages (PostgreSQL, Redis, nginx, Chromium, certutil, openssl, promtool) and the Python
# virtualenv in .venv.
#
#   scripts/setup.sh                      everything (`make setup`)
#   scripts/setup.sh --packages PKG...    only the Debian packages PKG that are missing: what stack/
#                                         and bench/ ask for when a binary is missing
#   scripts/setup.sh --docker             the Docker engine (docker.io) and the Compose v2 and buildx
#                                         plugins (scripts/docker/ensure-engine.sh, which starts it)
#
# apt-get runs here and nowhere else. As root with apt-get it installs; otherwise it names what to
# install and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

install_packages() {
  [ "$#" -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: please install: $*" >&2
    exit 1
  fi
}

# Compose v2 and buildx from Debian trixie's packages (bookworm has neither), unpacked into the
# CLI plugin directory; a private apt configuration leaves the machine's sources and lists alone.
install_compose_plugins() {
  local mirror="" work plugin_dir=/usr/local/lib/docker/cli-plugins
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { echo "setup: please install Docker Compose v2 and buildx" >&2; exit 1; }
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "setup: fetching docker-compose and docker-buildx from trixie ($mirror)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs" "$work/sources"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
    "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg >"$work/sources/trixie.sources"
  local apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources"
                  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
                  -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx)
  for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root"
  done
  mkdir -p "$plugin_dir"
  install -m 0755 "$work"/root/usr/libexec/docker/cli-plugins/* "$plugin_dir/"
}

if [ "${1:-}" = --docker ]; then
  command -v dockerd >/dev/null || install_packages docker.io
  if ! { docker compose version && docker buildx version; } >/dev/null 2>&1; then
    install_compose_plugins
  fi
  exit 0
fi

if [ "${1:-}" = --packages ]; then
  shift
  need=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || need+=("$package")
  done
  install_packages "${need[@]}"
  exit 0
fi

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
[ -x /usr/bin/chromium ] || need+=(chromium)   # the browser tests drive Debian's Chromium
command -v certutil >/dev/null || need+=(libnss3-tools)   # certutil: that Chromium trusts the development CA
command -v openssl >/dev/null || need+=(openssl)   # scripts/dev-tls.sh: the development CA and certificate
command -v promtool >/dev/null || need+=(prometheus)   # promtool: the alert rule tests
install_packages "${need[@]}"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# pip only runs when a requirements file changed since the last successful install
stamp=.venv/.requirements.sha
sum=$(cat requirements-dev.txt */requirements*.txt common/pyproject.toml stack/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$sum" > "$stamp"
fi
# The API explorer's renderer for make run (the gateway image fetches its own at build time)
.venv/bin/python gateway/api-docs/fetch_swagger_ui.py gateway/api-docs/vendor
echo "setup: ready (.venv)"
