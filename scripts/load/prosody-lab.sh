#!/usr/bin/env bash
# A private Prosody for load runs, the way tests/CallBot.TestSupport ProsodyFixture does it: loopback only, free port,
# its own data folder, run in the foreground as a child. Accounts are written straight into Prosody's internal_plain
# store (prosodyctl register takes ~0.3 s per user; a capacity run needs hundreds).
#   source scripts/load/prosody-lab.sh
#   prosody_lab_start DIR FROM TO PASSWORD_PATTERN [APP_ID]   # sets PROSODY_PORT and PROSODY_PID; {id} in the pattern
#   prosody_lab_stop
set -euo pipefail

prosody_lab_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

prosody_lab_start() {
  local dir="$1" from="$2" to="$3" pattern="$4" app="${5:-1}"
  mkdir -p "$dir/data/localhost/accounts"
  PROSODY_PORT="$(prosody_lab_free_port)"
  cat > "$dir/prosody.cfg.lua" <<CFG
-- Written by scripts/load/prosody-lab.sh; private instance, loopback only.
run_as_root = true
daemonize = false
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = { "roster", "saslauth", "disco", "ping", "posix", "smacks" }
modules_disabled = { "s2s", "offline", "tls" }
authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
limits = { c2s = { rate = "1000mb/s" } }
c2s_stanza_size_limit = 1024*1024
VirtualHost "localhost"
CFG
  local id
  for ((id = from; id <= to; id++)); do
    # Prosody's datamanager escapes every non-alphanumeric byte of a node name as %xx ("-" is %2d).
    printf 'return {\n\t["password"] = "%s";\n};\n' "${pattern//\{id\}/$id}" > "$dir/data/localhost/accounts/${id}%2d${app}.dat"
  done
  prosody --config "$dir/prosody.cfg.lua" -F > "$dir/prosody.out" 2>&1 &
  PROSODY_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PROSODY_PORT") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$PROSODY_PID" 2>/dev/null; then
      echo "prosody exited: $(tail -5 "$dir/prosody.out" "$dir/prosody.log" 2>/dev/null)" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "prosody did not open port $PROSODY_PORT" >&2
  return 1
}

prosody_lab_stop() {
  if [[ -n "${PROSODY_PID:-}" ]] && kill -0 "$PROSODY_PID" 2>/dev/null; then
    kill "$PROSODY_PID"
    wait "$PROSODY_PID" 2>/dev/null || true
  fi
  PROSODY_PID=
}
