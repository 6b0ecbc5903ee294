package hub

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/store"
)

// KeysReply is GET /hub/v1/keys: the key members pin, and the epochs the
// hub still evaluates.
type KeysReply struct {
	Epoch     int    `json:"epoch"`
	PublicKey string `json:"public_key"`
	Accepted  []int  `json:"accepted"`
}

// EvaluateRequest is POST /hub/v1/evaluate: blinded elements, each
// ristretto255-encoded (base64 in JSON).
type EvaluateRequest struct {
	Epoch    int      `json:"epoch"`
	Elements [][]byte `json:"elements"`
}

// EvaluateReply carries the evaluated elements in request order and one
// proof for all of them.
type EvaluateReply struct {
	Epoch     int      `json:"epoch"`
	Evaluated [][]byte `json:"evaluated"`
	Proof     []byte   `json:"proof"`
}

// RegisterRequest is PUT /hub/v1/tokens: the member's whole set of tokens
// for an epoch, replacing the one before.
type RegisterRequest struct {
	Epoch  int             `json:"epoch"`
	Tokens []RegisterToken `json:"tokens"`
}

// RegisterToken is one token (base64url) and whether the member confirmed
// its holder fraudulent.
type RegisterToken struct {
	Token string `json:"token"`
	Fraud bool   `json:"fraud,omitempty"`
}

// CountsRequest is POST /hub/v1/tokens/counts.
type CountsRequest struct {
	Epoch  int      `json:"epoch"`
	Tokens []string `json:"tokens"`
}

// CountsReply answers in request order with counts only: never which
// members, never other tokens.
type CountsReply struct {
	Counts []store.TokenCount `json:"counts"`
}

func (h *Hub) handleKeys(w http.ResponseWriter, r *http.Request) {
	ev := h.evaluator()
	pub := ev.Current()
	text, err := pub.MarshalText()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "", "public key: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, KeysReply{Epoch: pub.Epoch, PublicKey: string(text), Accepted: ev.Epochs()})
}

// evaluateBody bounds an evaluation request: MaxBatch elements of 32 bytes
// in base64 with JSON around them.
const evaluateBody = blind.MaxBatch*64 + 4096

func (h *Hub) handleEvaluate(w http.ResponseWriter, r *http.Request) {
	m := memberFrom(r.Context())
	var req EvaluateRequest
	if !decode(w, r, evaluateBody, &req) {
		return
	}
	n := len(req.Elements)
	if n == 0 || n > blind.MaxBatch {
		writeError(w, http.StatusBadRequest, "elements", "%d elements, want 1 to %d", n, blind.MaxBatch)
		return
	}
	now := h.now()
	if ok, retry, reason := h.quota.Allow(m.ID, n, now); !ok {
		h.refuse(w, r, m, n, retry, reason)
		return
	}
	day := now.UTC().Format(time.DateOnly)
	if _, ok, err := h.st.AddHubUsage(r.Context(), m.ID, day, n, h.opt.DailyLimit); err != nil {
		h.log.Error("hub quota", "err", err)
		writeError(w, http.StatusInternalServerError, "", "the hub failed to count the evaluation")
		return
	} else if !ok {
		next := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		h.refuse(w, r, m, n, next.Sub(now), "daily limit of the calendar day")
		return
	}
	if !h.accepts(r.Context(), req.Epoch) {
		writeError(w, http.StatusConflict, "epoch", "epoch %d is not evaluated here; fetch /hub/v1/keys and pin the current key", req.Epoch)
		return
	}
	evaluated, proof, err := h.evaluator().Evaluate(req.Epoch, req.Elements)
	var elemErr *blind.ElementError
	switch {
	case errors.Is(err, blind.ErrUnknownEpoch):
		writeError(w, http.StatusConflict, "epoch", "epoch %d is not evaluated here; fetch /hub/v1/keys and pin the current key", req.Epoch)
		return
	case errors.As(err, &elemErr):
		h.audit(r.Context(), m.ID, "hub.evaluate.invalid", "", map[string]any{"elements": n})
		writeError(w, http.StatusBadRequest, "elements["+strconv.Itoa(elemErr.Index)+"]", "%v", err)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "elements", "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, EvaluateReply{Epoch: req.Epoch, Evaluated: evaluated, Proof: proof})
}

// refuse answers 429 and audits it: a member hitting the quota is either
// misconfigured or enumerating, and the operator wants to know which.
func (h *Hub) refuse(w http.ResponseWriter, r *http.Request, m Member, n int, retry time.Duration, reason string) {
	h.audit(r.Context(), m.ID, "hub.evaluate.refused", "", map[string]any{"elements": n, "reason": reason})
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	}
	writeError(w, http.StatusTooManyRequests, "", "evaluation quota: %s", reason)
}

