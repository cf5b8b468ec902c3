#!/usr/bin/env bash
# The steps of the mailharden GitHub Action (action.yml), which runs this script, and the same steps
# on any machine with bash and Node.js 20 (to try the action's settings before pushing them):
#
#   scripts/action-local.sh [--paths "P ..."] [--policy FILE] [--root "DIR ..."] [--fail-on SEVERITY]
#                           [--sarif-file FILE] [--version VERSION] [install|check|all]
#
#   install  pack this checkout (or, with --version, take mailharden@VERSION from the npm registry) and
#            install it with its runtime dependencies only into a private prefix; prints its bin
#   check    mailharden lint --fail-on SEVERITY -f github -f sarif=FILE PATHS  (annotations on stdout,
#            the step summary, SARIF for code scanning), then, when a policy is given, for each root:
#            mailharden apply POLICY --root ROOT --dry-run --exit-code --files-only  (the drift gate);
#            its diffs and stderr, and lint's stderr, are printed with workflow commands stopped
#   all      both (the default)
#
# Inputs: the flags, or INPUT_PATHS, INPUT_POLICY, INPUT_ROOT, INPUT_FAIL_ON, INPUT_SARIF_FILE and
# INPUT_VERSION (what action.yml passes). PATHS and ROOT are separated by blanks or newlines and may be
# shell globs (hosts/*). A root that holds its own file with the policy's base name (hosts/mx2/policy.yaml
# next to policy.yaml) is checked against that file instead.
# MAILHARDEN=COMMAND (e.g. "node dist/mailharden.js") uses that CLI and skips the install.
# GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and GITHUB_PATH are used when set (as on GitHub); otherwise they are
# temporary files, named on stderr at the end.
#
# Exit status: the highest of lint's and each drift check's (0 clean, 1 findings at --fail-on or
# changes pending, 2 usage error, 3 runtime error, ...: README "Exit codes").
set -uo pipefail

ACTION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PATHS_IN=${INPUT_PATHS:-.}
POLICY=${INPUT_POLICY:-}
ROOT_IN=${INPUT_ROOT:-}
FAIL_ON=${INPUT_FAIL_ON:-medium}
SARIF=${INPUT_SARIF_FILE:-mailharden.sarif}
VERSION=${INPUT_VERSION:-}
STEP=all

usage() {
  sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

while (($#)); do
  case $1 in
    --paths) PATHS_IN=${2?--paths needs a value}; shift 2 ;;
    --policy) POLICY=${2?--policy needs a value}; shift 2 ;;
    --root) ROOT_IN=${2?--root needs a value}; shift 2 ;;
    --fail-on) FAIL_ON=${2?--fail-on needs a value}; shift 2 ;;
    --sarif-file) SARIF=${2?--sarif-file needs a value}; shift 2 ;;
    --version) VERSION=${2?--version needs a value}; shift 2 ;;
    install | check | all) STEP=$1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "action-local.sh: unknown argument: $1" >&2; usage ;;
  esac
done

on_github() { [[ ${GITHUB_ACTIONS:-} == true ]]; }

# Outside GitHub the files the runner provides are temporary files.
LOCAL_FILES=()
if [[ -z ${GITHUB_STEP_SUMMARY:-} || -z ${GITHUB_OUTPUT:-} || -z ${GITHUB_PATH:-} ]]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/mailharden-action.XXXXXX")
  for v in GITHUB_STEP_SUMMARY GITHUB_OUTPUT GITHUB_PATH; do
    if [[ -z ${!v:-} ]]; then
      export "$v=$scratch/${v#GITHUB_}"
      : >"${!v}"
      LOCAL_FILES+=("$v=${!v}")
    fi
  done
fi

output() { printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
group() { on_github && echo "::group::$*" || echo "== $*"; }
endgroup() { on_github && echo "::endgroup::" || true; }
# An annotation: escaped as GitHub's workflow commands require.
annotate() {
  local level=$1 props=$2 msg=$3
  msg=${msg//'%'/'%25'}; msg=${msg//$'\r'/'%0D'}; msg=${msg//$'\n'/'%0A'}
  echo "::$level $props::$msg"
}
prop() { local v=${1//'%'/'%25'}; v=${v//:/'%3A'}; v=${v//,/'%2C'}; printf '%s' "$v"; }
# Prints files into the log with workflow commands off: the runner reads a line that starts with ::
# (after blanks) as a command, and a config line such as "\t::add-mask::postmaster" in a diff would be
# one. ::stop-commands::TOKEN turns them off until a line ::TOKEN::; the token is fresh and random on
# every call, and not found in the files, so nothing in them can turn commands back on.
inert() {
  local token f
  while :; do
    token=mailharden-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    grep -qF -- "$token" "$@" 2>/dev/null || break
  done
  echo "::stop-commands::$token"
  for f in "$@"; do
    cat -- "$f"
    # The line that turns commands back on must start a line of its own.
    if [[ -s $f && -n $(tail -c 1 -- "$f") ]]; then echo; fi
  done
  echo "::$token::"
}

# ---------------------------------------------------------------------------------------------------
install_step() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || major=0
  if ((major < 20)); then
    annotate error "title=mailharden" "mailharden needs Node.js 20 or later on the runner (found: $(node --version 2>/dev/null || echo none)); add actions/setup-node with node-version: 20"
    return 3
  fi
  local prefix=${MAILHARDEN_PREFIX:-${RUNNER_TEMP:-$(mktemp -d "${TMPDIR:-/tmp}/mailharden-prefix.XXXXXX")}/mailharden}
  mkdir -p "$prefix" || return 3
  local spec
  if [[ -n $VERSION ]]; then
    spec="mailharden@$VERSION"
  else
    if [[ ! -f $ACTION_DIR/dist/mailharden.js ]]; then
      # A source checkout (a branch or commit, not a packed release): build it once.
      group "build mailharden from $ACTION_DIR"
      (cd "$ACTION_DIR" && npm ci --no-audit --no-fund && npm run build) || { endgroup; annotate error "title=mailharden" "building mailharden from the action's source failed (see the log)"; return 3; }
      endgroup
    fi
    local name
    name=$(cd "$ACTION_DIR" && npm pack --ignore-scripts --json --pack-destination "$prefix" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s)[0].filename))') || {
      annotate error "title=mailharden" "npm pack of $ACTION_DIR failed"
      return 3
    }
    spec="$prefix/$name"
  fi
  group "install $spec (runtime dependencies only)"
  npm install --prefix "$prefix" --omit=dev --no-audit --no-fund --no-package-lock "$spec" || { endgroup; annotate error "title=mailharden" "npm install $spec failed (see the log)"; return 3; }
  endgroup
  MAILHARDEN="$prefix/node_modules/.bin/mailharden"
  echo "mailharden $("$MAILHARDEN" --version) installed: $MAILHARDEN"
  output bin "$MAILHARDEN"
  # Later steps of the job can run `mailharden` too.
  echo "$prefix/node_modules/.bin" >>"$GITHUB_PATH"
}

