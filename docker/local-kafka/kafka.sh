#!/usr/bin/env bash
# sluice's local Apache Kafka broker: a single KRaft node (broker + controller) on 127.0.0.1, no Docker.
#
#   kafka.sh fetch                    resolve the broker jars once (Maven) into .cache/kafka/lib
#   kafka.sh start [--port N]         start a broker (default port 19092), print its bootstrap address
#         [--proxy-port M]            also open an EXTERNAL listener advertised as 127.0.0.1:M, for clients
#         [--external-port P]         that must reach the broker through a proxy listening on M and forwarding
#                                     to P (default P: the first free port from N+2000). Port N stays the
#                                     inter-broker listener and a direct address for tests' own readers.
#         [--sasl-ssl-port M --tls-keystore FILE --scram USER=PASSWORD ...]
#                                     also listen for SASL_SSL on M: TLS with the PEM key + certificate chain in
#                                     FILE, SCRAM-SHA-512 users added when the storage is formatted
#         [--set KEY=VALUE ...]       a broker setting over the script's own (e.g. the bench's
#                                     group.initial.rebalance.delay.ms=3000, Kafka's default; this script's is 0)
#   kafka.sh stop  [--port N | --all] stop the broker(s) started by this script (their data is removed)
#         [--keep-data]               keep the data, so `resume` brings the same broker back
#         [--kill]                    SIGKILL instead of a clean shutdown
#   kafka.sh resume  --port N         start a broker stopped with --keep-data again: same ports, config, data
#   kafka.sh restart --port N         clean stop keeping data, then resume
#         [--down-seconds S]          stay down S seconds in between (e.g. longer than a session timeout)
#         [--kill]                    SIGKILL instead of a clean shutdown
#   kafka.sh info  --port N           the broker's addresses: direct=HOST:N proxy=HOST:M upstream=HOST:P
#   kafka.sh status                   list running brokers
#
# Every failure prints one line saying what went wrong and where the log is, exits non-zero, and leaves no
# half-started broker behind. Several brokers on different ports may run side by side.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# Jars and broker data: .cache/kafka in a checkout; in an installed npm package (node_modules/sluice) a per-user
# cache, so reinstalling does not download the jars again.
if [[ -n "${SLUICE_KAFKA_CACHE:-}" ]]; then
  cache="$SLUICE_KAFKA_CACHE"
elif [[ "$root" == */node_modules/* ]]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/sluice/kafka"
else
  cache="$root/.cache/kafka"
fi
lib="$cache/lib"
runs="$cache/run"
ready_timeout_s="${SLUICE_KAFKA_READY_TIMEOUT:-90}"

script_name=kafka.sh
# shellcheck source=../lib/process.sh
source "$here/../lib/process.sh"

fetch() {
  if [[ -f "$lib/.complete" ]]; then return 0; fi
  need java "Java 17+ is required to run the Kafka broker"
  need mvn "Maven is required to download the Kafka broker jars"
  mkdir -p "$cache"
  local log="$cache/fetch.log"
  rm -rf "$lib.tmp"
  echo "kafka.sh: resolving Apache Kafka jars with Maven (first run only), log: $log" >&2
  if ! mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$lib.tmp" -DincludeScope=runtime >"$log" 2>&1; then
    rm -rf "$lib.tmp"
    die "Maven could not resolve the Kafka broker jars; see $log"
  fi
  rm -rf "$lib"
  mv "$lib.tmp" "$lib"
  touch "$lib/.complete"
}

kafka_version() {
  local jar
  jar=$(ls "$lib"/kafka_2.13-*.jar 2>/dev/null | head -1)
  [[ -n "$jar" ]] || die "no kafka_2.13 jar in $lib; run: kafka.sh fetch"
  jar=${jar##*/kafka_2.13-}
  echo "${jar%.jar}"
}

write_config() {
  local dir=$1 port=$2 cport=$3 proxy_port=${4:-} external_port=${5:-} sport=${6:-} keystore=${7:-}
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$sport" ]]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$sport"
    advertised="$advertised,SASL_SSL://127.0.0.1:$sport"
    protocols="$protocols,SASL_SSL:SASL_SSL"
  fi
  if [[ -n "$proxy_port" ]]; then
    # Clients that bootstrap at the proxy get metadata naming the proxy, so every request goes through it.
    listeners="$listeners,EXTERNAL://127.0.0.1:$external_port"
    advertised="$advertised,EXTERNAL://127.0.0.1:$proxy_port"
    protocols="$protocols,EXTERNAL:PLAINTEXT"
  fi
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
log.cleaner.dedupe.buffer.size=16777216
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/broker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
  if [[ -n "$sport" ]]; then
    # SASL_SSL: SCRAM-SHA-512 (users come from the storage format, --add-scram) over TLS with a PEM keystore.
    cat >>"$dir/server.properties" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$keystore
EOF
  fi
}

java_opts() {
  echo "-Xms256m -Xmx1g -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"
}

