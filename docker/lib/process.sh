# Shell helpers shared by docker/local-kafka/kafka.sh and docker/local-registry/registry.sh.
# Source it after setting `script_name`; every helper fails with one line on stderr.

die() { echo "${script_name:-sluice}: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed or not on PATH ($2)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port_from() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# Stops a process: SIGTERM, then SIGKILL after `wait_s` seconds (default 10).
stop_pid() {
  local pid=$1 wait_s=${2:-10}
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((wait_s * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}
