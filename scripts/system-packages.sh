#!/usr/bin/env bash
# Debian packages the tests need: Chromium for browser tests, PostgreSQL and Redis for the scaled profile, nginx to
# check the example reverse-proxy configuration (nginx -t; nothing is served).
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium fonts-noto-cjk)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Please install these Debian packages first: ${missing[*]}" >&2
  exit 1
fi
echo "==> apt-get install ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