start() {
  local port=19092 proxy_port="" external_port="" sport="" keystore="" scram=() settings=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      --proxy-port) proxy_port="${2:?--proxy-port needs a number}"; shift 2 ;;
      --external-port) external_port="${2:?--external-port needs a number}"; shift 2 ;;
      --sasl-ssl-port) sport="${2:?--sasl-ssl-port needs a number}"; shift 2 ;;
      --tls-keystore) keystore="${2:?--tls-keystore needs a PEM file}"; shift 2 ;;
      --scram) scram+=("${2:?--scram needs USER=PASSWORD}"); shift 2 ;;
      --set) settings+=("${2:?--set needs KEY=VALUE}"); shift 2 ;;
      *) die "unknown option '$1' for start (expected --port N, --proxy-port M, --external-port P, --sasl-ssl-port M, --tls-keystore FILE, --scram USER=PASSWORD, --set KEY=VALUE)" ;;
    esac
  done
  [[ "$port" =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
  [[ -z "$proxy_port" || "$proxy_port" =~ ^[0-9]+$ ]] || die "proxy port '$proxy_port' is not a number"
  [[ -z "$external_port" || "$external_port" =~ ^[0-9]+$ ]] || die "external port '$external_port' is not a number"
  [[ -z "$external_port" || -n "$proxy_port" ]] || die "--external-port needs --proxy-port (the address the EXTERNAL listener advertises)"
  if [[ -n "$sport" ]]; then
    [[ "$sport" =~ ^[0-9]+$ ]] || die "SASL_SSL port '$sport' is not a number"
    [[ -n "$keystore" && -r "$keystore" ]] || die "--sasl-ssl-port needs --tls-keystore FILE (a readable PEM file with the broker's key and certificate chain)"
    [[ ${#scram[@]} -gt 0 ]] || die "--sasl-ssl-port needs at least one --scram USER=PASSWORD"
    keystore="$(cd "$(dirname "$keystore")" && pwd)/$(basename "$keystore")"
    port_in_use "$sport" && die "port $sport is already in use by another process; choose another with --sasl-ssl-port"
  fi
  local scram_args=() entry
  for entry in ${settings[@]+"${settings[@]}"}; do
    [[ "$entry" =~ ^[a-z][a-z0-9._-]*=.*$ ]] || die "--set '$entry' is not KEY=VALUE (a broker setting such as group.initial.rebalance.delay.ms=3000)"
  done
  for entry in ${scram[@]+"${scram[@]}"}; do
    [[ "$entry" == *=* ]] || die "--scram '$entry' is not USER=PASSWORD"
    scram_args+=(--add-scram "SCRAM-SHA-512=[name=${entry%%=*},password=${entry#*=}]")
  done
  need java "Java 17+ is required to run the Kafka broker"
  fetch
  local dir="$runs/$port"
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    die "a broker started by this script already runs on port $port (pid $(cat "$dir/pid")); stop it with: kafka.sh stop --port $port"
  fi
  port_in_use "$port" && die "port $port is already in use by another process; choose another with --port"
  local cport
  cport=$(free_port_from $((port + 1000)))
  if [[ -n "$proxy_port" ]]; then
    [[ "$proxy_port" != "$port" ]] || die "--proxy-port must differ from --port"
    [[ -n "$external_port" ]] || external_port=$(free_port_from $((port + 2000)))
    port_in_use "$external_port" && die "external port $external_port is already in use; choose another with --external-port"
  fi
  rm -rf "$dir"
  mkdir -p "$dir/data"
  write_config "$dir" "$port" "$cport" "$proxy_port" "$external_port" "$sport" "$keystore"
  # Later lines of a properties file win: --set overrides the settings above.
  for entry in ${settings[@]+"${settings[@]}"}; do printf '%s\n' "$entry" >>"$dir/server.properties"; done
  printf 'direct=127.0.0.1:%s\nproxy=%s\nupstream=%s\n' "$port" \
    "${proxy_port:+127.0.0.1:$proxy_port}" "${external_port:+127.0.0.1:$external_port}" >"$dir/addresses"
  local cp="$lib/*"
  local cluster_id
  cluster_id=$(java -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" kafka.tools.StorageTool random-uuid 2>>"$dir/format.log" | tail -1)
  # shellcheck disable=SC2046
  if ! java -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" kafka.tools.StorageTool \
      format -t "$cluster_id" -c "$dir/server.properties" ${scram_args[@]+"${scram_args[@]}"} >>"$dir/format.log" 2>&1; then
    die "formatting the broker storage failed; see $dir/format.log"
  fi
  launch "$dir" "$port"
  if [[ -n "$proxy_port" ]]; then
    echo "kafka.sh: clients through a proxy: bootstrap 127.0.0.1:$proxy_port, the proxy forwards to 127.0.0.1:$external_port" >&2
  fi
  echo "127.0.0.1:$port"
}

# Runs the broker of an existing run directory (formatted storage, server.properties) and waits until ready.
launch() {
  local dir=$1 port=$2
  local cp="$lib/*"
  local log="$dir/broker.log"
  local log_mark=0
  [[ -f "$log" ]] && log_mark=$(wc -l <"$log")
  # shellcheck disable=SC2046
  nohup java $(java_opts) -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    kafka.Kafka "$dir/server.properties" >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  rm -f "$dir/stopped"
  local deadline=$((SECONDS + ready_timeout_s))
  until tail -n +"$((log_mark + 1))" "$log" 2>/dev/null | grep -q "Kafka Server started" && port_in_use "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/pid"
      die "the broker on port $port exited during startup; see $log and $dir/stdout.log"
    fi
    if ((SECONDS >= deadline)); then
      stop_pid "$pid"; rm -f "$dir/pid"
      die "the broker on port $port was not ready within ${ready_timeout_s}s and was stopped; see $log"
    fi
    sleep 0.2
  done
  # Ready means it answers a metadata request, not only that the port is open.
  if ! java -cp "$cp" "$here/Ready.java" "127.0.0.1:$port" $((deadline - SECONDS)) >"$dir/ready.log" 2>&1; then
    stop_pid "$pid"; rm -f "$dir/pid"
    die "the broker on port $port did not answer a metadata request and was stopped; see $dir/ready.log and $log"
  fi
  echo "kafka.sh: Apache Kafka $(kafka_version) ready on 127.0.0.1:$port (pid $pid, log $log)" >&2
}

stop() {
  local target="" all=0 keep=0 hard=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) target="${2:?--port needs a number}"; shift 2 ;;
      --all) all=1; shift ;;
      --keep-data) keep=1; shift ;;
      --kill) hard=1; shift ;;
      *) die "unknown option '$1' for stop (expected --port N or --all, --keep-data, --kill)" ;;
    esac
  done
  [[ -d "$runs" ]] || return 0
  if [[ $all -eq 0 && -z "$target" ]]; then target=19092; fi
  local d
  for d in "$runs"/*/; do
    d=${d%/}
    [[ -f "$d/pid" ]] || continue
    if [[ $all -eq 1 || "${d##*/}" == "$target" ]]; then
      if [[ $hard -eq 1 ]]; then kill -9 "$(cat "$d/pid")" 2>/dev/null || true; wait_gone "$(cat "$d/pid")"
      else stop_pid "$(cat "$d/pid")" 30; fi
      rm -f "$d/pid"
      if [[ $keep -eq 1 ]]; then
        touch "$d/stopped"
        echo "kafka.sh: stopped the broker on port ${d##*/}, data kept (kafka.sh resume --port ${d##*/})" >&2
      else
        rm -rf "$d/data" # the log files stay for reading; the data would only fill the disk
        echo "kafka.sh: stopped the broker on port ${d##*/}" >&2
      fi
    fi
  done
}

