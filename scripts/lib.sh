# scripts/lib.sh: shared shell helpers for the project's scripts.
# Source it; it defines functions only.

PS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)

# Debian packages the build, the tests and the demo need.
PS_DEB_PACKAGES="build-essential clang libclang-rt-14-dev postgresql-15 postgresql-server-dev-15
 postgresql-contrib libcurl4-openssl-dev libwebsockets-dev libsodium-dev libjansson-dev
 postgresql-15-pgtap postgresql-15-cron libtap-parser-sourcehandler-pgtap-perl
 nodejs npm python3 curl ca-certificates procps iproute2"

say() { printf '\n==> %s\n' "$*"; }

# ensure_deps installs the missing Debian packages; a no-op when all
# are present.  Needs root.
ensure_deps() {
    local missing=() p
    for p in $PS_DEB_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # node from another source satisfies the nodejs/npm need
    if command -v node >/dev/null && command -v npm >/dev/null; then
        missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
    fi
    local want=()
    for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
    if [ ${#want[@]} -gt 0 ]; then
        say "installing Debian packages: ${want[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
    fi
    PG_BIN=$(pg_config --bindir)
}

# free_port prints a TCP port nobody listens on at 127.0.0.1.
free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# build_install builds and installs the extension (serialised with a
# lock so that concurrent builds in one tree do not collide).
build_install() {
    say "building and installing pg_solana"
    ( cd "$PS_ROOT" && flock /tmp/pg_solana_install.lock \
        make -s -j2 install >/dev/null )
}

# pg_start DIR PORT [extra postgresql.conf lines...]: a throwaway cluster
# owned by the postgres user, on loopback, trust auth, pg_solana preloaded.
pg_start() {
    local dir=$1 port=$2; shift 2
    rm -rf "$dir"; mkdir -p "$dir"; chown postgres:postgres "$dir"
    # the cluster runs as postgres: a private parent (mktemp -d is 0700) must let it through
    runuser -u postgres -- test -x "$(dirname "$dir")" || chmod o+x "$(dirname "$dir")"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres \
        --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_solana,pg_cron'
cron.database_name = 'postgres'
solana.database = 'postgres'
fsync = off
max_worker_processes = 32
log_min_messages = warning
CONF
    local line
    for line in "$@"; do echo "$line" >> "$dir/data/postgresql.conf"; done
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
}

pg_stop() {
    local dir=$1
    [ -d "$dir/data" ] || return 0
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
