// Package hub is the consortium operator's server. Members publish the
// indicators they choose to share and read each other's over TAXII 2.1
// (with TLP enforced by the hub), and learn whether an identifier of one of
// their people is also held at other members — through blinded tokens
// (internal/blind), so that neither the hub nor another member ever sees
// the identifier.
//
// The hub keeps members, their API keys, collections with per-member
// rights, TAXII objects, the OPRF keys by epoch, registered tokens and an
// audit log, on SQLite or PostgreSQL (store.Hub).
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/store"
)

// Store is what the hub asks of its database: the hub's own tables, API
// keys and the audit log.
type Store interface {
	store.Hub
	AddAPIKey(ctx context.Context, k store.APIKey) error
	APIKey(ctx context.Context, id string) (store.APIKey, error)
	APIKeys(ctx context.Context) ([]store.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	AppendAudit(ctx context.Context, ev store.AuditEvent) (store.AuditEvent, error)
	Audit(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error)
}

// Options configure a Hub; zero fields take defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Quota limits each member's OPRF evaluations (rate, burst, rolling
	// day); DailyLimit is also kept in the database per calendar day, so a
	// restart or a second hub process does not reset it.
	Quota      blind.QuotaOptions
	DailyLimit int
	// MaxQuery bounds the tokens of one count query, MaxRegister those of
	// one registration.
	MaxQuery    int
	MaxRegister int
	// Title and Description name the TAXII server in its discovery.
	Title, Description string
}

// Hub serves the consortium.
type Hub struct {
	st    Store
	log   *slog.Logger
	now   func() time.Time
	opt   Options
	quota *blind.Quota
	auth  *authenticator

	mu   sync.RWMutex
	eval *blind.Evaluator
}

// New opens a hub on st. It generates the first OPRF key when the store
// holds none.
func New(ctx context.Context, st Store, opt Options) (*Hub, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.DailyLimit <= 0 {
		opt.DailyLimit = blind.DefaultDaily
	}
	if opt.Quota.Daily <= 0 {
		opt.Quota.Daily = opt.DailyLimit
	}
	if opt.MaxQuery <= 0 {
		opt.MaxQuery = 10000
	}
	if opt.MaxRegister <= 0 {
		// 200,000 people × 5 identifiers; a registration body is then
		// at most about 120 MB.
		opt.MaxRegister = 1_000_000
	}
	if opt.Title == "" {
		opt.Title = "ringfence consortium hub"
	}
	h := &Hub{st: st, log: opt.Logger, now: opt.Now, opt: opt, quota: blind.NewQuota(opt.Quota)}
	h.auth = newAuthenticator(st, opt.Now)
	if err := h.loadKeys(ctx, true); err != nil {
		return nil, err
	}
	return h, nil
}

// keyGrace is how long a retired epoch's key still evaluates, so members
// finish re-registering under the new one before the old tokens stop
// counting.
const keyGrace = 7 * 24 * time.Hour

// loadKeys builds the evaluator from the stored keys: the current epoch's
// and those retired less than keyGrace ago.
func (h *Hub) loadKeys(ctx context.Context, create bool) error {
	stored, err := h.st.HubKeys(ctx)
	if err != nil {
		return err
	}
	if len(stored) == 0 && create {
		if _, err := h.Rotate(ctx); err != nil {
			return err
		}
		return nil
	}
	var keys []blind.Key
	now := h.now()
	for _, sk := range stored {
		if !sk.RetiredAt.IsZero() && now.Sub(sk.RetiredAt) > keyGrace {
			continue
		}
		var k blind.Key
		if err := k.UnmarshalBinary(sk.Secret); err != nil {
			return fmt.Errorf("hub key of epoch %d: %w", sk.Epoch, err)
		}
		keys = append(keys, k)
	}
	ev, err := blind.NewEvaluator(keys...)
	if err != nil {
		return fmt.Errorf("hub keys: %w", err)
	}
	h.mu.Lock()
	h.eval = ev
	h.mu.Unlock()
	return nil
}

