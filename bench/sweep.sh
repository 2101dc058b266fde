#!/bin/sh
# bench/sweep.sh - "make sweep" (issue 19 item 8): hostile input at scale.
# Builds structured inputs that each stress one dimension (bench/gen_sweep.py
# for .reg text, bench/gen_sweep_hive for hives), runs "espdiag dump" and
# "espdiag diagnose" on each under an address-space limit, and checks that
# time and memory grow linearly with the input: from the small to the large
# variant (10 x the bytes) neither may grow more than SWEEP_RATIO times.
# Time is CPU time (user + system), the best of SWEEP_RUNS runs: on a
# shared machine wall-clock time measures the other processes (it is
# shown too). Below 0.05 s (and 8 MB) a run measures the process's fixed
# costs, so the small variant counts as at least that much.
# The long-line row is one fixed input: a REG_SZ of SWEEP_LONG bytes on one
# line, then a DWORD that must still be read, in under SWEEP_LONG_RSS MB.
# Prints a table; every row that misses a bound says FAIL with the figure,
# and the exit status is then 1 (2 when the sweep could not run).
#
# Run from the build directory (make puts examples/espdiag and
# bench/gen_sweep_hive there); the inputs are generated once into SWEEP_DATA
# (deterministic, so a kept copy is as good as a new one).
#
# Environment: SWEEP_DATA (default sweep-data), SWEEP_SMALL and SWEEP_LARGE
# (sizes, default 4M and 40M), SWEEP_RATIO (default 15), SWEEP_LIMIT_KB
# (ulimit -v of every run, default 3145728 = 3 GiB), SWEEP_RUNS (default
# 2), SWEEP_LONG (default 200M), SWEEP_LONG_RSS (MB, default 450),
# SWEEP_ONLY (run the cases whose name contains this).
set -eu

src=${1:-..}
dir=${SWEEP_DATA:-sweep-data}
small=${SWEEP_SMALL:-4M}
large=${SWEEP_LARGE:-40M}
ratio_max=${SWEEP_RATIO:-15}
limit_kb=${SWEEP_LIMIT_KB:-3145728}
long=${SWEEP_LONG:-200M}
long_rss=${SWEEP_LONG_RSS:-450}
only=${SWEEP_ONLY:-}
runs=${SWEEP_RUNS:-2}

if [ ! -x bench/gen_sweep_hive ] || [ ! -x examples/espdiag ]; then
	echo "sweep.sh: bench/gen_sweep_hive or examples/espdiag not built; run 'make sweep' from the build directory" >&2
	exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "sweep.sh: python3 not found; it generates the .reg inputs" >&2
	exit 2
fi
# Measure the program itself, not libtool's wrapper script around it.
espdiag=examples/espdiag
if [ -x examples/.libs/espdiag ]; then
	espdiag=examples/.libs/espdiag
	LD_LIBRARY_PATH=$(pwd)/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
gen_sweep_hive=bench/gen_sweep_hive
[ -x bench/.libs/gen_sweep_hive ] && gen_sweep_hive=bench/.libs/gen_sweep_hive
mkdir -p "$dir"
failed=0
err=$dir/stderr.txt

# gen KIND SIZE: the input's path, generated unless kept.
gen() {
	case $1 in
	hive-*) f=$dir/$1-$2.hive ;;
	*) f=$dir/$1-$2.reg ;;
	esac
	if [ ! -s "$f" ]; then
		case $1 in
		hive-*) "$gen_sweep_hive" "${1#hive-}" "$2" "$f.tmp" >/dev/null ;;
		*) python3 "$src/bench/gen_sweep.py" "$1" "$2" "$f.tmp" >/dev/null ;;
		esac
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# run CMD FILE: sets wall, secs (CPU), rss (MB) and status of
# "espdiag CMD FILE", the run of least CPU time of $runs.
run() {
	secs=
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		set -- $(python3 "$src/bench/measure.py" "$limit_kb" "$err" "$espdiag" "$1" "$2") "$1" "$2"
		if [ -z "$secs" ] || le "$2" "$secs"; then
			wall=$1 secs=$2 status=$4
			rss=$(awk -v k="$3" 'BEGIN { printf "%.1f", k / 1024 }')
		fi
		shift 4
	done
}

