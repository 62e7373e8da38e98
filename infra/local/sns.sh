#!/usr/bin/env bash
# Two SNS emulators for slawatch's tests and local runs.
#
#   sns.sh run CMD...   start fauxqs and goaws on free loopback ports, run CMD
#                       with SLAWATCH_TEST_SNS_ENDPOINT, SLAWATCH_TEST_SQS_ENDPOINT
#                       (fauxqs; the same URL) and SLAWATCH_TEST_GOAWS_ENDPOINT,
#                       stop both, exit with CMD's status
#   sns.sh start        start both in the background for manual use; prints
#                       `export SLAWATCH_SNS_ENDPOINT=...` (and _SQS_, _GOAWS_)
#   sns.sh stop         stop what `start` started
#
# FAUXQS_PORT and GOAWS_PORT fix the ports (default: free ones picked at start).
# The endpoints are in SNS-EMULATORS.md beside this script.
#
# fauxqs (npm, pinned in package-lock.json beside this script) implements SNS
# and SQS on one port, and delivers SNS only to SQS queues; fauxqs.mjs starts
# it on 127.0.0.1 only. goaws (the Go module github.com/Admiral-Piett/goaws,
# a `tool` in go.mod, built with `go build` into .bin/ beside this script)
# delivers SNS to HTTP endpoints; it has no option to choose its listen
# address and answers on all interfaces of the machine, on the port it is
# given. Everything is in memory; neither sends anything anywhere but to the
# subscriptions the tests make.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
state_dir="$here/.sns" # start/stop only; git-ignored
bin_dir="$here/.bin"   # the goaws binary; git-ignored
goaws_pkg=github.com/Admiral-Piett/goaws/app/cmd
start_timeout=${SNS_START_TIMEOUT:-60}
GO=${GO:-go}

# Region and account of every ARN, on both servers. fauxqs takes its region
# from each request's SigV4 signature (this one is for unsigned requests);
# its account is always 000000000000.
region=us-east-1
account=000000000000

RUN_TMP=""
PID="" PORT="" # set by launch
FQ_PID="" FQ_PORT=""
GA_PID="" GA_PORT=""

say() { printf 'sns.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}


# build_goaws builds the goaws version that go.mod names into $bin_dir
# (a no-op when it is up to date).
build_goaws() {
	command -v "$GO" >/dev/null 2>&1 || die "$GO is needed to build goaws and was not found"
	mkdir -p "$bin_dir"
	if ! "$GO" build -C "$root" -o "$bin_dir/goaws" "$goaws_pkg" >&2; then
		die "could not build goaws ($goaws_pkg, a tool in go.mod)"
	fi
}

# now_ms prints a clock in milliseconds (in seconds on a bash older than 5).
now_ms() {
	local t=${EPOCHREALTIME:-}
	if [ -n "$t" ]; then
		t=${t/[.,]/}
		printf '%s' $((t / 1000))
	else
		printf '%s' $((SECONDS * 1000))
	fi
}


# wait_ready PORT PID waits until http://127.0.0.1:PORT/health answers and,
# where /proc tells, the socket listening on PORT is PID's (not some other
# program's that took the port first). Exit status: 0 ready, 1 the process
# PID died, 2 timed out, 3 another program answers on PORT.
wait_ready() {
	node -e '
		const http = require("http"), fs = require("fs");
		const [port, pid, secs] = process.argv.slice(1).map(Number);
		const deadline = Date.now() + secs * 1000;
		const alive = () => {
			try { process.kill(pid, 0); } catch (e) { return e.code === "EPERM"; }
			try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync("/proc/" + pid + "/stat", "utf8")); } catch (e) { return true; }
		};
		// true: PID listens on PORT; false: it does not; null: cannot tell.
		const owns = () => {
			const inodes = new Set();
			for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
				let t;
				try { t = fs.readFileSync(f, "utf8"); } catch (e) { continue; }
				for (const line of t.split("\n").slice(1)) {
					const c = line.trim().split(/\s+/);
					if (c.length > 9 && c[3] === "0A" && parseInt(c[1].split(":")[1], 16) === port) inodes.add(c[9]);
				}
			}
			let fds;
			try { fds = fs.readdirSync("/proc/" + pid + "/fd"); } catch (e) { return null; }
			if (inodes.size === 0) return null;
			return fds.some((fd) => {
				try { return inodes.has((/^socket:\[(\d+)\]$/.exec(fs.readlinkSync("/proc/" + pid + "/fd/" + fd)) || [])[1]); }
				catch (e) { return false; }
			});
		};
		let foreign = 0;
		const again = () => {
			if (!alive()) process.exit(1);
			if (Date.now() > deadline) process.exit(2);
			setTimeout(poll, 100);
		};
		const poll = () => {
			const req = http.get({ host: "127.0.0.1", port, path: "/health", timeout: 2000 }, (res) => {
				res.resume();
				if (owns() === false) {
					// Another program answers on PORT: give PID a second to
					// bind it (or die trying), then give up on this port.
					if (++foreign >= 10) process.exit(3);
					return again();
				}
				process.exit(alive() ? 0 : 1);
			});
			req.on("timeout", () => req.destroy());
			req.on("error", again);
		};
		poll();
	' "$1" "$2" "$start_timeout"
}

