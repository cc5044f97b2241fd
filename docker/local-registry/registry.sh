#!/usr/bin/env bash
# sluice's local schema registry: Apicurio Registry on 127.0.0.1, no Docker. Clients use its Confluent-compatible
# API, whose base URL `start` prints (http://127.0.0.1:PORT/apis/ccompat/v7).
#
#   registry.sh fetch                                 resolve the registry once (Maven) into .cache/registry/app
#   registry.sh start [--port N] [--kafka BOOTSTRAP]  start a registry (default port 18081), print its base URL
#   registry.sh stop  [--port N | --all]              stop the registr(y|ies) started by this script
#   registry.sh status                                list running registries
#
# Storage is an in-memory H2 database (schemas are gone when the registry stops) unless --kafka is given: then
# Apicurio's KafkaSQL storage keeps them in the topics sluice-registry-<port>-journal/-snapshots of that cluster.
# Every failure prints one line saying what went wrong and where the log is, exits non-zero, and leaves no
# half-started registry behind. Several registries on different ports may run side by side.
# Apicurio 3 needs Java 21+: the first of $SLUICE_REGISTRY_JAVA, $JAVA_HOME, `java` on PATH and /usr/lib/jvm/*
# that is new enough is used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SLUICE_REGISTRY_CACHE:-$root/.cache/registry}"
app="$cache/app"
runs="$cache/run"
ready_timeout_s="${SLUICE_REGISTRY_READY_TIMEOUT:-120}"
api_path="/apis/ccompat/v7"

script_name=registry.sh
# shellcheck source=../lib/process.sh
source "$here/../lib/process.sh"

# Major version of a java binary (17, 21, 25...), or 0 when it does not run.
java_major() {
  local line
  line=$("$1" -version 2>&1 | grep -m1 -Eo 'version "[0-9]+' || true)
  echo "${line##*\"}" | grep -Eo '^[0-9]+' || echo 0
}

