#!/usr/bin/env bash
# Serve the production build on $PORT; Ctrl-C (or SIGTERM) stops every process it started.
set -uo pipefail
cd "$(dirname "$0")/.."
setsid reflex run --env prod --single-port --frontend-port "${PORT:-3000}" --backend-port "${PORT:-3000}" &
child=$!
stop() {
  trap - INT TERM
  kill -TERM -- "-$child" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 -- "-$child" 2>/dev/null || exit 0; sleep 0.2; done
  kill -KILL -- "-$child" 2>/dev/null  # a granian worker can hang on SIGTERM
  exit 0
}
trap stop INT TERM
wait "$child"
