package share

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/taxii"
)

// Remote is a TAXII 2.1 collection: the hub's or any other server's.
type Remote struct {
	Client *taxii.Client
	// Root is the API root's URL or path; "" takes the discovery's
	// default root (or Client.BaseURL when it is an API root).
	Root       string
	Collection string
}

// PushOptions configure Push.
type PushOptions struct {
	// Org names the member in what it shares (the STIX identity that
	// created the indicators). Required.
	Org string
	// Actor is who pushes, for the audit log.
	Actor string
	Now   time.Time
	// Batch is the most objects a request posts; default 500.
	Batch int
}

// PushResult says what a push did.
type PushResult struct {
	Sources    int // shareable sources
	Indicators int // indicators published
	Objects    int // STIX objects posted (indicators, the identity, markings)
	Refused    int // objects the server refused (see Failures)
	Failures   []string
	// Withheld counts indicators kept home: TLP:RED ones, which never
	// leave the member; identity documents, which are matched through
	// blinded tokens instead; and names, birth dates and nationalities,
	// which are often a stolen identity's real owner's.
	Withheld int
	// Revoked counts indicators published before and withdrawn since (a
	// case unmarked, decided again, or now TLP:RED): they are published
	// again as revoked, so members' pulls drop them.
	Revoked int
}

// withheldKinds never leave a member: a person's identity (matched through
// tokens) and the descriptors of a name, which is as often the victim's of
// a stolen identity as the fraudster's.
var withheldKinds = map[string]bool{"id_document": true, "name": true, "birth_date": true, "nationality": true}

