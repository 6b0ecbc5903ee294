# shellcheck shell=bash
# Sourced by scripts/test: makes sure Debian's Chromium is installed for the
# browser tests of the web UI (internal/web) and exports RINGFENCE_CHROMIUM.
# A test tool's own browser download cannot work here; Debian's package can.

ensure_chromium() {
	local bin="${RINGFENCE_CHROMIUM:-/usr/bin/chromium}"
	if [ ! -x "$bin" ] && command -v apt-get >/dev/null; then
		echo "installing Chromium for the browser tests (apt-get install chromium)" >&2
		local sudo=""
		[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
		$sudo apt-get update -qq >/dev/null &&
			DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null ||
			echo "warning: could not install chromium; browser tests fail under CI=true" >&2
	fi
	if [ -x "$bin" ]; then
		export RINGFENCE_CHROMIUM="$bin"
	fi
}
