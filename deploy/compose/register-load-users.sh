#!/bin/sh
# Registers the load pool (<id>-<appId>, password load-<id>) in the compose Prosody; run once by the `users` service of
# deploy/compose/load.yaml before the load replicas start. Registering an existing user again just resets its password.
set -eu
from="${LOAD_USERS_FROM:?}"
to="${LOAD_USERS_TO:?}"
app="${LOAD_APP_ID:-1}"
id="$from"
while [ "$id" -le "$to" ]; do
  prosodyctl register "$id-$app" localhost "load-$id"
  id=$((id + 1))
done
echo "registered users $from..$to"