func (h *Hub) handleRegister(w http.ResponseWriter, r *http.Request) {
	m := memberFrom(r.Context())
	var req RegisterRequest
	if !decode(w, r, int64(h.opt.MaxRegister)*120+4096, &req) {
		return
	}
	if len(req.Tokens) > h.opt.MaxRegister {
		writeError(w, http.StatusRequestEntityTooLarge, "tokens", "%d tokens, at most %d", len(req.Tokens), h.opt.MaxRegister)
		return
	}
	if !h.accepts(r.Context(), req.Epoch) {
		writeError(w, http.StatusConflict, "epoch", "epoch %d is not evaluated here", req.Epoch)
		return
	}
	toks := make([]store.HubToken, len(req.Tokens))
	fraud := 0
	for i, t := range req.Tokens {
		if !validToken(t.Token) {
			writeError(w, http.StatusBadRequest, "tokens["+strconv.Itoa(i)+"].token", "not a token: want %d bytes in base64url", blind.TokenLen)
			return
		}
		toks[i] = store.HubToken{Token: t.Token, Fraud: t.Fraud}
		if t.Fraud {
			fraud++
		}
	}
	n, err := h.st.ReplaceHubTokens(r.Context(), m.ID, req.Epoch, toks)
	if err != nil {
		h.log.Error("hub register", "err", err)
		writeError(w, http.StatusInternalServerError, "", "the hub failed to store the registration")
		return
	}
	h.audit(r.Context(), m.ID, "hub.tokens.register", strconv.Itoa(req.Epoch), map[string]any{"tokens": n, "fraud": fraud})
	writeJSON(w, http.StatusOK, map[string]int{"registered": n})
}

func (h *Hub) handleCounts(w http.ResponseWriter, r *http.Request) {
	m := memberFrom(r.Context())
	var req CountsRequest
	if !decode(w, r, int64(h.opt.MaxQuery)*100+4096, &req) {
		return
	}
	if len(req.Tokens) == 0 || len(req.Tokens) > h.opt.MaxQuery {
		writeError(w, http.StatusBadRequest, "tokens", "%d tokens, want 1 to %d", len(req.Tokens), h.opt.MaxQuery)
		return
	}
	if !h.accepts(r.Context(), req.Epoch) {
		writeError(w, http.StatusConflict, "epoch", "epoch %d is not evaluated here", req.Epoch)
		return
	}
	for i, t := range req.Tokens {
		if !validToken(t) {
			writeError(w, http.StatusBadRequest, "tokens["+strconv.Itoa(i)+"]", "not a token: want %d bytes in base64url", blind.TokenLen)
			return
		}
	}
	counts, err := h.st.HubTokenCounts(r.Context(), m.ID, req.Epoch, req.Tokens)
	if err != nil {
		h.log.Error("hub counts", "err", err)
		writeError(w, http.StatusInternalServerError, "", "the hub failed to count the tokens")
		return
	}
	held := 0
	for _, c := range counts {
		if c.Members > 0 {
			held++
		}
	}
	h.audit(r.Context(), m.ID, "hub.tokens.counts", strconv.Itoa(req.Epoch), map[string]any{"tokens": len(req.Tokens), "held_elsewhere": held})
	writeJSON(w, http.StatusOK, CountsReply{Counts: counts})
}

// accepts says whether epoch evaluates here; an epoch newer than the
// current one makes it read the keys again first (another process may
// have rotated them).
func (h *Hub) accepts(ctx context.Context, epoch int) bool {
	if _, err := h.evaluator().PublicKey(epoch); err == nil {
		return true
	}
	if epoch <= h.PublicKey().Epoch {
		return false
	}
	if err := h.reloadKeys(ctx); err != nil {
		h.log.Error("reload hub keys", "err", err)
		return false
	}
	_, err := h.evaluator().PublicKey(epoch)
	return err == nil
}

func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == blind.TokenLen
}

// EncodeToken is a token as members register and query it.
func EncodeToken(t blind.Token) string { return base64.RawURLEncoding.EncodeToString(t[:]) }
