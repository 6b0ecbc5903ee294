package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/store"
)

func testUsers(t *testing.T, s store.Store, c *clock) {
	if _, err := s.User(ctx(t), "ana"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User before any: error = %v, want ErrNotFound", err)
	}
	created := c.now()
	ana := store.User{Name: "ana", Role: store.RoleAnalyst, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA"}
	bo := store.User{Name: "Bo", Role: store.RoleViewer, CreatedAt: first}
	for _, u := range []store.User{ana, bo} {
		if err := s.PutUser(ctx(t), u); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.User(ctx(t), "ana")
	if err != nil {
		t.Fatal(err)
	}
	want := ana
	want.CreatedAt = created
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("User(ana) (-want +got):\n%s", diff)
	}

	// Putting a user again replaces role, hash and flag, not CreatedAt.
	c.advance(time.Hour)
	changed := store.User{Name: "ana", Role: store.RoleAdmin, PasswordHash: "new", Disabled: true, CreatedAt: last}
	if err := s.PutUser(ctx(t), changed); err != nil {
		t.Fatal(err)
	}
	want = changed
	want.CreatedAt = created
	got, err = s.User(ctx(t), "ana")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("User(ana) replaced (-want +got):\n%s", diff)
	}
	// Enabling again is a change like any other.
	want.Disabled = false
	if err := s.PutUser(ctx(t), want); err != nil {
		t.Fatal(err)
	}

	users, err := s.Users(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	// Byte order: B sorts before a.
	if diff := cmp.Diff([]store.User{bo, want}, users); diff != "" {
		t.Errorf("Users (-want +got):\n%s", diff)
	}
	for _, bad := range []store.User{{Role: store.RoleAdmin}, {Name: "cy"}, {Name: "\xff", Role: store.RoleAdmin}} {
		if err := s.PutUser(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutUser(%+v): error = %v, want ErrInvalid", bad, err)
		}
	}
	if users, err := s.Users(ctx(t)); err != nil || len(users) != 2 {
		t.Errorf("Users after refusals = %d users, %v; want 2", len(users), err)
	}
}

func testAPIKeys(t *testing.T, s store.Store, c *clock) {
	if keys, err := s.APIKeys(ctx(t)); err != nil || len(keys) != 0 {
		t.Errorf("APIKeys of an empty store = %v, %v", keys, err)
	}
	kb := store.APIKey{ID: "rk_b", Name: "nightly import", Role: store.RoleIngest, Owner: "ana", SecretHash: "hash-b"}
	ka := store.APIKey{ID: "rk_a", Name: "SIEM", Role: store.RoleViewer, Owner: "bo", SecretHash: "hash-a", CreatedAt: first}
	for _, k := range []store.APIKey{kb, ka} {
		if err := s.AddAPIKey(ctx(t), k); err != nil {
			t.Fatal(err)
		}
	}
	kb.CreatedAt = c.now()
	// An id is never reused: the key stored stays as it was.
	if err := s.AddAPIKey(ctx(t), store.APIKey{ID: "rk_b", Role: store.RoleAdmin, SecretHash: "mallory"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AddAPIKey with a stored id: error = %v, want ErrConflict", err)
	}
	for _, bad := range []store.APIKey{
		{Role: store.RoleIngest, SecretHash: "h"},
		{ID: "rk_c", SecretHash: "h"},
		{ID: "rk_c", Role: store.RoleIngest},
		{ID: "rk_c", Role: store.RoleIngest, SecretHash: "h", Name: "\xff"},
	} {
		if err := s.AddAPIKey(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddAPIKey(%+v): error = %v, want ErrInvalid", bad, err)
		}
	}
	keys, err := s.APIKeys(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.APIKey{ka, kb}, keys); diff != "" {
		t.Errorf("APIKeys (-want +got):\n%s", diff)
	}

	// Revoked is revoked for good: revoking again keeps the first time,
	// and the key is still read, to say why it is refused.
	c.advance(time.Minute)
	revoked := c.now()
	if err := s.RevokeAPIKey(ctx(t), "rk_b", time.Time{}); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Hour)
	if err := s.RevokeAPIKey(ctx(t), "rk_b", last); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	got, err := s.APIKey(ctx(t), "rk_b")
	if err != nil {
		t.Fatal(err)
	}
	want := kb
	want.RevokedAt = revoked
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("APIKey(rk_b) revoked twice (-want +got):\n%s", diff)
	}
	if got, err := s.APIKey(ctx(t), "rk_a"); err != nil || !got.RevokedAt.IsZero() {
		t.Errorf("the other key: revoked at %v, %v; want valid", got.RevokedAt, err)
	}
	if err := s.RevokeAPIKey(ctx(t), "rk_none", last); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeAPIKey(unknown): error = %v, want ErrNotFound", err)
	}
	if _, err := s.APIKey(ctx(t), "rk_none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("APIKey(unknown): error = %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, s store.Store, c *clock) {
	start := c.now()
	s1 := store.Session{ID: "h1", User: "ana", CSRF: "csrf-1", ExpiresAt: start.Add(time.Hour)}
	s2 := store.Session{ID: "h2", User: "bo", CSRF: "csrf-2", ExpiresAt: start.Add(3 * time.Hour), CreatedAt: first}
	s3 := store.Session{ID: "h3", User: "ana", CSRF: "csrf-3", ExpiresAt: start.Add(2 * time.Hour)}
	for _, ss := range []store.Session{s1, s2, s3} {
		if err := s.AddSession(ctx(t), ss); err != nil {
			t.Fatal(err)
		}
	}
	s1.CreatedAt, s3.CreatedAt = start, start
	got, err := s.Session(ctx(t), "h1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s1, got); diff != "" {
		t.Errorf("Session(h1) (-want +got):\n%s", diff)
	}
	if err := s.AddSession(ctx(t), store.Session{ID: "h1", User: "mallory", CSRF: "x", ExpiresAt: last}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AddSession with a stored id: error = %v, want ErrConflict", err)
	}
	for _, bad := range []store.Session{
		{User: "ana", ExpiresAt: last},
		{ID: "h9", ExpiresAt: last},
		{ID: "h9", User: "ana"},
	} {
		if err := s.AddSession(ctx(t), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddSession(%+v): error = %v, want ErrInvalid", bad, err)
		}
	}

	// An expired session is still read (the caller refuses it) until a
	// sign-out sweeps it away with the session signing out.
	c.advance(90 * time.Minute)
	if got, err := s.Session(ctx(t), "h1"); err != nil || got.CSRF != "csrf-1" {
		t.Errorf("expired Session(h1) = %+v, %v; want it", got, err)
	}
	if err := s.DeleteSession(ctx(t), "never-was"); err != nil {
		t.Errorf("DeleteSession(unknown): %v", err)
	}
	sessions := func() []store.Session {
		t.Helper()
		var out []store.Session
		for _, id := range []string{"h1", "h2", "h3"} {
			got, err := s.Session(ctx(t), id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, got)
		}
		return out
	}
	if diff := cmp.Diff([]store.Session{s2, s3}, sessions()); diff != "" {
		t.Errorf("sessions after the expired one was swept (-want +got):\n%s", diff)
	}
	if err := s.DeleteSession(ctx(t), "h2"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Session{s3}, sessions()); diff != "" {
		t.Errorf("sessions after signing out of h2 (-want +got):\n%s", diff)
	}
	// A session has expired at its expiry, not a microsecond later.
	c.advance(30 * time.Minute)
	if err := s.DeleteSession(ctx(t), "h2"); err != nil {
		t.Errorf("DeleteSession of a deleted session: %v", err)
	}
	if got := sessions(); len(got) != 0 {
		t.Errorf("sessions at h3's expiry = %+v, want none", got)
	}
}
