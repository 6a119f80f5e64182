#!/bin/sh
# Copy the local backup archives to an append-only restic repository (docs/operations.md).
# The archives are already encrypted; restic encrypts again with its own key, and the
# repository server (rest-server --append-only) refuses deletions from this machine, so an
# attacker who takes over the server cannot destroy the off-site history.
set -eu
. /etc/panah/offsite.env   # RESTIC_REPOSITORY=rest:https://user@backup.example.org/panah
                           # RESTIC_PASSWORD_FILE=/etc/panah/keys/restic.pass
export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
# The erasure ledger goes too (ids only): restoring an old archive must re-erase (operations.md).
LEDGER=/etc/panah/keys/erased-keys.jsonl
[ -e "$LEDGER" ] || : > "$LEDGER"
restic backup --no-scan --tag panah --exclude 'panah-keyshares-*' /var/backups/panah "$LEDGER"
# The key shares archives under their own tag, pruned after a week on the repository host.
restic backup --no-scan --tag panah-shares /var/backups/panah/panah-keyshares-*.panah
# Never `restic forget --prune` from here: that runs on the repository host, with its own key.
restic snapshots --tag panah --latest 1 >/dev/null
