# Sourced by the oracle tests' run.sh: installs pinned npm packages we did not write into a scratch
# folder, or ends the test. An oracle that cannot run is a failure (exit 1, with the reason); a
# developer without a network may set BITNET_ALLOW_ORACLE_SKIP=1 to have CTest report it as
# skipped (exit 77) instead. CI never sets it and fails on any skipped test.
#
#   oracle_install NAME SOURCE_DIR FILE...   copies package.json, package-lock.json and FILEs from
#                                            SOURCE_DIR into a new scratch folder, runs npm ci there
#                                            and sets $work to it (removed when the test exits)

oracle_unavailable() {
  if [ "${BITNET_ALLOW_ORACLE_SKIP:-0}" = 1 ]; then
    echo "SKIP (BITNET_ALLOW_ORACLE_SKIP=1): $*"
    exit 77
  fi
  echo "FAIL: the oracle cannot run: $*" >&2
  exit 1
}

oracle_install() {
  local name=$1 source=$2
  shift 2
  command -v node >/dev/null 2>&1 || oracle_unavailable "node is not installed"
  command -v npm >/dev/null 2>&1 || oracle_unavailable "npm is not installed"
  work=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-$name-XXXXXX")
  # shellcheck disable=SC2064  # expand $work now: the trap runs after the function returns
  trap "rm -rf '$work'" EXIT
  cp "$source/package.json" "$source/package-lock.json" "$@" "$work/"
  if ! (cd "$work" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error \
      >"$work/npm.log" 2>&1); then
    cat "$work/npm.log"
    oracle_unavailable "npm ci could not install the $name packages (offline?)"
  fi
}