find_java() {
  local candidates=() j
  [[ -n "${SLUICE_REGISTRY_JAVA:-}" ]] && candidates+=("$SLUICE_REGISTRY_JAVA")
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for j in /usr/lib/jvm/*/bin/java; do [[ -x "$j" ]] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    if [[ -x "$j" ]] && (($(java_major "$j") >= 21)); then echo "$j"; return 0; fi
  done
  die "no Java 21 or later found (Apicurio Registry 3 needs it; looked at \$SLUICE_REGISTRY_JAVA, \$JAVA_HOME, PATH and /usr/lib/jvm); install one or set SLUICE_REGISTRY_JAVA"
}

apicurio_version() {
  sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$here/pom.xml"
}

fetch() {
  local version
  version=$(apicurio_version)
  if [[ -f "$app/.complete" && "$(cat "$app/.complete")" == "$version" ]]; then return 0; fi
  need mvn "Maven is required to download the schema registry"
  need tar "tar is required to unpack the schema registry"
  mkdir -p "$cache"
  local log="$cache/fetch.log"
  rm -rf "$cache/download" "$app.tmp"
  echo "registry.sh: resolving Apicurio Registry $version with Maven (first run only), log: $log" >&2
  if ! mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$cache/download" -DincludeScope=runtime >"$log" 2>&1; then
    rm -rf "$cache/download"
    die "Maven could not resolve Apicurio Registry $version; see $log"
  fi
  mkdir -p "$app.tmp"
  if ! tar -xzf "$cache/download"/apicurio-registry-app-*-all.tar.gz -C "$app.tmp" >>"$log" 2>&1 \
      || [[ ! -f "$app.tmp/quarkus-run.jar" ]]; then
    rm -rf "$app.tmp" "$cache/download"
    die "the Apicurio Registry archive did not unpack to a quarkus-run.jar; see $log"
  fi
  rm -rf "$app" "$cache/download" "$cache/cds"
  mv "$app.tmp" "$app"
  echo "$version" >"$app/.complete"
}

# Class-data sharing: the first run of a JDK dumps the classes it loaded when it exits (`stop`); later runs
# map that archive and start about a second sooner. Each run dumps to its own file, renamed into place once,
# so registries started side by side never write the same archive. SLUICE_REGISTRY_CDS=0 turns it off.
cds_archive() { echo "$cache/cds/registry-java$1.jsa"; }

cds_opts() {
  local major=$1 dir=$2 archive
  [[ "${SLUICE_REGISTRY_CDS:-1}" == "0" ]] && return 0
  archive=$(cds_archive "$major")
  if [[ -s "$archive" ]]; then
    echo "-XX:SharedArchiveFile=$archive -Xlog:cds=off -Xlog:cds+dynamic=off"
  else
    echo "-XX:ArchiveClassesAtExit=$dir/registry.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

cds_keep() {
  local dir=$1 major archive
  [[ -s "$dir/registry.jsa" && -f "$dir/java-major" ]] || return 0
  major=$(cat "$dir/java-major")
  archive=$(cds_archive "$major")
  mkdir -p "${archive%/*}"
  if [[ ! -s "$archive" ]]; then mv -f "$dir/registry.jsa" "$archive"; else rm -f "$dir/registry.jsa"; fi
}

write_config() {
  local dir=$1 port=$2 mport=$3 kafka=$4
  mkdir -p "$dir/config" "$dir/tmp"
  # Quarkus reads ./config/application.properties from the working directory, over the app's defaults.
  cat >"$dir/config/application.properties" <<EOF
quarkus.http.host=127.0.0.1
quarkus.http.port=$port
quarkus.management.host=127.0.0.1
quarkus.management.port=$mport
quarkus.log.console.format=%d{HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n
apicurio.storage.snapshot.location=$dir/tmp
apicurio.import.work-dir=$dir/tmp
apicurio.datasource.jdbc.initial-size=1
apicurio.datasource.jdbc.min-size=1
apicurio.datasource.jdbc.max-size=20
# Deleting subjects and versions through the Confluent API, as tests and local development expect.
apicurio.rest.deletion.group.enabled=true
apicurio.rest.deletion.artifact.enabled=true
apicurio.rest.deletion.artifact-version.enabled=true
EOF
  if [[ -n "$kafka" ]]; then
    cat >>"$dir/config/application.properties" <<EOF
apicurio.storage.kind=kafkasql
apicurio.kafkasql.bootstrap.servers=$kafka
apicurio.kafkasql.topic=sluice-registry-$port-journal
apicurio.kafkasql.snapshots.topic=sluice-registry-$port-snapshots
apicurio.kafkasql.producer.client.id=sluice-registry-$port
EOF
  fi
}

java_opts() {
  echo "${SLUICE_REGISTRY_JAVA_OPTS:--Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}"
}

# HTTP status code of GET path on 127.0.0.1:port, or 000 when nothing answers (bash only: no curl needed).
http_status() {
  local line
  line=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n' "$2" >&3 \
    && IFS= read -r -t 5 line <&3 && echo "$line") 2>/dev/null || true)
  line=${line#HTTP/* }
  [[ "${line:0:3}" =~ ^[0-9]{3}$ ]] && echo "${line:0:3}" || echo 000
}

start() {
  local port=18081 kafka=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      --kafka) kafka="${2:?--kafka needs a bootstrap address, e.g. 127.0.0.1:19092}"; shift 2 ;;
      *) die "unknown option '$1' for start (expected --port N, --kafka BOOTSTRAP)" ;;
    esac
  done
  [[ "$port" =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
  local java major
  java=$(find_java)
  major=$(java_major "$java")
  fetch
  local dir="$runs/$port"
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    die "a registry started by this script already runs on port $port (pid $(cat "$dir/pid")); stop it with: registry.sh stop --port $port"
  fi
  port_in_use "$port" && die "port $port is already in use by another process; choose another with --port"
  if [[ -n "$kafka" ]]; then
    local first=${kafka%%,*}
    (exec 3<>"/dev/tcp/${first%:*}/${first##*:}") 2>/dev/null \
      || die "Kafka at $first (--kafka) is not reachable; start it first, e.g. docker/local-kafka/kafka.sh start"
  fi
  local mport
  mport=$(free_port_from $((port + 1000)))
  rm -rf "$dir"
  mkdir -p "$dir"
  write_config "$dir" "$port" "$mport" "$kafka"
  echo "$major" >"$dir/java-major"
  local log="$dir/registry.log"
  # shellcheck disable=SC2046
  (cd "$dir" && exec nohup "$java" $(java_opts) $(cds_opts "$major" "$dir") -Djava.io.tmpdir="$dir/tmp" \
    -jar "$app/quarkus-run.jar" >"$log" 2>&1) &
  local pid=$!
  echo "$pid" >"$dir/pid"
  local deadline=$((SECONDS + ready_timeout_s))
  # Ready means the Confluent API answers, which Apicurio does only once its storage is initialised.
  until [[ "$(http_status "$port" "$api_path/subjects")" == "200" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/pid"
      die "the registry on port $port exited during startup; see $log"
    fi
    if ((SECONDS >= deadline)); then
      stop_pid "$pid"; rm -f "$dir/pid" "$dir/registry.jsa"
      die "the registry on port $port was not ready within ${ready_timeout_s}s and was stopped; see $log"
    fi
    sleep 0.2
  done
  echo "registry.sh: Apicurio Registry $(apicurio_version) ready on 127.0.0.1:$port (pid $pid, java $major, $([[ -n "$kafka" ]] && echo "kafkasql storage on $kafka" || echo "in-memory storage"), log $log)" >&2
  echo "http://127.0.0.1:$port$api_path"
}

stop() {
  local target="" all=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) target="${2:?--port needs a number}"; shift 2 ;;
      --all) all=1; shift ;;
      *) die "unknown option '$1' for stop (expected --port N or --all)" ;;
    esac
  done
  [[ -d "$runs" ]] || return 0
  if [[ $all -eq 0 && -z "$target" ]]; then target=18081; fi
  local d
  for d in "$runs"/*/; do
    d=${d%/}
    [[ -f "$d/pid" ]] || continue
    if [[ $all -eq 1 || "${d##*/}" == "$target" ]]; then
      # A run that dumps its class-data archive at exit needs a little longer to finish.
      stop_pid "$(cat "$d/pid")" 30
      rm -f "$d/pid"
      cds_keep "$d"
      echo "registry.sh: stopped the registry on port ${d##*/}" >&2
    fi
  done
}

status() {
  [[ -d "$runs" ]] || { echo "no registries"; return 0; }
  local d found=0
  for d in "$runs"/*/; do
    d=${d%/}
    if [[ -f "$d/pid" ]] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      echo "http://127.0.0.1:${d##*/}$api_path pid $(cat "$d/pid") log $d/registry.log"; found=1
    fi
  done
  [[ $found -eq 1 ]] || echo "no registries"
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  fetch) fetch; echo "registry.sh: Apicurio Registry $(apicurio_version) in $app" >&2 ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status ;;
  version) apicurio_version ;;
  *) die "usage: registry.sh fetch | start [--port N] [--kafka BOOTSTRAP] | stop [--port N | --all] | status | version" ;;
esac
