#!/usr/bin/env bash
# Debian's chromium, for the dashboard's browser tests.
#
#   chromium.sh run CMD...   make sure chromium is installed, then run CMD with
#                            SLAWATCH_CHROMIUM=<its path> and
#                            SLAWATCH_REQUIRE_BROWSER=1 (so the browser tests
#                            fail instead of skipping), exit with CMD's status
#   chromium.sh path         install it if missing and print its path
#
# What it needs, it installs: the Debian package chromium (apt-get) when no
# chromium is on PATH and SLAWATCH_CHROMIUM names none. Nothing else is
# downloaded; the tests start it headless on loopback pages only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkg=chromium

say() { printf 'chromium.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

usage() {
	sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

find_chromium() {
	local c
	for c in "${SLAWATCH_CHROMIUM:-}" chromium chromium-browser; do
		[ -n "$c" ] || continue
		if c=$(command -v "$c" 2>/dev/null) && "$c" --version >/dev/null 2>&1; then
			printf '%s' "$c"
			return 0
		fi
	done
	return 1
}

ensure_chromium() {
	find_chromium && return 0
	if can_apt_install "no chromium found"; then
		say "no chromium found: installing $pkg with apt-get"
		apt_install "$pkg" >&2 || true
		find_chromium && return 0
	fi
	die "chromium is needed for the dashboard's browser tests and none was found or could be installed.
Install it (on Debian: apt-get install $pkg) and run again."
}

[ $# -ge 1 ] || usage
case "$1" in
run)
	shift
	[ $# -ge 1 ] || usage
	path=$(ensure_chromium)
	SLAWATCH_CHROMIUM=$path SLAWATCH_REQUIRE_BROWSER=1 exec "$@"
	;;
path) ensure_chromium; echo ;;
*) usage ;;
esac