wait_gone() {
  local pid=$1
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

resume() {
  local port=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      *) die "unknown option '$1' for resume (expected --port N)" ;;
    esac
  done
  [[ "$port" =~ ^[0-9]+$ ]] || die "resume needs --port N"
  local dir="$runs/$port"
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    die "the broker on port $port is running (pid $(cat "$dir/pid")); nothing to resume"
  fi
  [[ -f "$dir/stopped" && -d "$dir/data" ]] || die "no broker stopped with --keep-data on port $port (start one with: kafka.sh start --port $port)"
  port_in_use "$port" && die "port $port is already in use by another process; the broker cannot come back on it"
  need java "Java 17+ is required to run the Kafka broker"
  fetch
  launch "$dir" "$port"
  echo "127.0.0.1:$port"
}

restart() {
  local port="" down_s=0 kill_flag=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      --down-seconds) down_s="${2:?--down-seconds needs a number}"; shift 2 ;;
      --kill) kill_flag=(--kill); shift ;;
      *) die "unknown option '$1' for restart (expected --port N, --down-seconds S, --kill)" ;;
    esac
  done
  [[ "$port" =~ ^[0-9]+$ ]] || die "restart needs --port N"
  [[ "$down_s" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--down-seconds '$down_s' is not a number"
  local dir="$runs/$port"
  [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null || die "no broker started by this script runs on port $port"
  stop --port "$port" --keep-data "${kill_flag[@]}"
  sleep "$down_s"
  resume --port "$port"
}

info() {
  local port=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      *) die "unknown option '$1' for info (expected --port N)" ;;
    esac
  done
  [[ -f "$runs/$port/addresses" ]] || die "no broker was started by this script on port $port"
  cat "$runs/$port/addresses"
}

status() {
  [[ -d "$runs" ]] || { echo "no brokers"; return 0; }
  local d found=0
  for d in "$runs"/*/; do
    d=${d%/}
    if [[ -f "$d/pid" ]] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      echo "127.0.0.1:${d##*/} pid $(cat "$d/pid") log $d/broker.log"; found=1
    fi
  done
  [[ $found -eq 1 ]] || echo "no brokers"
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  fetch) fetch; echo "kafka.sh: Apache Kafka $(kafka_version) jars in $lib" >&2 ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  resume) resume "$@" ;;
  restart) restart "$@" ;;
  info) info "$@" ;;
  status) status ;;
  version) fetch; kafka_version ;;
  *) die "usage: kafka.sh fetch | start [--port N] [--proxy-port M [--external-port P]] | stop [--port N | --all] [--keep-data] [--kill] | resume --port N | restart --port N [--down-seconds S] [--kill] | info --port N | status | version" ;;
esac
