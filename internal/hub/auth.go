package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
// TAXII clients usually offer). A key belongs to a member (its Owner),
// read on every request so that disabling a member takes effect at once;
// the keys themselves are cached as the server caches them.
type authenticator struct {
	st   Store
	keys *access.Keys
}

func newAuthenticator(st Store, now func() time.Time) *authenticator {
	return &authenticator{st: st, keys: access.NewKeys(st.APIKey, now)}
}

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
	k, err := a.keys.Check(r.Context(), key)
	if errors.Is(err, access.ErrUnauthenticated) {
		return Member{}, fmt.Errorf("%w: %w", errUnauthenticated, err)
	}
	if err != nil {
		return Member{}, err
	}
	m, err := a.st.HubMember(r.Context(), k.Owner)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Member{}, fmt.Errorf("key %s of no member: %w", k.ID, errUnauthenticated)
	case err != nil:
		return Member{}, err
	case m.Disabled:
		return Member{}, fmt.Errorf("member %s is disabled: %w", m.ID, errUnauthenticated)
	case user != "" && user != m.ID:
		return Member{}, fmt.Errorf("key %s is not %s's: %w", k.ID, user, errUnauthenticated)
	}
	return Member{ID: m.ID, Guest: m.Kind == store.MemberGuest, KeyID: k.ID}, nil
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
