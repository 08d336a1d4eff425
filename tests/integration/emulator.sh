# shellcheck shell=bash
# The shell-driven tests' one way to start the AWS emulator (source this file): tests/moto_emulator.py
# run as a script, i.e. moto's ThreadedMotoServer, the same server the Python tests use.
#
#   source tests/integration/emulator.sh
#   emulator_start PORT LOG [KEY=VALUE ...]   # 0 once it answers on 127.0.0.1:PORT; the KEY=VALUEs are moto
#                                             # settings (MOTO_ECS_SERVICE_RUNNING=2, MOTO_RECORDER_FILEPATH=...)
#   emulator_stop                             # stops the one emulator_start started (call it from your EXIT trap)
#   emulator_free_port                        # prints a free loopback port
#   emulator_up PORT                          # 0 when an emulator answers on PORT
# Uses ${VENV:-.venv}/bin/python and expects the repository root as the working directory.

emulator_pid=

emulator_free_port() {
  "${VENV:-.venv}/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

emulator_up() {
  "${VENV:-.venv}/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/moto-api/', timeout=3)" \
    >/dev/null 2>&1
}

emulator_start() {
  local port=$1 log=$2 setting args=()
  shift 2
  if emulator_up "$port"; then
    echo "emulator_start: port $port already has an emulator; choose a free port" >&2
    return 1
  fi
  for setting in "$@"; do
    if [[ $setting == MOTO_RECORDER_FILEPATH=* ]]; then args+=(--recording "${setting#*=}"); else args+=(--env "$setting"); fi
  done
  "${VENV:-.venv}/bin/python" tests/moto_emulator.py --port "$port" "${args[@]}" >"$log" 2>&1 </dev/null &
  emulator_pid=$!
  local _
  for _ in $(seq 1 240); do
    emulator_up "$port" && return 0
    if ! kill -0 "$emulator_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "emulator_start: no emulator answers on port $port (log: $log)" >&2
  tail -n 20 "$log" >&2
  emulator_stop
  return 1
}

emulator_stop() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=
  fi
}
