# Sourced by the shell tests: a temporary folder removed on exit, pass and
# fail counters, and the checks they share. Each test ends with
#   finish NAME   (prints "NAME: N passed, N failed" and sets the exit status).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# expect_exit CODE CMD...: runs CMD (stdout in $tmp/out, stderr in $tmp/err)
# and checks its exit status.
expect_exit() {
	want=$1; shift
	"$@" > "$tmp/out" 2> "$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$* exited $got, expected $want: $(cat "$tmp/err")"; fi
}
finish() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