// Push publishes the indicators of the sources analysts marked shareable
// (store.SharedSource) to a TAXII collection as STIX 2.1 indicators under
// the member's identity. Local references (case and subject ids) are
// replaced by opaque ones; TLP:RED and identity documents stay home.
// Pushing again is harmless: an indicator that did not change is the same
// STIX version, which the server keeps once.
func Push(ctx context.Context, st store.Store, r Remote, opt PushOptions) (PushResult, error) {
	var res PushResult
	if opt.Org == "" {
		return res, fmt.Errorf("push: the member's name (--org) is required")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	shared, err := st.SharedSources(ctx)
	if err != nil {
		return res, err
	}
	key, err := referenceKey(ctx, st)
	if err != nil {
		return res, err
	}
	res.Sources = len(shared)
	var inds []store.Indicator
	for _, s := range shared {
		for in, err := range st.Indicators(ctx, store.IndicatorQuery{Source: s.Source, ValidAt: opt.Now}) {
			if err != nil {
				return res, err
			}
			if in.TLP == "red" || withheldKinds[in.Kind] {
				res.Withheld++
				continue
			}
			in.Source = opt.Org
			in.SourceRef = opaqueRef(key, in.SourceRef)
			in.Label = "confirmed fraud, shared by " + opt.Org
			inds = append(inds, in)
		}
	}
	res.Indicators = len(inds)
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if len(inds) > 0 {
		var buf bytes.Buffer
		if err := intel.ExportSTIX(&buf, inds, opt.Now); err != nil {
			return res, err
		}
		if err := json.Unmarshal(buf.Bytes(), &bundle); err != nil {
			return res, fmt.Errorf("push: %w", err)
		}
	}
	// What this member published before and no longer shares goes out
	// again, revoked.
	revoked, err := withdrawn(ctx, r, opt, bundle.Objects)
	if err != nil {
		return res, err
	}
	res.Revoked = len(revoked)
	bundle.Objects = append(bundle.Objects, revoked...)
	if len(bundle.Objects) == 0 {
		return res, nil
	}
	for start := 0; start < len(bundle.Objects); start += opt.Batch {
		part := bundle.Objects[start:min(start+opt.Batch, len(bundle.Objects))]
		status, err := r.Client.AddObjects(ctx, r.Root, r.Collection, part)
		if err != nil {
			return res, fmt.Errorf("push to %s: %w", r.Collection, err)
		}
		res.Objects += status.SuccessCount
		res.Refused += status.FailureCount
		for _, f := range status.Failures {
			res.Failures = append(res.Failures, f.ID+": "+f.Message)
		}
	}
	_, err = st.AppendAudit(ctx, store.AuditEvent{Actor: opt.Actor, Action: "share.push", Object: r.Collection,
		Detail: fmt.Sprintf(`{"indicators":%d,"objects":%d,"refused":%d,"withheld":%d,"revoked":%d}`,
			res.Indicators, res.Objects, res.Refused, res.Withheld, res.Revoked)})
	return res, err
}

// withdrawn returns revoked versions of the indicators this member
// published to the collection (created by its identity, the one ExportSTIX
// names after Org) that are not among objs and not revoked yet.
func withdrawn(ctx context.Context, r Remote, opt PushOptions, objs []json.RawMessage) ([]json.RawMessage, error) {
	identity := intel.STIXIdentityID(opt.Org)
	current := map[string]bool{}
	for _, o := range objs {
		var h struct{ ID string }
		_ = json.Unmarshal(o, &h)
		current[h.ID] = true
	}
	var out []json.RawMessage
	_, err := r.Client.Objects(ctx, r.Root, r.Collection, taxii.ClientQuery{Limit: 1000, Types: []string{"indicator"}},
		func(page []json.RawMessage) error {
			for _, raw := range page {
				var o map[string]any
				if json.Unmarshal(raw, &o) != nil {
					continue
				}
				id, _ := o["id"].(string)
				if o["created_by_ref"] != identity || current[id] || o["revoked"] == true {
					continue
				}
				modified := opt.Now.UTC().Truncate(time.Millisecond)
				if old, err := time.Parse(time.RFC3339Nano, fmt.Sprint(o["modified"])); err == nil && !modified.After(old) {
					modified = old.Add(time.Millisecond)
				}
				o["revoked"], o["modified"] = true, modified.Format("2006-01-02T15:04:05.000Z")
				b, err := json.Marshal(o)
				if err != nil {
					return err
				}
				out = append(out, b)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("push: read what was published before: %w", err)
	}
	return out, nil
}

// opaqueRef replaces a local reference (case and subject ids) by one that
// groups the same entry's indicators but tells other members nothing: an
// HMAC under a key that never leaves the member, so small case numbers and
// guessable subject ids cannot be tried.
func opaqueRef(key []byte, ref string) string {
	if ref == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ref))
	return "ref-" + hex.EncodeToString(m.Sum(nil)[:8])
}

// referenceKeyURL is where the member's reference key is kept (the sync
// state table holds small per-store values).
const referenceKeyURL = "ringfence:share:reference-key"

// referenceKey returns the member's secret for opaque references, making
// it on first use.
func referenceKey(ctx context.Context, st store.Store) ([]byte, error) {
	ss, err := st.SyncState(ctx, referenceKeyURL)
	if err == nil {
		if k, err := hex.DecodeString(ss.ETag); err == nil && len(k) == 32 {
			return k, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if err := st.PutSyncState(ctx, store.SyncState{URL: referenceKeyURL, ETag: hex.EncodeToString(k)}); err != nil {
		return nil, err
	}
	return k, nil
}

// PullOptions configure Pull.
type PullOptions struct {
	// Source prefixes the sources pulled indicators are stored under:
	// "<Source>:<author>"; default "hub:<collection>".
	Source string
	Actor  string
	// Org is this member's name as it pushes (PushOptions.Org): what it
	// published itself is not imported back as the consortium's.
	Org string
	// Force reads the collection even when nothing was added since the
	// last pull.
	Force bool
}

// PullResult says what a pull did.
type PullResult struct {
	Objects    int
	Sources    []string
	Indicators int
	Warnings   []string
	// Unchanged is true when nothing was added since the last pull, so
	// nothing was read.
	Unchanged bool
}

// Pull imports a TAXII collection into local intelligence: its STIX
// indicators and observables become indicators with their author as
// source (prefixed, see PullOptions.Source) and their TLP. A pull first
// asks whether anything was added since the last one (one small request);
// when something was, it reads the collection's latest versions whole and
// replaces each author's indicators, so revoked or changed ones are not
// left behind.
func Pull(ctx context.Context, st store.Store, r Remote, opt PullOptions) (PullResult, error) {
	var res PullResult
	prefix := opt.Source
	if prefix == "" {
		prefix = "hub:" + r.Collection
	}
	stateURL := "taxii:" + strings.TrimSuffix(r.Client.BaseURL, "/") + "|" + r.Root + "|" + r.Collection
	var since time.Time
	if prev, err := st.SyncState(ctx, stateURL); err == nil && !opt.Force {
		since, _ = time.Parse(time.RFC3339Nano, prev.ETag)
		var added bool
		if _, err := r.Client.Objects(ctx, r.Root, r.Collection, taxii.ClientQuery{AddedAfter: since, Limit: 1},
			func(objs []json.RawMessage) error {
				added = added || len(objs) > 0
				return errStop
			}); err != nil && err != errStop {
			return res, fmt.Errorf("pull %s: %w", r.Collection, err)
		}
		if !added {
			res.Unchanged = true
			return res, nil
		}
	}
	var objs []json.RawMessage
	last, err := r.Client.Objects(ctx, r.Root, r.Collection, taxii.ClientQuery{Limit: 1000, Versions: []string{"last"}},
		func(page []json.RawMessage) error {
			for _, o := range page {
				objs = append(objs, append(json.RawMessage(nil), o...))
			}
			return nil
		})
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", r.Collection, err)
	}
	res.Objects = len(objs)
	bundle, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objs})
	if err != nil {
		return res, err
	}
	results, err := intel.ParseSTIX(ctx, bytes.NewReader(bundle), prefix)
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", r.Collection, err)
	}
	for _, rs := range results {
		author := strings.TrimPrefix(rs.Source, "stix:")
		if opt.Org != "" && author == opt.Org {
			continue
		}
		source := prefix + ":" + author
		for i := range rs.Indicators {
			rs.Indicators[i].Source = source
		}
		n, err := st.ReplaceIndicators(ctx, source, rs.Indicators)
		if err != nil {
			return res, fmt.Errorf("pull %s: store %s: %w", r.Collection, source, err)
		}
		res.Sources = append(res.Sources, source)
		res.Indicators += n
		res.Warnings = append(res.Warnings, rs.Warnings...)
	}
	if last.IsZero() {
		last = since
	}
	if err := st.PutSyncState(ctx, store.SyncState{URL: stateURL, ETag: last.UTC().Format(time.RFC3339Nano)}); err != nil {
		return res, err
	}
	_, err = st.AppendAudit(ctx, store.AuditEvent{Actor: opt.Actor, Action: "share.pull", Object: r.Collection,
		Detail: fmt.Sprintf(`{"objects":%d,"indicators":%d,"sources":%d}`, res.Objects, res.Indicators, len(res.Sources))})
	return res, err
}

var errStop = fmt.Errorf("stop")
