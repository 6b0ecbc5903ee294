package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// Keeper is the part of the store access needs.
type Keeper interface {
	User(ctx context.Context, name string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	PutUser(ctx context.Context, u store.User) error
	APIKey(ctx context.Context, id string) (store.APIKey, error)
	AddSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	DeleteSession(ctx context.Context, id string) error
}

// SessionCookie is the name of the UI's session cookie.
const SessionCookie = "ringfence_session"

// SessionTTL is how long a sign-in lasts: a working day.
const SessionTTL = 12 * time.Hour

// keyCacheTTL bounds how long a key checked once is trusted without asking
// the store again: an API screen must not cost a database round trip for
// its credentials, and a revoked key stops working within this time in
// every process (at once in the process that revoked it).
const keyCacheTTL = 10 * time.Second

// Authenticator turns a request's credentials into a Principal.
type Authenticator struct {
	st  Keeper
	now func() time.Time

	keys *Keys

	failMu sync.Mutex
	fails  map[string]*failures // by lower-cased user name
}

// failures counts a name's sign-ins refused in a row.
type failures struct {
	n     int
	until time.Time // no attempt is checked before this
}

// Sign-in throttling: after freeAttempts refusals in a row a name is locked
// for a minute, doubling with each further refusal up to maxLock. It is kept
// per name, existing or not, so it tells no one which names exist, and it
// makes guessing one person's password take years rather than days
// (Argon2id alone allows ~30 guesses a second a core).
const (
	freeAttempts = 5
	maxLock      = 15 * time.Minute
	maxTracked   = 100_000
)

// NewAuthenticator returns an Authenticator over st.
func NewAuthenticator(st Keeper) *Authenticator {
	a := &Authenticator{st: st, now: time.Now, fails: map[string]*failures{}}
	a.keys = NewKeys(st.APIKey, func() time.Time { return a.now() })
	return a
}

// Authenticate reads an API key (Authorization: Bearer, or X-API-Key) or
// else the session cookie. Any failure is ErrUnauthenticated, wrapped with
// a reason for the server's log (never for the caller).
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	if key := requestKey(r); key != "" {
		return a.key(r.Context(), key)
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return a.session(r.Context(), c.Value)
	}
	return Principal{}, fmt.Errorf("no credentials: %w", ErrUnauthenticated)
}

func requestKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

func (a *Authenticator) key(ctx context.Context, key string) (Principal, error) {
	k, err := a.keys.Check(ctx, key)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Name: "key:" + k.ID, Role: k.Role, KeyID: k.ID}, nil
}

// Forget drops a key from the cache, so a revocation takes effect at once
// in this process.
func (a *Authenticator) Forget(id string) { a.keys.Forget(id) }

func (a *Authenticator) session(ctx context.Context, token string) (Principal, error) {
	s, err := a.st.Session(ctx, HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("unknown session: %w", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	if !a.now().Before(s.ExpiresAt) {
		return Principal{}, fmt.Errorf("expired session: %w", ErrUnauthenticated)
	}
	u, err := a.st.User(ctx, s.User)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return Principal{}, fmt.Errorf("session of a removed or disabled user: %w", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{Name: u.Name, Role: u.Role, Session: &s}, nil
}

// SignIn checks a user's password and opens a session. It returns the token
// for the cookie; the store keeps only its hash. A wrong name, a wrong
// password and a disabled user are one error, so sign-in tells no one which
// names exist.
func (a *Authenticator) SignIn(ctx context.Context, name, password string) (token string, s store.Session, err error) {
	key := strings.ToLower(name)
	now := a.now()
	a.failMu.Lock()
	f := a.fails[key]
	locked := f != nil && now.Before(f.until)
	a.failMu.Unlock()
	if locked {
		return "", store.Session{}, fmt.Errorf("sign-in as %q refused: locked after %d failures: %w", name, f.n, ErrUnauthenticated)
	}
	token, s, err = a.signIn(ctx, name, password)
	if errors.Is(err, ErrUnauthenticated) {
		a.failMu.Lock()
		if len(a.fails) >= maxTracked {
			clear(a.fails) // a flood of names must not grow memory without end
		}
		f := a.fails[key]
		if f == nil {
			f = &failures{}
			a.fails[key] = f
		}
		f.n++
		if f.n >= freeAttempts {
			f.until = now.Add(min(maxLock, time.Minute<<min(f.n-freeAttempts, 10)))
		}
		a.failMu.Unlock()
	} else if err == nil {
		a.failMu.Lock()
		delete(a.fails, key)
		a.failMu.Unlock()
	}
	return token, s, err
}

func (a *Authenticator) signIn(ctx context.Context, name, password string) (token string, s store.Session, err error) {
	u, err := a.st.User(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", store.Session{}, err
	}
	if err != nil || u.Disabled || !CheckPassword(u.PasswordHash, password) {
		if err != nil {
			// Spend the time a real check spends, so timing tells nothing either.
			CheckPassword(dummyHash, password)
		}
		return "", store.Session{}, fmt.Errorf("sign-in as %q refused: %w", name, ErrUnauthenticated)
	}
	token = Token()
	now := a.now()
	s = store.Session{ID: HashSecret(token), User: u.Name, CSRF: Token(), CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.st.AddSession(ctx, s); err != nil {
		return "", store.Session{}, err
	}
	return token, s, nil
}

// dummyHash is checked against when the user does not exist.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0J9Xr8b4m2dD6u4f5ZB2C6mH8N3o1y0FQ0m8m6b6zXo"

// SignOut ends the session of a cookie token.
func (a *Authenticator) SignOut(ctx context.Context, token string) error {
	return a.st.DeleteSession(ctx, HashSecret(token))
}

// EnsureAdmin creates the user "admin" with a random password when the
// store has no user at all, and returns the password to show once; it
// returns "" when users exist.
func EnsureAdmin(ctx context.Context, st Keeper) (password string, err error) {
	us, err := st.Users(ctx)
	if err != nil {
		return "", err
	}
	if len(us) > 0 {
		return "", nil
	}
	password = Token()[:24]
	h, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	if err := st.PutUser(ctx, store.User{Name: "admin", Role: store.RoleAdmin, PasswordHash: h}); err != nil {
		return "", fmt.Errorf("create the first admin: %w", err)
	}
	return password, nil
}
