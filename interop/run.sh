#!/usr/bin/env bash
# make interop: drive widely used third-party clients against `unipass fakes` and require that every call
# answers as the vendor would, with no contract violation. Needs Node.js 18 or newer and npm (the clients
# come from the npm registry, pinned in interop/node/package-lock.json); without them it skips, saying so.
set -euo pipefail
cd "${BASH_SOURCE[0]%/*}/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "interop: SKIPPED: Node.js (18 or newer) and npm are not installed; they run the third-party clients." >&2
	echo "interop: install them (for example: apt-get install nodejs npm) and run 'make interop' again." >&2
	exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
	echo "interop: SKIPPED: Node.js $(node --version) is too old; the clients need 18 or newer." >&2
	exit 0
fi

work=$(mktemp -d)
fakes_pid=""
cleanup() {
	if [ -n "$fakes_pid" ]; then kill "$fakes_pid" 2>/dev/null || true; wait "$fakes_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "interop: building unipass"
${GO:-go} build -o "$work/unipass" ./cmd/unipass
echo "interop: installing the clients (npm ci)"
(cd interop/node && npm ci --no-audit --no-fund --silent)

"$work/unipass" fakes --addr 127.0.0.1:0 --url-file "$work/url" >"$work/fakes.log" 2>&1 &
fakes_pid=$!
for _ in $(seq 1 300); do
	[ -s "$work/url" ] && break
	if ! kill -0 "$fakes_pid" 2>/dev/null; then
		echo "interop: unipass fakes exited:" >&2; cat "$work/fakes.log" >&2; exit 1
	fi
	sleep 0.1
done
[ -s "$work/url" ] || { echo "interop: unipass fakes did not start" >&2; exit 1; }

echo "interop: fakes at $(cat "$work/url")"
node interop/node/interop.mjs "$(cat "$work/url")"
