#!/usr/bin/env bash
# Local Apache Kafka for errorstream: a single-node KRaft broker+controller on loopback.
#   kafka.sh fetch   download the broker jars from Maven Central once (cached in .run/kafka/libs)
#   kafka.sh start   format storage if needed, start, wait until the broker answers (idempotent)
#   kafka.sh stop    stop cleanly (SIGTERM, then SIGKILL after a grace period); idempotent
#   kafka.sh status  exit 0 when running
# Environment: ERRORSTREAM_RUN_DIR (default <repo>/.run), KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093),
#              KAFKA_HEAP_OPTS (-Xms256m -Xmx768m), JAVA (java).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${ERRORSTREAM_RUN_DIR:-$root/.run}/kafka
port=${KAFKA_PORT:-19092}
cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
java=${JAVA:-java}
libs=$run/libs
data=$run/data
logs=$run/logs
pidfile=$run/kafka.pid
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")

say() { printf 'kafka: %s\n' "$*" >&2; }

pid_alive() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null \
    && [ "$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_tools() {
  if ! command -v "$java" >/dev/null || ! command -v mvn >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing a JDK and Maven with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless maven >/dev/null
    else
      say "java and mvn are needed (Java 17+); install them and retry"; exit 1
    fi
  fi
}

fetch() {
  if [ -f "$libs/.complete-$version" ]; then return 0; fi
  ensure_tools
  say "fetching Apache Kafka $version jars from Maven Central (once)"
  rm -rf "$libs" && mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" >&2
  touch "$libs/.complete-$version"
}

write_config() {
  mkdir -p "$run" "$logs"
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$cport#g" -e "s#@DATA_DIR@#$data#g" \
    "$here/server.properties.template" >"$run/server.properties"
}

format_storage() {
  # Half-formatted storage (a crash during format, or data without meta.properties) is wiped.
  if [ -f "$data/meta.properties" ] && grep -q '^cluster.id=' "$data/meta.properties"; then return 0; fi
  rm -rf "$data" && mkdir -p "$data"
  local cluster_id
  cluster_id=$(python3 -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
  say "formatting KRaft storage (cluster $cluster_id)"
  "$java" -cp "$libs/*" -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$logs" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$run/server.properties" >"$logs/format.log" 2>&1 \
    || { cat "$logs/format.log" >&2; rm -rf "$data"; exit 1; }
}

start() {
  if pid_alive; then
    say "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0
  fi
  rm -f "$pidfile"
  # A broker that was just killed may hold its ports for a moment while it exits.
  for _ in $(seq 1 50); do { port_open "$port" || port_open "$cport"; } || break; sleep 0.2; done
  if port_open "$port" || port_open "$cport"; then
    say "port $port or $cport is taken by another process; set KAFKA_PORT/KAFKA_CONTROLLER_PORT"; exit 1
  fi
  fetch
  write_config
  format_storage
  [ -f "$logs/server.log" ] && mv -f "$logs/server.log" "$logs/server.log.prev"
  say "starting broker on 127.0.0.1:$port"
  # setsid: the broker outlives this script but not an explicit stop
  KAFKA_HEAP=${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}
  # shellcheck disable=SC2086
  setsid "$java" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$run/server.properties" >"$logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until grep -q 'Kafka Server started' "$logs/server.log" 2>/dev/null && port_open "$port"; do
    if ! pid_alive; then
      say "broker exited during start; last lines of its log:"
      tail -n 30 "$logs/server.log" "$logs/stdout.log" >&2 2>/dev/null || true
      rm -f "$pidfile"; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then say "broker did not answer in time"; stop; exit 1; fi
    sleep 0.5
  done
  say "ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
  if ! pid_alive; then rm -f "$pidfile"; say "not running"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT:-40}))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then say "did not stop in time; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.3
  done
  rm -f "$pidfile"
  say "stopped"
}

status() {
  if pid_alive && port_open "$port"; then echo "kafka: running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  echo "kafka: not running"; return 1
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  logs) tail -n "${2:-100}" "$logs/server.log" ;;
  reset) stop; rm -rf "$data"; say "data removed" ;;
  *) echo "usage: $0 fetch|start|stop|status|logs [N]|reset" >&2; exit 2 ;;
esac