# start_fauxqs PORT LOG DIR [DETACH] starts fauxqs in the background; sets PID.
start_fauxqs() {
	local cmd=(node "$here/fauxqs.mjs")
	if [ -n "${4:-}" ] && command -v setsid >/dev/null 2>&1; then cmd=(setsid "${cmd[@]}"); fi
	(cd "$3" && FAUXQS_PORT=$1 FAUXQS_DEFAULT_REGION=$region exec "${cmd[@]}") </dev/null >"$2" 2>&1 &
	PID=$!
}

# start_goaws PORT LOG DIR [DETACH] writes DIR/goaws.yaml and starts goaws in
# the background from DIR; sets PID. Host and Port are what goaws writes into
# SubscribeURL, SigningCertURL and UnsubscribeURL.
start_goaws() {
	cat >"$3/goaws.yaml" <<-EOF
		Local:
		  Host: 127.0.0.1
		  Port: "$1"
		  Region: $region
		  AccountId: "$account"
		  LogToFile: false
	EOF
	local cmd=("$bin_dir/goaws" -config "$3/goaws.yaml" Local)
	if [ -n "${4:-}" ] && command -v setsid >/dev/null 2>&1; then cmd=(setsid "${cmd[@]}"); fi
	(cd "$3" && exec "${cmd[@]}") </dev/null >"$2" 2>&1 &
	PID=$!
}

# launch NAME FIXED_PORT LOG DIR [DETACH] starts server NAME (fauxqs or
# goaws) and waits for it; sets PID and PORT, or returns non-zero with the
# server stopped.
launch() {
	local name=$1 fixed=$2 log=$3 dir=$4 detach=${5:-} tries=1 try rc ms t0
	t0=$(now_ms)
	[ -n "$fixed" ] || tries=3 # a picked port can be taken before the server binds it: pick again
	for ((try = 1; try <= tries; try++)); do
		PORT=${fixed:-$(free_port)}
		"start_$name" "$PORT" "$log" "$dir" "$detach"
		rc=0
		wait_ready "$PORT" "$PID" || rc=$?
		if [ "$rc" -eq 0 ]; then
			ms=$(($(now_ms) - t0))
			say "$name (pid $PID) ready on 127.0.0.1:$PORT in $((ms / 1000)).$(printf '%02d' $((ms % 1000 / 10)))s"
			return 0
		fi
		if [ "$rc" -eq 2 ]; then
			say "$name did not answer on port $PORT within ${start_timeout}s"
			stop_pid "$PID"
			return 1
		fi
		if [ "$rc" -eq 3 ]; then
			stop_pid "$PID"
			say "another program answers on port $PORT, not $name (try $try of $tries)"
			continue
		fi
		wait "$PID" 2>/dev/null || true
		say "$name exited during start-up (port $PORT, try $try of $tries)"
	done
	return 1
}



# cleanup_run stops both servers however `run` ends.
# shellcheck disable=SC2317 # called by trap
cleanup_run() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$GA_PID" ]; then stop_pid "$GA_PID"; fi
	if [ -n "$FQ_PID" ]; then stop_pid "$FQ_PID"; fi
	# One still starting when an INT or TERM came.
	if [ -n "$PID" ] && [ "$PID" != "$GA_PID" ] && [ "$PID" != "$FQ_PID" ]; then stop_pid "$PID"; fi
	if [ -n "$RUN_TMP" ]; then rm -rf "$RUN_TMP"; fi
	exit "$rc"
}

