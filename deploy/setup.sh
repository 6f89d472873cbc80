#!/bin/sh
# The production layout on one Debian box, from the site file (docs/operations.md,
# "Deployment on one box"):
#
#   sudo deploy/setup.sh /path/to/site.toml
#
# installs Debian's Mosquitto and PostgreSQL, Pitboard into /opt/pitboard/.venv, then runs
# `pitboard setup`: broker configuration, password file and ACL; the site's own PostgreSQL
# role and database; the secrets in /etc/pitboard/*.env (0600); the systemd units. Safe to
# run again (passwords, secrets and data are kept). It starts nothing: it prints what to start.
# Extra arguments go to `pitboard setup` (e.g. --broker-port 1883, --postgres ADMIN_URL).
set -eu

site=${1:?usage: sudo deploy/setup.sh site.toml [pitboard setup options]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
venv=/opt/pitboard/.venv

apt-get install -y --no-install-recommends \
    mosquitto postgresql python3-venv python3-dev build-essential
if [ ! -x "$venv/bin/pitboard" ] || [ "${PITBOARD_REINSTALL:-}" = 1 ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --upgrade "$here"
fi
exec "$venv/bin/pitboard" setup --config "$site" --postgres local --bin "$venv/bin/pitboard" "$@"
