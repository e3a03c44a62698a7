# shellcheck shell=bash
# Helpers shared by scripts/test and scripts/demo: messages, root commands
# and running noisy steps with their output kept in a log file.
# Source it; it defines functions only (and LK_REPO_ROOT).

# shellcheck disable=SC2034  # used by the scripts that source this
LK_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

lk_say() { printf '==> %s\n' "$*"; }
lk_warn() { printf 'warning: %s\n' "$*" >&2; }
lk_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs "$@" as root: directly when already root, else through sudo.
lk_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    printf 'error: need root for: %s (run as root or install sudo)\n' "$*" >&2
    return 1
  fi
}

# lk_run_logged LOG DESCRIPTION CMD...: runs CMD with all its output appended
# to LOG. On failure shows the first error lines and the end of this run's
# part of LOG, and returns CMD's status.
lk_run_logged() {
  local log="$1" desc="$2"
  shift 2
  mkdir -p "$(dirname "$log")"
  touch "$log"
  local first_line
  first_line=$(($(wc -l <"$log") + 1))
  printf '\n### %s: %s\n' "$(date '+%F %T')" "$*" >>"$log"
  local rc=0
  "$@" </dev/null >>"$log" 2>&1 || rc=$?
  if [[ "$rc" -ne 0 ]]; then
    printf 'error: %s failed (exit %d); full output in %s\n' "$desc" "$rc" "$log" >&2
    local errors
    errors="$(tail -n +"$first_line" "$log" | grep -E -m 15 '\b(error|Error|ERROR|fatal)\b[: ]' || true)"
    if [[ -n "$errors" ]]; then
      printf -- '--- first errors ---\n%s\n' "$errors" >&2
    fi
    printf -- '--- last lines ---\n' >&2
    tail -n +"$first_line" "$log" | tail -n 40 >&2
    return "$rc"
  fi
}
