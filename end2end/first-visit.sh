#!/usr/bin/env bash
# `make size`: runs end2end/first-visit.mjs (what a first visit downloads) and
# end2end/slow-phone.mjs (how long a slow phone waits: sign-in page, profile,
# tokens) against a real server of the build given (fresh data directory,
# end2end/serve.sh), signed in as the first admin.
# Usage: end2end/first-visit.sh target/release/tessera
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?path to the tessera binary}")
source end2end/serve.sh
ADMIN_COOKIE=$(admin_cookie)
export ADMIN_COOKIE
(cd end2end && node first-visit.mjs && node slow-phone.mjs)
