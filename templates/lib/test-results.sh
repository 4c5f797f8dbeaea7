# Shared by the language test templates (inlined into their test step at load time):
# runs the test command with its output shown and kept, then reads from that output how many tests
# passed and failed and the coverage the tool printed, into the task's results. A count or a
# coverage the output does not show is left empty. The test command's exit code is the step's.
# No command substitution with a dollar and parenthesis here: the engine would take it for a reference.

# test_counts FORMAT LOG: prints "passed failed coverage" (each "-" when unknown).
test_counts() {
  awk -v fmt="$1" '
    function num(s, re,   m) { if (match(s, re)) { m = substr(s, RSTART, RLENGTH); gsub(/[^0-9.]/, "", m); return m } return "" }
    fmt == "node" {
      if ($0 ~ /^(# |ℹ )pass [0-9]+/) p = num($0, "pass [0-9]+")
      if ($0 ~ /^(# |ℹ )fail [0-9]+/) f = num($0, "fail [0-9]+")
      if ($0 ~ /^Tests:/) { p = num($0, "[0-9]+ passed"); f = num($0, "[0-9]+ failed") }
      if ($0 ~ /^ *Tests +[0-9]+ (passed|failed)/ || $0 ~ /^ *Tests +[0-9]+ failed \|/) { p = num($0, "[0-9]+ passed"); f = num($0, "[0-9]+ failed") }
      if ($0 ~ /^ +[0-9]+ passing/) p = num($0, "[0-9]+ passing")
      if ($0 ~ /^ +[0-9]+ failing/) f = num($0, "[0-9]+ failing")
      if (tolower($0) ~ /^[#ℹ ]*all files *\|/) c = num($0, "\\| *[0-9.]+")
    }
    fmt == "python" {
      if ($0 ~ /^=+ .*[0-9]+ (passed|failed|error)/) {
        p = num($0, "[0-9]+ passed"); f = num($0, "[0-9]+ failed") + num($0, "[0-9]+ error")
        if (p == "") p = 0
      }
      if ($0 ~ /^Ran [0-9]+ tests? in/) ran = num($0, "[0-9]+ test")
      if ($0 ~ /^(OK|FAILED)( \(|$)/ && ran != "") {
        f = num($0, "failures=[0-9]+") + num($0, "errors=[0-9]+")
        p = ran - f - num($0, "skipped=[0-9]+") - num($0, "expected failures=[0-9]+")
      }
      if ($0 ~ /^TOTAL .*[0-9.]+%$/) c = num($NF, "[0-9.]+")
    }
    fmt == "go" {
      if ($0 ~ /^ *--- PASS: /) p++
      if ($0 ~ /^ *--- FAIL: /) f++
      if ($0 ~ /coverage: [0-9.]+% of statements/) { cs += num($0, "coverage: [0-9.]+"); cn++ }
    }
    fmt == "maven" {
      if ($0 ~ /Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+/ && $0 !~ / - in /) {
        run = num($0, "Tests run: [0-9]+"); fl = num($0, "Failures: [0-9]+"); er = num($0, "Errors: [0-9]+")
        f = fl + er; p = run - f - num($0, "Skipped: [0-9]+")
      }
    }
    END {
      if (fmt == "go") { if (p == "" && f != "") p = 0; if (f == "" && p != "") f = 0; if (cn) c = sprintf("%.1f", cs / cn) }
      if (fmt == "node" && p != "" && f == "") f = 0
      printf "%s %s %s\n", (p == "" ? "-" : p), (f == "" ? "-" : f), (c == "" ? "-" : c)
    }
  ' "$2"
}

# jacoco_coverage CSV: line coverage in percent from a JaCoCo report (maven), or nothing.
jacoco_coverage() {
  [ -f "$1" ] && awk -F, 'NR > 1 { m += $8; c += $9 } END { if (m + c > 0) printf "%.1f", 100 * c / (m + c) }' "$1"
}

# run_counted FORMAT PASSED_PATH FAILED_PATH COVERAGE_PATH COMMAND...: runs COMMAND, writes the results.
run_counted() {
  fmt=$1 passed_path=$2 failed_path=$3 coverage_path=$4
  shift 4
  log=`mktemp`
  status_file=`mktemp`
  # In an && || list a failing command does not end the script under set -e: its code is kept.
  { "$@" 2>&1 && echo 0 > "$status_file" || echo $? > "$status_file"; } | tee "$log"
  code=`cat "$status_file"`
  set -- `test_counts "$fmt" "$log"`
  [ "$fmt" = maven ] && [ "$3" = - ] && cov=`jacoco_coverage target/site/jacoco/jacoco.csv` && [ -n "$cov" ] && set -- "$1" "$2" "$cov"
  for pair in "$passed_path=$1" "$failed_path=$2" "$coverage_path=$3"; do
    value=${pair##*=}
    [ "$value" = - ] && value=
    printf '%s' "$value" > "${pair%=*}"
  done
  echo "test results: passed=${1#-} failed=${2#-} coverage=${3#-}"
  rm -f "$log" "$status_file"
  return "$code"
}
