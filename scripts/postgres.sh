# shellcheck shell=bash
# Sourced by scripts/test: makes sure a PostgreSQL server answers and exports
# RINGFENCE_TEST_POSTGRES for the store tests. Uses 127.0.0.1:5432 when it
# answers (trust auth, database "test"), starts the machine's cluster when it
# is installed but stopped, and otherwise runs a throwaway server in a temp
# folder that is stopped on exit.

pg_dsn_ok() {
	psql "$1" -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
	if [ -n "${RINGFENCE_TEST_POSTGRES:-}" ] && pg_dsn_ok "$RINGFENCE_TEST_POSTGRES"; then
		return 0
	fi
	local dsn="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if ! pg_dsn_ok "$dsn" && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
		for v in $(ls /etc/postgresql); do
			pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
		done
		for _ in $(seq 1 20); do pg_dsn_ok "$dsn" && break; sleep 0.5; done
	fi
	if pg_dsn_ok "$dsn"; then
		export RINGFENCE_TEST_POSTGRES="$dsn"
		return 0
	fi
	if ! command -v initdb >/dev/null; then
		apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
		PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
	fi
	PGTMP=$(mktemp -d)
	chown postgres:postgres "$PGTMP"
	su postgres -s /bin/bash -c "initdb -D $PGTMP/data -U postgres -A trust --no-sync >/dev/null &&
		pg_ctl -D $PGTMP/data -o \"-c listen_addresses=127.0.0.1 -p 55432 -k $PGTMP -c fsync=off\" -l $PGTMP/log -w start >/dev/null"
	trap 'su postgres -s /bin/bash -c "pg_ctl -D $PGTMP/data -m fast stop" >/dev/null 2>&1; rm -rf "$PGTMP"' EXIT
	export RINGFENCE_TEST_POSTGRES="postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable"
	pg_dsn_ok "$RINGFENCE_TEST_POSTGRES" || { echo "could not start PostgreSQL" >&2; return 1; }
}
