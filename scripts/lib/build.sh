# shellcheck shell=bash
# Configures and builds latchkey. Source after common.sh.
#   LATCHKEY_BUILD_DIR   build directory (default: build; relative paths are
#                        taken from the repository root)
#   LATCHKEY_CMAKE_ARGS  extra cmake configure arguments, split on spaces
#                        (e.g. "-DLATCHKEY_SANITIZE=ON")

# Prints the absolute build directory.
lk_build_dir() {
  local dir="${LATCHKEY_BUILD_DIR:-build}"
  if [[ "$dir" != /* ]]; then
    dir="$LK_REPO_ROOT/$dir"
  fi
  printf '%s\n' "$dir"
}

# lk_build LOG [TARGET...]: configure + build into lk_build_dir, output
# appended to LOG. With TARGETs, builds only those (and what they need), not
# the tests and benchmarks; the configuration is the same either way, so a
# later full build (scripts/test) reuses what was built.
lk_build() {
  local log="$1"
  shift
  local build_dir extra=() targets=()
  build_dir="$(lk_build_dir)"
  if [[ -n "${LATCHKEY_CMAKE_ARGS:-}" ]]; then
    read -r -a extra <<<"$LATCHKEY_CMAKE_ARGS"
  fi
  lk_say "Configuring into $build_dir (log: $log)"
  lk_run_logged "$log" "cmake configure" \
    cmake -S "$LK_REPO_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLATCHKEY_WERROR=ON "${extra[@]}" || return
  if (($# > 0)); then
    targets=(--target "$@")
    lk_say "Building $* with $(nproc) jobs"
  else
    lk_say "Building with $(nproc) jobs"
  fi
  lk_run_logged "$log" "build" \
    cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}" || return
}
