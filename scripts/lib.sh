# Shell helpers shared by scripts/run.sh and scripts/stop.sh (sourced, not executed).

# A process is alive if it exists and is not a zombie waiting to be reaped.
alive() {
  local st
  st="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# Prints the pid in <pid file> when it is a live process started by run.sh (not a recycled pid).
ours() {
  local f="$1" n pid marker
  n="$(basename "$f" .pid)"
  pid="$(cat "$f" 2>/dev/null)" || return 1
  case "$n" in run) marker="scripts/run.sh" ;; envoy) marker="envoy" ;; *) marker="services.$n.server" ;; esac
  alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" && echo "$pid"
}
