// Package pgtest gives each test its own schema in a real PostgreSQL
// server, so store tests run against the database they will meet in
// production and never see each other's rows.
//
// The server is $RINGFENCE_TEST_POSTGRES, or postgres://postgres@127.0.0.1:5432/test.
// When it does not answer the test is skipped, except in CI
// (CI=true), where a missing server is a failure: CI must not pass by
// skipping the PostgreSQL half of the suite.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the server tests use when RINGFENCE_TEST_POSTGRES is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerDSN returns the DSN of the test server.
func ServerDSN() string {
	if s := os.Getenv("RINGFENCE_TEST_POSTGRES"); s != "" {
		return s
	}
	return DefaultDSN
}

// DSN creates a fresh schema, drops it when the test ends, and returns a
// DSN whose search_path is that schema.
func DSN(t testing.TB) string {
	t.Helper()
	server := ServerDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s does not answer: %v", server, err)
		}
		t.Skipf("PostgreSQL at %s does not answer (set RINGFENCE_TEST_POSTGRES): %v", server, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	schema := "rftest_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("RINGFENCE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
