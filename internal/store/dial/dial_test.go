package dial

import (
	"errors"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		dsn    string
		driver Driver
		target string
		err    bool
	}{
		{"ringfence.db", SQLite, "ringfence.db", false},
		{"/var/lib/ringfence/rf.db", SQLite, "/var/lib/ringfence/rf.db", false},
		{"sqlite:///tmp/x.db", SQLite, "/tmp/x.db", false},
		{"sqlite:x.db", SQLite, "x.db", false},
		{"postgres://u@h/db", Postgres, "postgres://u@h/db", false},
		{"PostgreSQL://u@h/db", Postgres, "PostgreSQL://u@h/db", false},
		{"", "", "", true},
		{"sqlite:", "", "", true},
		{"mysql://u@h/db", "", "", true},
	} {
		d, target, err := Parse(tc.dsn)
		if (err != nil) != tc.err || d != tc.driver || target != tc.target {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q, error %v", tc.dsn, d, target, err, tc.driver, tc.target, tc.err)
		}
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Parse(%q) error %v is not ErrInvalid", tc.dsn, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://rf:s3cret@db:5432/rf?sslmode=require": "postgres://rf:xxxxx@db:5432/rf?sslmode=require",
		"postgres://rf:p@ss/w0rd@db/rf":                   "postgres://rf:xxxxx@db/rf",
		"postgres://rf@db/rf?application_name=a@b":        "postgres://rf@db/rf?application_name=a@b",
		"postgres://db/rf":                                "postgres://db/rf",
		"ringfence.db":                                    "ringfence.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParse checks that any DSN is either refused as invalid or given to
// one driver, and that a PostgreSQL password never survives Redact.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"ringfence.db", "postgres://u:pw@h/d", "sqlite:", "x://", "postgresql://a:b@c@d/e?f=@g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		d, target, err := Parse(dsn)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Parse(%q) error %v is not ErrInvalid", dsn, err)
			}
			return
		}
		if d != SQLite && d != Postgres || target == "" {
			t.Fatalf("Parse(%q) = %q, %q", dsn, d, target)
		}
		if d != Postgres {
			return
		}
		_, rest, _ := strings.Cut(dsn, "://")
		if q := strings.Index(rest, "?"); q >= 0 {
			rest = rest[:q]
		}
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			return
		}
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok && len(pw) >= 4 && pw != "xxxxx" {
			if strings.Contains(Redact(dsn), ":"+pw+"@") {
				t.Fatalf("Redact(%q) = %q shows the password", dsn, Redact(dsn))
			}
		}
	})
}