# ---------------------------------------------------------------------------------------------------
check_step() {
  if [[ -z ${MAILHARDEN:-} ]]; then
    annotate error "title=mailharden" "no mailharden to run: run the install step first, or set MAILHARDEN"
    return 3
  fi
  local -a mh
  read -ra mh <<<"$MAILHARDEN"
  local worst=0

  # Lint: annotations on stdout, the step summary (GITHUB_STEP_SUMMARY), SARIF for code scanning.
  local -a paths
  set +f
  # shellcheck disable=SC2206 # split on blanks and newlines, expand globs: both wanted
  paths=($PATHS_IN)
  if ((${#paths[@]} == 0)); then paths=(.); fi
  if [[ $SARIF == */* ]]; then mkdir -p "${SARIF%/*}"; fi
  group "mailharden lint --fail-on $FAIL_ON ${paths[*]}"
  # The annotations on stdout are meant as commands; what lint says on stderr is not.
  local lint_err
  lint_err=$(mktemp)
  "${mh[@]}" lint --fail-on "$FAIL_ON" -f github -f "sarif=$SARIF" "${paths[@]}" 2>"$lint_err"
  local lint_rc=$?
  if [[ -s $lint_err ]]; then inert "$lint_err"; fi
  rm -f "$lint_err"
  endgroup
  case $lint_rc in
    0) echo "lint: no finding at or above $FAIL_ON" ;;
    1) echo "lint: findings at or above $FAIL_ON (exit 1); the step summary lists them all" ;;
    *) annotate error "title=mailharden lint" "mailharden lint stopped with exit code $lint_rc (see the log)" ;;
  esac
  ((lint_rc > worst)) && worst=$lint_rc
  output lint-exit-code "$lint_rc"
  [[ -f $SARIF ]] && output sarif-file "$SARIF"

  # Drift: the policy applied to each root must change nothing.
  local drift_worst=0 pending=() rows=() details=()
  if [[ -n $POLICY ]]; then
    local -a roots
    # shellcheck disable=SC2206
    roots=(${ROOT_IN:-.})
    local base=${POLICY##*/} root policy rc out err plan
    out=$(mktemp) err=$(mktemp)
    for root in "${roots[@]}"; do
      root=${root%/}
      [[ -z $root ]] && root=/
      policy=$POLICY
      if [[ -f $root/$base && ! $root/$base -ef $POLICY ]]; then policy=$root/$base; fi
      group "mailharden apply $policy --root $root --dry-run --exit-code --files-only"
      if [[ ! -d $root ]]; then
        echo "mailharden: $root: no such directory" >"$err"
        : >"$out"
        rc=2
      else
        "${mh[@]}" apply "$policy" --root "$root" --dry-run --exit-code --files-only >"$out" 2>"$err"
        rc=$?
      fi
      # The diff quotes the files: printed with workflow commands off (stderr after stdout, in the
      # same block, so that the runner cannot read the two out of order).
      inert "$out" "$err"
      endgroup
      plan=$(grep -E '^(Plan|No changes)' "$out" | tail -n 1)
      case $rc in
        0)
          rows+=("| \`$root\` | \`$policy\` | matches the policy |")
          echo "drift: $root matches $policy"
          ;;
        1)
          pending+=("$root")
          rows+=("| \`$root\` | \`$policy\` | **changes pending**: ${plan:-see the log} |")
          # One annotation per file the policy would change, at the file.
          local line file
          while IFS= read -r line; do
            file=${line#'+++ '}
            file=${file%$'\t'*}
            file=${file#"$PWD/"}
            annotate error "file=$(prop "$file"),title=$(prop "mailharden drift: $root")" "$file does not match $policy: apply would change it (mailharden apply $policy --root $root --dry-run)"
          done < <(grep -E $'^\\+\\+\\+ .*\t\\((planned)\\)$' "$out")
          # A fence longer than any run of backticks in the diff, which could otherwise close it.
          local fence='````'
          while grep -qF -- "$fence" "$out"; do fence+='`'; done
          details+=("<details><summary><code>$root</code>: what <code>mailharden apply $policy --root $root</code> would change</summary>" "" "${fence}diff" "$(head -n 400 "$out")" "$fence" "</details>" "")
          ;;
        *)
          rows+=("| \`$root\` | \`$policy\` | error (exit $rc): $(head -n 1 "$err" | sed 's/|/\\|/g') |")
          annotate error "title=$(prop "mailharden drift: $root")" "mailharden apply $policy --root $root stopped with exit code $rc: $(head -n 1 "$err")"
          ;;
      esac
      ((rc > drift_worst)) && drift_worst=$rc
    done
    rm -f "$out" "$err"
    {
      echo "## mailharden drift"
      echo
      echo "| Root | Policy | Result |"
      echo "|---|---|---|"
      printf '%s\n' "${rows[@]}"
      echo
      ((${#details[@]})) && printf '%s\n' "${details[@]}"
    } >>"$GITHUB_STEP_SUMMARY"
    output drift-exit-code "$drift_worst"
    output drift-pending "${pending[*]}"
    ((drift_worst > worst)) && worst=$drift_worst
  fi
  output exit-code "$worst"
  return "$worst"
}

# ---------------------------------------------------------------------------------------------------
rc=0
case $STEP in
  install) install_step; rc=$? ;;
  check) check_step; rc=$? ;;
  all)
    if [[ -z ${MAILHARDEN:-} ]]; then install_step; rc=$?; fi
    if ((rc == 0)); then check_step; rc=$?; fi
    ;;
esac
if ((${#LOCAL_FILES[@]})); then
  printf 'action-local.sh: %s\n' "${LOCAL_FILES[@]}" >&2
fi
exit "$rc"
