#!/bin/sh
# Installs what the project needs for one purpose and is missing: npm
# packages, and the Debian packages that provide the tools it runs (when
# running as root). Cheap when everything is already there, so every README
# command starts with it.
#
# Usage: ensure-setup.sh [node|helper|demo|bench|test]   (default: test)
#        ensure-setup.sh --list PURPOSE   prints the Debian packages PURPOSE needs, installs nothing
# Each purpose includes the ones before it in that list: the demo needs what
# a node and the helper build need, the tests need everything. Only the test
# purpose installs packages that bring daemons (ganeti, openssh-server).
set -eu
cd "$(dirname "$0")/.."

list_only=no
if [ "${1:-}" = --list ]; then list_only=yes; shift; fi
purpose=${1:-test}
purposes="node helper demo bench test"
case " $purposes " in
  *" $purpose "*) ;;
  *) echo "setup: unknown purpose \"$purpose\": use one of $purposes" >&2; exit 2 ;;
esac
# The purposes this one includes: every one up to it in the list.
wanted=$(printf '%s\n' $purposes | sed "/^$purpose\$/q" | tr '\n' ' ')

if [ "$list_only" = yes ]; then
  while read -r command package needed_for; do
    case "$command" in ''|'#'*) continue ;; esac
    case " $wanted " in *" $needed_for "*) echo "$package" ;; esac
  done < scripts/debian-packages.txt | sort -u
  exit 0
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi

missing=""
while read -r command package needed_for; do
  case "$command" in ''|'#'*) continue ;; esac
  case " $wanted " in *" $needed_for "*) ;; *) continue ;; esac
  case "$command" in
    # A package with no program to look for (a library's headers) is found by a file of its own.
    /*) [ -e "$command" ] || missing="$missing $package" ;;
    *) command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 || missing="$missing $package" ;;
  esac
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