# ok_status CMD STATUS: dump must succeed; diagnose may report findings
# (1) or damage (4), not fail to read (3) or crash.
ok_status() {
	case $1:$2 in
	dump:0 | diagnose:0 | diagnose:1 | diagnose:4) return 0 ;;
	esac
	return 1
}

# ratio A B FLOOR: A / max(B, FLOOR), one decimal.
ratio() {
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (b < f) b = f; printf "%.1f", a / b }'
}

le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'
}

printf '%-16s %-9s %8s %7s %7s %8s %5s %6s %5s  %s\n' case command "input MB" "wall s" "CPU s" "peak MB" exit "x CPU" "x RSS" result
for case in wide-values wide-keys del-values del-keys readd hive-wide-keys hive-wide-values hive-deep; do
	case $case in *"$only"*) ;; *) continue ;; esac
	fs=$(gen "$case" "$small")
	fl=$(gen "$case" "$large")
	for cmd in dump diagnose; do
		run "$cmd" "$fs"
		s_wall=$wall s_secs=$secs s_rss=$rss s_status=$status
		run "$cmd" "$fl"
		xt=$(ratio "$secs" "$s_secs" 0.05)
		# A process's floor of a few MB would hide growth: 8 MB at least.
		xr=$(ratio "$rss" "$s_rss" 8)
		result=PASS
		why=
		if ! ok_status "$cmd" "$s_status" || ! ok_status "$cmd" "$status"; then
			result=FAIL why="exit status: $(head -c 200 "$err" | tr '\n' ' ')"
		elif ! le "$xt" "$ratio_max"; then
			result=FAIL why="CPU time grew ${xt} x for 10 x the input"
		elif ! le "$xr" "$ratio_max"; then
			result=FAIL why="memory grew ${xr} x for 10 x the input"
		fi
		[ $result = PASS ] || failed=1
		size_s=$(awk -v b="$(wc -c <"$fs")" 'BEGIN { printf "%.1f", b / 1048576 }')
		size_l=$(awk -v b="$(wc -c <"$fl")" 'BEGIN { printf "%.1f", b / 1048576 }')
		printf '%-16s %-9s %8s %7s %7s %8s %5s\n' "$case" "$cmd" "$size_s" "$s_wall" "$s_secs" \
			"$s_rss" "$s_status"
		printf '%-16s %-9s %8s %7s %7s %8s %5s %6s %5s  %s %s\n' "" "" "$size_l" "$wall" "$secs" \
			"$rss" "$status" "$xt" "$xr" "$result" "$why"
	done
done

# One REG_SZ line of $long bytes, then a DWORD that must read.
case long-line in *"$only"*)
	f=$(gen long-line "$long")
	size=$(awk -v b="$(wc -c <"$f")" 'BEGIN { printf "%.1f", b / 1048576 }')
	for cmd in dump diagnose; do
		run "$cmd" "$f"
		result=PASS why=
		if ! ok_status "$cmd" "$status"; then
			result=FAIL why="exit status: $(head -c 200 "$err" | tr '\n' ' ')"
		elif ! le "$rss" "$long_rss"; then
			result=FAIL why="peak RSS over ${long_rss} MB"
		fi
		[ $result = PASS ] || failed=1
		printf '%-16s %-9s %8s %7s %7s %8s %5s %6s %5s  %s %s\n' long-line "$cmd" "$size" "$wall" \
			"$secs" "$rss" "$status" - - "$result" "$why"
	done
	run_query() {
		(ulimit -v "$limit_kb" && "$espdiag" query "$f" 'HKEY_LOCAL_MACHINE\SOFTWARE\Sweep\LongLine' after) 2>"$err"
	}
	if out=$(run_query) && printf '%s\n' "$out" | grep -q 'REG_DWORD *0x1 (1)'; then
		printf '%-16s %-9s %8s %7s %7s %8s %5s %6s %5s  %s\n' long-line query "$size" - - - 0 - - PASS
	else
		failed=1
		printf '%-16s %-9s %8s %7s %7s %8s %5s %6s %5s  %s %s\n' long-line query "$size" - - - - - - FAIL \
			"the DWORD after the line was not read: $(head -c 200 "$err" | tr '\n' ' ')"
	fi
	;;
esac

if [ $failed -ne 0 ]; then
	echo "sweep: FAIL (rows above)" >&2
	exit 1
fi
echo "sweep: all rows PASS"
