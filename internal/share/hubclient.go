// Package share is a member's side of the consortium: it publishes the
// indicators analysts marked shareable to a TAXII 2.1 server, imports
// what the consortium shares into local intelligence, and learns through
// blinded tokens which of its people's identifiers other members hold —
// without their values leaving the member.
package share

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/store"
)

// HubClient calls a ringfence hub's token API.
type HubClient struct {
	// URL is the hub's base URL, e.g. https://hub.example.org.
	URL string
	// Key is the member's API key.
	Key  string
	HTTP *http.Client
}

// HubError is a refusal from the hub, with its status and reason.
type HubError struct {
	Status     int
	Message    string
	Field      string
	RetryAfter time.Duration
}

func (e *HubError) Error() string {
	s := "hub: " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.RetryAfter > 0 {
		s += "; retry after " + e.RetryAfter.String()
	}
	return s
}

func (c *HubClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("hub %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Field string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		he := &HubError{Status: resp.StatusCode, Message: e.Error, Field: e.Field}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			he.RetryAfter = time.Duration(s) * time.Second
		}
		return fmt.Errorf("%s %s: %w", method, path, he)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("hub %s %s: reply: %w", method, path, err)
	}
	return nil
}

// Keys asks the hub for its current public key.
func (c *HubClient) Keys(ctx context.Context) (hub.KeysReply, error) {
	var r hub.KeysReply
	err := c.do(ctx, http.MethodGet, "/hub/v1/keys", nil, &r)
	return r, err
}

// Evaluate has the hub evaluate blinded elements under epoch's key.
func (c *HubClient) Evaluate(ctx context.Context, epoch int, blinded [][]byte) (evaluated [][]byte, proof []byte, err error) {
	var r hub.EvaluateReply
	if err := c.do(ctx, http.MethodPost, "/hub/v1/evaluate", hub.EvaluateRequest{Epoch: epoch, Elements: blinded}, &r); err != nil {
		return nil, nil, err
	}
	return r.Evaluated, r.Proof, nil
}

// Register replaces the member's registered tokens of epoch.
func (c *HubClient) Register(ctx context.Context, epoch int, tokens []hub.RegisterToken) (int, error) {
	var r struct{ Registered int }
	err := c.do(ctx, http.MethodPut, "/hub/v1/tokens", hub.RegisterRequest{Epoch: epoch, Tokens: tokens}, &r)
	return r.Registered, err
}

// Counts asks how many other members hold each token.
func (c *HubClient) Counts(ctx context.Context, epoch int, tokens []string) ([]store.TokenCount, error) {
	var r hub.CountsReply
	if err := c.do(ctx, http.MethodPost, "/hub/v1/tokens/counts", hub.CountsRequest{Epoch: epoch, Tokens: tokens}, &r); err != nil {
		return nil, err
	}
	if len(r.Counts) != len(tokens) {
		return nil, fmt.Errorf("hub counts: %d answers for %d tokens", len(r.Counts), len(tokens))
	}
	return r.Counts, nil
}

// Tokens turns inputs into tokens through the hub, in batches, verifying
// every evaluation against the pinned key. Two batches are in flight at
// once, so the member blinds and finalises one while the hub evaluates the
// other.
func Tokens(ctx context.Context, c *HubClient, bc *blind.Client, inputs [][]byte) ([]blind.Token, error) {
	const inFlight = 2
	n := (len(inputs) + blind.MaxBatch - 1) / blind.MaxBatch
	parts := make([][]blind.Token, n)
	errs := make([]error, n)
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := range n {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			part := inputs[i*blind.MaxBatch : min((i+1)*blind.MaxBatch, len(inputs))]
			parts[i], errs[i] = tokenBatch(ctx, c, bc, part)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	out := make([]blind.Token, 0, len(inputs))
	for i := range n {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, parts[i]...)
	}
	if len(out) != len(inputs) {
		return nil, fmt.Errorf("hub tokens: %w", ctx.Err())
	}
	return out, nil
}

func tokenBatch(ctx context.Context, c *HubClient, bc *blind.Client, part [][]byte) ([]blind.Token, error) {
	req, err := bc.Blind(part)
	if err != nil {
		return nil, err
	}
	ev, proof, err := c.Evaluate(ctx, req.Epoch, req.Blinded)
	if err != nil {
		return nil, err
	}
	toks, err := req.Finalize(ev, proof)
	if err != nil {
		return nil, fmt.Errorf("hub evaluation: %w", err)
	}
	return toks, nil
}
