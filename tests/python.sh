#!/bin/sh
# The Python binding's unittest suite against the library of this build tree
# (ESPDIAG_LIBRARY may point elsewhere, e.g. at an installed copy).
# Skips (77) when there is no Python 3.
set -u
py=${PYTHON:-python3}
if ! command -v "$py" > /dev/null 2>&1 || [ "$py" = ":" ]; then
	echo "SKIP: no python3"; exit 77
fi
: "${ESPDIAG_LIBRARY:=$top_builddir/lib/.libs/libespdiag.so.0}"
export ESPDIAG_LIBRARY
. "$top_srcdir/tests/asan-preload.sh"
espdiag_preload_asan "$ESPDIAG_LIBRARY"
PYTHONPATH="$top_srcdir/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
# No stray bytecode in the source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "$py" -m unittest discover -s "$top_srcdir/bindings/python/tests" -v
