#!/bin/sh
# Registers the lab's bot users (<userId>-<appId>) once Prosody runs: docker compose exec prosody register-users.sh
set -eu
for user in 1001 1002 1003 1004; do
  prosodyctl register "$user-1" localhost "${BOT_PASSWORD:?}"
done
