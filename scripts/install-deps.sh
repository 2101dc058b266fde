#!/bin/sh
# Installs what building and testing libespdiag needs on Debian 12, as root.
# Used by the README's quick start and by .ci/run, so both stay the same.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential autoconf automake libtool pkg-config check libjansson-dev \
	libhivex-dev libhivex-bin libwin-hivex-perl \
	valgrind groff-base mandoc abigail-tools python3 python3-jsonschema ca-certificates \
	libarchive-dev gcab \
	libevtx-dev libbfio-dev libexpat1-dev libevtx-utils
# the HTML report's tests: a real browser (headless) and an HTML checker
apt-get install -y --no-install-recommends chromium tidy
