#!/bin/sh
# The HTML report rendered by headless Chromium (tests/html_browser.py):
# skips (77) without Python 3 or Chromium, with a message.
set -u
py=${PYTHON:-python3}
if ! command -v "$py" > /dev/null 2>&1 || [ "$py" = ":" ]; then
	echo "SKIP: no python3"; exit 77
fi
exec "$py" "$top_srcdir/tests/html_browser.py"
