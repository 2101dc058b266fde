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
# expect_output CODE WANT CMD...: CMD exits CODE and prints exactly WANT
# (nothing, when WANT is empty).
expect_output() {
	code=$1 want=$2; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	got=$?
	if [ -n "$want" ]; then printf '%s\n' "$want"; fi > "$tmp/want"
	if [ "$got" -ne "$code" ]; then bad "$* exited $got, expected $code: $(cat "$tmp/err")"
	elif ! cmp -s "$tmp/out" "$tmp/want"; then bad "$* printed: $(cat "$tmp/out")"
	else ok; fi
}
finish() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
