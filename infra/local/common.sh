# shellcheck shell=bash
# shellcheck disable=SC2154 # here, say and die come from the sourcing script
# Shared by dynamodb.sh, sns.sh and chromium.sh, which source it after
# defining say, die and here (this folder). Not meant to be run.

# as_root runs a command as root: directly when root, else through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# can_apt_install WHAT says whether Debian packages can be installed here,
# and why not (prefixed with WHAT) when they cannot.
can_apt_install() {
	if ! command -v apt-get >/dev/null 2>&1; then
		say "$1, and no apt-get to install it with"
		return 1
	fi
	if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
		say "$1, and installing it needs root or sudo"
		return 1
	fi
}

# apt_install PKG... installs Debian packages, running apt-get update once
# when the first try fails (a fresh image has no package lists).
apt_install() {
	# Slim Debian images drop /usr/share/man, and some postinst scripts
	# fail without it (update-alternatives links man pages there).
	as_root mkdir -p /usr/share/man/man1 || true
	local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@")
	if ! as_root "${install[@]}"; then
		say "apt-get install failed: running apt-get update and trying again"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update || true
		as_root "${install[@]}" || { hash -r; return 1; }
	fi
	hash -r
}

# ensure_packages runs `npm ci` when a package of package-lock.json is
# missing from node_modules or is not the locked version.
ensure_packages() {
	command -v node >/dev/null 2>&1 || die "node is needed (Node 20 with npm) and was not found"
	if node -e '
		const fs = require("fs"), path = require("path");
		const dir = process.argv[1];
		const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
		for (const [p, e] of Object.entries(lock.packages || {})) {
			if (p === "" || e.link) continue;
			let have;
			try { have = JSON.parse(fs.readFileSync(path.join(dir, p, "package.json"), "utf8")).version; }
			catch (err) { if (e.optional) continue; process.exit(1); }
			if (e.version && have !== e.version) process.exit(1);
		}
	' "$here" 2>/dev/null; then
		return 0
	fi
	command -v npm >/dev/null 2>&1 || die "npm is needed to install the packages of $here/package.json and was not found"
	say "installing the npm packages of $here/package-lock.json into $here/node_modules"
	npm ci --prefix "$here" --no-audit --no-fund >&2
}

free_port() {
	node -e '
		const s = require("net").createServer();
		s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
	'
}

show_log() {
	say "last lines of $1:"
	tail -n 40 "$1" >&2 || true
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
	local pid=$1 i
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		[ -r "/proc/$pid/stat" ] && grep -q '^[0-9]* (.*) Z' "/proc/$pid/stat" 2>/dev/null && break
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
