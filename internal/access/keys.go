package access

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// Keys checks API keys ("rfk_<id>_<secret>") against their stored hashes,
// reading each key from the store at most every keyCacheTTL: a request
// must not cost a database round trip for its credentials, and a revoked
// key stops working within that time in every process (at once in the one
// that calls Forget). The server's Authenticator and the consortium hub
// both check keys with it.
type Keys struct {
	lookup func(ctx context.Context, id string) (store.APIKey, error)
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey // by key id
}

type cachedKey struct {
	key     store.APIKey
	checked time.Time
}

// maxCachedKeys bounds the cache: it is dropped whole when full.
const maxCachedKeys = 10_000

// NewKeys returns Keys reading keys with lookup (a store's APIKey) on the
// clock now (time.Now when nil).
func NewKeys(lookup func(ctx context.Context, id string) (store.APIKey, error), now func() time.Time) *Keys {
	if now == nil {
		now = time.Now
	}
	return &Keys{lookup: lookup, now: now, cache: map[string]cachedKey{}}
}

// Check returns the stored key that key is. A malformed, unknown, wrong
// or revoked key is ErrUnauthenticated, wrapped with the reason for the
// log (never for the caller); another error is the store's.
func (k *Keys) Check(ctx context.Context, key string) (store.APIKey, error) {
	id, secret, ok := ParseKey(key)
	if !ok {
		return store.APIKey{}, fmt.Errorf("malformed key: %w", ErrUnauthenticated)
	}
	now := k.now()
	k.mu.Lock()
	c, hit := k.cache[id]
	k.mu.Unlock()
	if !hit || now.Sub(c.checked) > keyCacheTTL {
		sk, err := k.lookup(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.APIKey{}, fmt.Errorf("unknown key %s: %w", id, ErrUnauthenticated)
		}
		if err != nil {
			return store.APIKey{}, err
		}
		c = cachedKey{key: sk, checked: now}
		k.mu.Lock()
		if len(k.cache) >= maxCachedKeys {
			clear(k.cache)
		}
		k.cache[id] = c
		k.mu.Unlock()
	}
	if !SameHash(c.key.SecretHash, HashSecret(secret)) {
		return store.APIKey{}, fmt.Errorf("wrong secret for key %s: %w", id, ErrUnauthenticated)
	}
	if !c.key.RevokedAt.IsZero() {
		return store.APIKey{}, fmt.Errorf("revoked key %s: %w", id, ErrUnauthenticated)
	}
	return c.key, nil
}

// Forget drops a key from the cache, so a revocation takes effect at once
// in this process.
func (k *Keys) Forget(id string) {
	k.mu.Lock()
	delete(k.cache, id)
	k.mu.Unlock()
}
