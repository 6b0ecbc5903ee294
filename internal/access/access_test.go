package access

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

func TestPasswordHashChecksOnlyItsPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry its parameters", h)
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
		if CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("an 11-character password was accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA",
		strings.Replace(h, "t=2", "t=0", 1)} {
		if CheckPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestKeysParseAndHash(t *testing.T) {
	key, id, hash := NewKey()
	gotID, secret, ok := ParseKey(key)
	if !ok || gotID != id || !SameHash(HashSecret(secret), hash) {
		t.Fatalf("ParseKey(%q) = %q, %q, %v", key, gotID, secret, ok)
	}
	if strings.Contains(hash, secret) {
		t.Error("the stored hash contains the secret")
	}
	for _, bad := range []string{"", "rfk_", "rfk_abc_def", "xyz_" + key[4:], strings.TrimSuffix(key, key[len(key)-43:]), key[:17]} {
		if _, _, ok := ParseKey(bad); ok {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

// fakeKeeper is an in-memory Keeper.
type fakeKeeper struct {
	users    map[string]store.User
	keys     map[string]store.APIKey
	sessions map[string]store.Session
	keyReads int
}

func newFake() *fakeKeeper {
	return &fakeKeeper{users: map[string]store.User{}, keys: map[string]store.APIKey{}, sessions: map[string]store.Session{}}
}

func (f *fakeKeeper) User(_ context.Context, n string) (store.User, error) {
	u, ok := f.users[n]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}
func (f *fakeKeeper) Users(context.Context) ([]store.User, error) {
	var out []store.User
	for _, u := range f.users {
		out = append(out, u)
	}
	return out, nil
}
func (f *fakeKeeper) PutUser(_ context.Context, u store.User) error { f.users[u.Name] = u; return nil }
func (f *fakeKeeper) APIKey(_ context.Context, id string) (store.APIKey, error) {
	f.keyReads++
	k, ok := f.keys[id]
	if !ok {
		return k, store.ErrNotFound
	}
	return k, nil
}
func (f *fakeKeeper) AddSession(_ context.Context, s store.Session) error {
	f.sessions[s.ID] = s
	return nil
}
func (f *fakeKeeper) Session(_ context.Context, id string) (store.Session, error) {
	s, ok := f.sessions[id]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}
func (f *fakeKeeper) DeleteSession(_ context.Context, id string) error {
	delete(f.sessions, id)
	return nil
}

func request(header, value string) *http.Request {
	r := httptest.NewRequest("GET", "/v1/me", nil)
	if header == "cookie" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
	} else if header != "" {
		r.Header.Set(header, value)
	}
	return r
}

func TestAuthenticateKeys(t *testing.T) {
	f := newFake()
	key, id, hash := NewKey()
	f.keys[id] = store.APIKey{ID: id, Role: store.RoleIngest, SecretHash: hash}
	a := NewAuthenticator(f)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }

	for _, h := range []string{"Authorization", "X-API-Key"} {
		v := key
		if h == "Authorization" {
			v = "Bearer " + key
		}
		p, err := a.Authenticate(request(h, v))
		if err != nil || p.Role != store.RoleIngest || p.Name != "key:"+id || p.KeyID != id {
			t.Errorf("%s: %+v, %v", h, p, err)
		}
	}
	wrong := key[:len(key)-1] + "A"
	if key[len(key)-1] == 'A' {
		wrong = key[:len(key)-1] + "B"
	}
	for name, r := range map[string]*http.Request{
		"none":         request("", ""),
		"wrong secret": request("Authorization", "Bearer "+wrong),
		"basic":        request("Authorization", "Basic "+key),
		"unknown":      request("Authorization", "Bearer rfk_000000000000_abc"),
	} {
		if _, err := a.Authenticate(r); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err %v, want ErrUnauthenticated", name, err)
		}
	}

	// Revoked in the store: trusted from the cache for up to keyCacheTTL,
	// refused after it, and at once once forgotten.
	reads := f.keyReads
	k := f.keys[id]
	k.RevokedAt = now
	f.keys[id] = k
	if _, err := a.Authenticate(request("X-API-Key", key)); err != nil {
		t.Errorf("within the cache time: %v", err)
	}
	if f.keyReads != reads {
		t.Error("a cached key was read from the store again")
	}
	a.Forget(id)
	if _, err := a.Authenticate(request("X-API-Key", key)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("revoked and forgotten: %v", err)
	}
}

func TestSessions(t *testing.T) {
	f := newFake()
	h, _ := HashPassword("a long enough password")
	f.users["mina"] = store.User{Name: "mina", Role: store.RoleAnalyst, PasswordHash: h}
	a := NewAuthenticator(f)
	ctx := context.Background()
	if _, _, err := a.SignIn(ctx, "mina", "wrong password!!"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("wrong password: %v", err)
	}
	if _, _, err := a.SignIn(ctx, "nobody", "a long enough password"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("unknown user: %v", err)
	}
	token, s, err := a.SignIn(ctx, "mina", "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if _, stored := f.sessions[token]; stored {
		t.Error("the store holds the cookie token itself, not its hash")
	}
	p, err := a.Authenticate(request("cookie", token))
	if err != nil || p.Name != "mina" || p.Role != store.RoleAnalyst || p.Session == nil || p.Session.CSRF != s.CSRF || s.CSRF == "" {
		t.Fatalf("session: %+v, %v", p, err)
	}
	// Disabling the user ends the session at once.
	u := f.users["mina"]
	u.Disabled = true
	f.users["mina"] = u
	if _, err := a.Authenticate(request("cookie", token)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("disabled user's session: %v", err)
	}
	u.Disabled = false
	f.users["mina"] = u
	a.now = func() time.Time { return s.ExpiresAt }
	if _, err := a.Authenticate(request("cookie", token)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired session: %v", err)
	}
	a.now = time.Now
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(request("cookie", token)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("signed-out session: %v", err)
	}
}

func TestEnsureAdminOnlyOnAnEmptyStore(t *testing.T) {
	f := newFake()
	pw, err := EnsureAdmin(context.Background(), f)
	if err != nil || len(pw) < 12 {
		t.Fatalf("first run: %q, %v", pw, err)
	}
	if u := f.users["admin"]; u.Role != store.RoleAdmin || !CheckPassword(u.PasswordHash, pw) {
		t.Errorf("admin: %+v", u)
	}
	if pw, err := EnsureAdmin(context.Background(), f); pw != "" || err != nil {
		t.Errorf("second run: %q, %v", pw, err)
	}
}

func TestRoles(t *testing.T) {
	for _, c := range []struct {
		role string
		perm Permission
		want bool
	}{
		{store.RoleIngest, Screen, true},
		{store.RoleIngest, ReadSubjects, false},
		{store.RoleViewer, ReadSubjects, true},
		{store.RoleViewer, WorkCases, false},
		{store.RoleViewer, Screen, false},
		{store.RoleAnalyst, WorkCases, true},
		{store.RoleAnalyst, Admin, false},
		{store.RoleAdmin, Admin, true},
		{"root", Screen, false},
		{"", ReadCases, false},
	} {
		if got := Allowed(c.role, c.perm); got != c.want {
			t.Errorf("Allowed(%q, %s) = %v", c.role, c.perm, got)
		}
	}
}

func TestSignInLocksANameAfterRepeatedFailures(t *testing.T) {
	f := newFake()
	h, _ := HashPassword("a long enough password")
	f.users["mina"] = store.User{Name: "mina", Role: store.RoleAnalyst, PasswordHash: h}
	a := NewAuthenticator(f)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range freeAttempts {
		if _, _, err := a.SignIn(ctx, "Mina", "guess number "+string(rune('a'+i))); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	// Locked now, the right password included, and whatever the case.
	if _, _, err := a.SignIn(ctx, "mina", "a long enough password"); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("the right password during the lock: %v", err)
	}
	// Another name is not locked by mina's failures, existing or not.
	if _, _, err := a.SignIn(ctx, "nobody", "whatever it is"); err == nil || strings.Contains(err.Error(), "locked") {
		t.Errorf("another name: %v", err)
	}
	now = now.Add(time.Minute)
	if _, _, err := a.SignIn(ctx, "mina", "a long enough password"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// Success resets the count: one more failure does not lock.
	a.SignIn(ctx, "mina", "one more bad guess")
	if _, _, err := a.SignIn(ctx, "mina", "a long enough password"); err != nil {
		t.Errorf("after a success and one failure: %v", err)
	}
}
