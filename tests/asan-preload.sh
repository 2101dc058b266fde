# Sourced by the tests that load libespdiag into Python. A library built with
# AddressSanitizer needs the ASan runtime loaded before anything else, and
# Python's own allocations are not ours to report, so leak checking is off
# for such a process (the Check suite checks our leaks).
espdiag_preload_asan() {
	if ldd "$1" 2>/dev/null | grep -q 'libasan'; then
		LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		export LD_PRELOAD ASAN_OPTIONS
	fi
}