# watchdog PID...: if this script is killed outright (SIGKILL), its trap never
# runs; this stops the servers and removes the temp dir once their parent is
# no longer this script (Linux /proc; elsewhere it does nothing). It ends by
# itself once they are gone. (A plain sh, not a subshell of this script: a
# subshell would carry this script's traps.)
watchdog() {
	sh -c 'me=$1 dir=$2; shift 2
		for pid in "$@"; do
			ppid=$me
			while read -r _ _ _ ppid _ <"/proc/$pid/stat" && [ "$ppid" = "$me" ]; do sleep 1; done
			if [ -e "/proc/$pid" ] && [ "$ppid" != "$me" ]; then kill "$@" 2>/dev/null; rm -rf "$dir"; exit; fi
		done' \
		sns-watchdog "$$" "$RUN_TMP" "$@" </dev/null >/dev/null 2>&1 &
}

cmd_run() {
	[ "$#" -gt 0 ] || usage
	ensure_packages
	build_goaws

	RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-sns.XXXXXX")
	mkdir "$RUN_TMP/fauxqs" "$RUN_TMP/goaws"
	trap cleanup_run EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	if ! launch fauxqs "${FAUXQS_PORT:-}" "$RUN_TMP/fauxqs.log" "$RUN_TMP/fauxqs"; then
		show_log "$RUN_TMP/fauxqs.log"
		die "fauxqs did not start"
	fi
	FQ_PID=$PID FQ_PORT=$PORT
	if ! launch goaws "${GOAWS_PORT:-}" "$RUN_TMP/goaws.log" "$RUN_TMP/goaws"; then
		show_log "$RUN_TMP/goaws.log"
		die "goaws did not start"
	fi
	GA_PID=$PID GA_PORT=$PORT
	watchdog "$FQ_PID" "$GA_PID"

	export SLAWATCH_TEST_SNS_ENDPOINT="http://127.0.0.1:$FQ_PORT"
	export SLAWATCH_TEST_SQS_ENDPOINT="http://127.0.0.1:$FQ_PORT"
	export SLAWATCH_TEST_GOAWS_ENDPOINT="http://127.0.0.1:$GA_PORT"
	local status=0
	"$@" || status=$?
	exit "$status"
}

# running_pid NAME prints the pid that `start` recorded for NAME if that
# process is still the server.
running_pid() {
	local pid
	[ -f "$state_dir/$1.pid" ] || return 1
	pid=$(cat "$state_dir/$1.pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# Make sure the pid was not reused by something else.
	if [ -r "/proc/$pid/cmdline" ]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e fauxqs.mjs -e "$bin_dir/goaws" || return 1
	fi
	printf '%s' "$pid"
}

print_exports() {
	printf 'export SLAWATCH_SNS_ENDPOINT=%s\n' "$(cat "$state_dir/fauxqs.endpoint")"
	printf 'export SLAWATCH_SQS_ENDPOINT=%s\n' "$(cat "$state_dir/fauxqs.endpoint")"
	printf 'export SLAWATCH_GOAWS_ENDPOINT=%s\n' "$(cat "$state_dir/goaws.endpoint")"
}

cmd_start() {
	local name pid fixed
	mkdir -p "$state_dir"
	if running_pid fauxqs >/dev/null && running_pid goaws >/dev/null; then
		say "fauxqs (pid $(running_pid fauxqs)) and goaws (pid $(running_pid goaws)) already running"
		print_exports
		return 0
	fi
	ensure_packages
	build_goaws
	for name in fauxqs goaws; do
		if pid=$(running_pid "$name"); then
			say "$name already running (pid $pid)"
			continue
		fi
		rm -f "$state_dir/$name.pid" "$state_dir/$name.endpoint"
		mkdir -p "$state_dir/$name"
		fixed=FAUXQS_PORT
		[ "$name" = goaws ] && fixed=GOAWS_PORT
		if ! launch "$name" "${!fixed:-}" "$state_dir/$name.log" "$state_dir/$name" detach; then
			show_log "$state_dir/$name.log"
			die "$name did not start"
		fi
		printf '%s\n' "$PID" >"$state_dir/$name.pid"
		printf 'http://127.0.0.1:%s\n' "$PORT" >"$state_dir/$name.endpoint"
	done
	say "logs: $state_dir/fauxqs.log, $state_dir/goaws.log; stop them with: $0 stop"
	print_exports
}

cmd_stop() {
	local name pid
	for name in goaws fauxqs; do
		if pid=$(running_pid "$name"); then
			stop_pid "$pid"
			say "stopped $name (pid $pid)"
		else
			say "$name is not running"
		fi
		rm -f "$state_dir/$name.pid" "$state_dir/$name.endpoint"
	done
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
