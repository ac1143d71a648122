-- Prosody for the compose lab: c2s on 5222 (STARTTLS optional inside the compose network), WebSocket on 5280.
admins = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "register"; "websocket"; "smacks" }
allow_registration = false
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
storage = "internal"
http_ports = { 5280 }
http_interfaces = { "*" }
cross_domain_websocket = true
consider_websocket_secure = true
log = { info = "*console" }
pidfile = "/var/run/prosody/prosody.pid"
VirtualHost "localhost"
