#!/bin/sh
# Installs what the project needs and is missing: npm packages, and the Debian
# packages that provide the tools it runs (when running as root). Cheap when
# everything is already there, so every README command starts with it.
set -eu
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi

missing=""
while read -r command package; do
  case "$command" in ''|'#'*) continue ;; esac
  command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 || missing="$missing $package"
done < scripts/debian-packages.txt

if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages:$missing (run as root to install them)" >&2
  else
    missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
    echo "setup: installing Debian packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Packages such as ganeti and openssh-server start daemons when installed;
    # the tests start what they need in their own namespaces, so nothing may
    # start on the host. policy-rc.d is Debian's switch for that.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  fi
fi