// Rotate starts a new key epoch: it stores a new key, retires the current
// one (it still evaluates for keyGrace) and drops registrations of epochs
// whose keys no longer evaluate. Members pin the new public key and
// register again.
func (h *Hub) Rotate(ctx context.Context) (blind.PublicKey, error) {
	stored, err := h.st.HubKeys(ctx)
	if err != nil {
		return blind.PublicKey{}, err
	}
	epoch := 1
	now := h.now()
	for _, sk := range stored {
		epoch = max(epoch, sk.Epoch+1)
		if sk.RetiredAt.IsZero() {
			sk.RetiredAt = now
			if err := h.st.PutHubKey(ctx, sk); err != nil {
				return blind.PublicKey{}, err
			}
		}
	}
	k, err := blind.GenerateKey(epoch, nil)
	if err != nil {
		return blind.PublicKey{}, err
	}
	secret, err := k.MarshalBinary()
	if err != nil {
		return blind.PublicKey{}, err
	}
	if err := h.st.PutHubKey(ctx, store.HubKey{Epoch: epoch, Secret: secret, CreatedAt: now}); errors.Is(err, store.ErrConflict) {
		// Another rotation stored this epoch first: its key stands.
		if err := h.loadKeys(ctx, false); err != nil {
			return blind.PublicKey{}, err
		}
		return h.PublicKey(), nil
	} else if err != nil {
		return blind.PublicKey{}, err
	}
	// Registrations of epochs out of their grace can match nothing new.
	oldest := epoch
	for _, sk := range stored {
		if sk.RetiredAt.IsZero() || now.Sub(sk.RetiredAt) <= keyGrace {
			oldest = min(oldest, sk.Epoch)
		}
	}
	if _, err := h.st.DropHubTokens(ctx, oldest); err != nil {
		return blind.PublicKey{}, err
	}
	if err := h.loadKeys(ctx, false); err != nil {
		return blind.PublicKey{}, err
	}
	h.audit(ctx, "", "hub.key.rotate", strconv.Itoa(epoch), nil)
	return k.Public(), nil
}

// Run keeps the keys current while ctx lives: a rotation made by another
// process ('ringfence hub rotate' beside a running hub, a second hub on
// one PostgreSQL) is picked up within a minute, and keys past their grace
// stop evaluating.
func (h *Hub) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := h.reloadKeys(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("reload hub keys", "err", err)
		}
	}
}

// reloadKeys rebuilds the evaluator from the stored keys and drops the
// registrations of epochs that no longer evaluate.
func (h *Hub) reloadKeys(ctx context.Context) error {
	if err := h.loadKeys(ctx, false); err != nil {
		return err
	}
	if epochs := h.evaluator().Epochs(); len(epochs) > 0 {
		if _, err := h.st.DropHubTokens(ctx, epochs[0]); err != nil {
			return err
		}
	}
	return nil
}

// PublicKey is the current epoch's public key, the one members pin.
func (h *Hub) PublicKey() blind.PublicKey {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.eval.Current()
}

func (h *Hub) evaluator() *blind.Evaluator {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.eval
}

// audit records an action. Details never hold identifiers or tokens: the
// hub has none of the first and must not leak the second.
func (h *Hub) audit(ctx context.Context, actor, action, target string, detail map[string]any) {
	var d []byte
	if detail != nil {
		d, _ = json.Marshal(detail)
	}
	if _, err := h.st.AppendAudit(ctx, store.AuditEvent{Actor: actor, Action: action, Object: target, Detail: string(d)}); err != nil {
		h.log.Error("audit", "action", action, "err", err)
	}
}

// apiError is the hub API's error body.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, field, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...), Field: field})
}

// decode reads a JSON body of at most limit bytes into v.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "", "body over %d bytes", limit)
			return false
		}
		writeError(w, http.StatusBadRequest, "", "body is not the expected JSON: %v", err)
		return false
	}
	return true
}

func timeNow() time.Time { return time.Now() }

var timeZero time.Time
