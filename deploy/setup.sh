#!/bin/sh
# The production layout on one Debian box, from the site file (docs/operations.md,
# "Deployment on one box"):
#
#   sudo deploy/setup.sh /path/to/site.toml
#
# installs Debian's Mosquitto and PostgreSQL (when missing), Pitboard into
# /opt/pitboard/.venv, then runs `pitboard setup --postgres local`: broker configuration,
# password file and ACL; the site's own PostgreSQL role and database; the secrets in
# /etc/pitboard/*.env (0600); the systemd units. Then, where systemd runs, it starts
# Mosquitto, the core, the devices bridge and the nightly prune. Safe to run again
# (passwords, secrets and data are kept; a newer Pitboard from this folder is installed).
#
# Options, before the site file:
#   --root DIR   lay everything down under DIR instead of / (a trial, or a test): the
#                virtual environment in DIR/opt/pitboard/.venv, the files in DIR/etc/...;
#                no user is made and nothing is started. Debian's packages and the
#                PostgreSQL database are still this machine's.
#   --no-start   write everything, start nothing (print what to start).
# Arguments after the site file go to `pitboard setup` (e.g. --broker-port 1883,
# --db-name NAME, --postgres ADMIN_URL instead of the local server).
set -eu

usage="usage: sudo deploy/setup.sh [--root DIR] [--no-start] site.toml [pitboard setup options]"
root=/
start=yes
while [ $# -gt 0 ]; do
    case $1 in
        --root) root=${2:?$usage}; shift 2 ;;
        --root=*) root=${1#--root=}; shift ;;
        --no-start) start=no; shift ;;
        -h | --help) echo "$usage"; exit 0 ;;
        -*) echo "$usage" >&2; exit 2 ;;
        *) break ;;
    esac
done
site=${1:?$usage}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root"
root=$(cd "$root" && pwd)
venv=${root%/}/opt/pitboard/.venv

# Debian's packages, fetched only when one is missing: a second run touches no package.
packages="mosquitto postgresql python3-venv python3-dev build-essential"
missing=
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

# Built from a clean copy: a build folder left in this checkout could carry modules that
# are gone from the source into the install.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar -C "$here" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
    --exclude=./var --exclude=./tests/artifacts --exclude=__pycache__ -cf - . | tar -C "$src" -xf -
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade "$src"

"$venv/bin/pitboard" setup --config "$site" --root "$root" --postgres local \
    --units "$here/deploy" --bin "$venv/bin/pitboard" "$@"

if [ "$start" = no ]; then
    exit 0
fi
if [ "$root" != / ]; then
    echo "laid down under $root: nothing started (systemd runs the units of / only)"
    exit 0
fi
if [ ! -d /run/systemd/system ]; then
    echo "systemd is not running on this machine: nothing started"
    exit 0
fi
systemctl daemon-reload
systemctl restart mosquitto
systemctl enable pitboard-core pitboard-devices pitboard-prune.timer
# restart, not start: on a second run the running services read their new files.
systemctl restart pitboard-core pitboard-devices
systemctl start pitboard-prune.timer
echo "started: mosquitto, pitboard-core, pitboard-devices, pitboard-prune.timer"
