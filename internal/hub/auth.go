package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

// Member is who is calling: a consortium member or a guest reader.
type Member struct {
	ID    string
	Guest bool
	KeyID string
}

type memberKey struct{}

func withMember(ctx context.Context, m Member) context.Context {
	return context.WithValue(ctx, memberKey{}, m)
}

func memberFrom(ctx context.Context) Member {
	m, _ := ctx.Value(memberKey{}).(Member)
	return m
}

var errUnauthenticated = errors.New("unauthenticated")

// authenticator checks API keys: "Authorization: Bearer rfk_…", or HTTP
// Basic with the member id as user name and the key as password (what
// TAXII clients usually offer). A key belongs to a member (its Owner); a
// disabled member's keys stop working at once.
type authenticator struct {
	st  Store
	now func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	key     store.APIKey
	member  store.HubMember
	checked time.Time
}

// keyCacheTTL bounds how long a revoked key or disabled member may still
// pass in another hub process; this one forgets at once.
const keyCacheTTL = 10 * time.Second

func (a *authenticator) authenticate(r *http.Request) (Member, error) {
	var key, user string
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		key = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	} else if u, p, ok := r.BasicAuth(); ok {
		user, key = u, p
	}
	if key == "" {
		return Member{}, fmt.Errorf("no credentials: %w", errUnauthenticated)
	}
	id, secret, ok := access.ParseKey(key)
	if !ok {
		return Member{}, fmt.Errorf("malformed key: %w", errUnauthenticated)
	}
	now := a.now()
	a.mu.Lock()
	c, hit := a.keys[id]
	a.mu.Unlock()
	if !hit || now.Sub(c.checked) > keyCacheTTL {
		k, err := a.st.APIKey(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return Member{}, fmt.Errorf("unknown key %s: %w", id, errUnauthenticated)
		}
		if err != nil {
			return Member{}, err
		}
		m, err := a.st.HubMember(r.Context(), k.Owner)
		if errors.Is(err, store.ErrNotFound) {
			return Member{}, fmt.Errorf("key %s of no member: %w", id, errUnauthenticated)
		}
		if err != nil {
			return Member{}, err
		}
		c = cachedKey{key: k, member: m, checked: now}
		a.mu.Lock()
		if len(a.keys) > 10000 {
			clear(a.keys)
		}
		a.keys[id] = c
		a.mu.Unlock()
	}
	switch {
	case !access.SameHash(c.key.SecretHash, access.HashSecret(secret)):
		return Member{}, fmt.Errorf("wrong secret for key %s: %w", id, errUnauthenticated)
	case !c.key.RevokedAt.IsZero():
		return Member{}, fmt.Errorf("revoked key %s: %w", id, errUnauthenticated)
	case c.member.Disabled:
		return Member{}, fmt.Errorf("member %s is disabled: %w", c.member.ID, errUnauthenticated)
	case user != "" && user != c.member.ID:
		return Member{}, fmt.Errorf("key %s is not %s's: %w", id, user, errUnauthenticated)
	}
	return Member{ID: c.member.ID, Guest: c.member.Kind == store.MemberGuest, KeyID: id}, nil
}

func (a *authenticator) forget() {
	a.mu.Lock()
	clear(a.keys)
	a.mu.Unlock()
}

// requestInfo carries what the log line wants to know from inside the
// handler: who the request acted as.
type requestInfo struct{ actor string }

type infoKey struct{}

func withInfo(ctx context.Context, i *requestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, i)
}

func setActor(r *http.Request, actor string) {
	if i, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		i.actor = actor
	}
}
