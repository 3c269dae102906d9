#!/usr/bin/env bash
# The GitHub Action's run step (action.yml): one `syncer reconcile`, its state kept between runs.
#
# The state database lives in ACTION_STATE_DIR (default ~/.cache/syncer), the folder the action
# restores from and saves to actions/cache: without it a run cannot tell an issue closed in the
# tracker from an item a person reopened, and the register's word wins (the issue is reopened).
# Exit codes: 0 in sync; 3 (conflicts wait for a person) and 5 (another run held the register)
# are warnings, not failures, since a scheduled run will retry; anything else fails the job.
# The register itself is committed and pushed by syncer's git source (source = "git").
set -euo pipefail

state_dir="${ACTION_STATE_DIR:-$HOME/.cache/syncer}"
mkdir -p "$state_dir"
export SYNCER_STATE="$state_dir/syncer.sqlite"

args=(reconcile)
if [ -n "${ACTION_REGISTER:-}" ]; then
  args+=(--register "$ACTION_REGISTER")
fi

set +e
syncer "${args[@]}"
code=$?
set -e

echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
case "$code" in
  0) ;;
  3) echo "::warning title=syncer::conflicts wait for a person (syncer conflicts); the other changes were synced" ;;
  5) echo "::warning title=syncer::another run held a register; the next run syncs it" ;;
  *) exit "$code" ;;
esac
