#!/bin/sh
# Makes every function documented in a section 3 page a manual page name:
# for each name of a page's NAME section (its .Nm lines) that is not the
# page's own, a symbolic link NAME.3 -> PAGE.3, as Debian packages do, so
# that "man espdiag_free" opens espdiag_common(3).
# usage: scripts/man-links.sh install|uninstall|list SRC_MAN3_DIR [DEST_MAN3_DIR]
set -eu
action=$1 src=$2 dest=${3:-}
for page in "$src"/*.3; do
	base=$(basename "$page")
	sed -n 's/^\.Nm[[:space:]]\{1,\}\(espdiag_[A-Za-z0-9_]*\).*/\1/p' "$page" | sort -u |
	while read -r name; do
		[ "$name.3" = "$base" ] && continue
		case $action in
		list) echo "$name.3 $base" ;;
		install) rm -f "$dest/$name.3" && ln -s "$base" "$dest/$name.3" ;;
		uninstall) rm -f "$dest/$name.3" ;;
		*) echo "man-links.sh: unknown action $action" >&2; exit 2 ;;
		esac
	done
done
