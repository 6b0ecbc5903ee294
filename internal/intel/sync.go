package intel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// SyncTarget is a list ringfence downloads: a short name for messages and
// flags, and its URL.
type SyncTarget struct {
	Name string
	URL  string
}

// DefaultSyncTargets are OFAC's official advanced XML files (the SDN list
// and the consolidated non-SDN list) and the UN Security Council
// consolidated list.
var DefaultSyncTargets = []SyncTarget{
	{"ofac-sdn", "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML"},
	{"ofac-consolidated", "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ADVANCED.XML"},
	{"un-consolidated", "https://scsanctions.un.org/resources/xml/en/consolidated.xml"},
}

// ParseSyncTargets reads targets written NAME=URL, separated by spaces,
// commas or new lines (the form of --url and RINGFENCE_SYNC_URLS).
func ParseSyncTargets(s string) ([]SyncTarget, error) {
	var out []SyncTarget
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		t, err := ParseSyncTarget(f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ParseSyncTarget reads one NAME=URL; the URL must be http or https.
func ParseSyncTarget(s string) (SyncTarget, error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return SyncTarget{}, fmt.Errorf("%q: write NAME=URL", s)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return SyncTarget{}, fmt.Errorf("%q: not an http or https URL", raw)
	}
	return SyncTarget{Name: name, URL: raw}, nil
}

// Sync outcomes.
const (
	SyncUnchanged = "unchanged" // 304, or the same bytes as last time
	SyncImported  = "imported"
	SyncChanged   = "changed" // a dry run found a new version
	SyncFailed    = "failed"
)

// SyncOutcome is what syncing one target did.
type SyncOutcome struct {
	Target SyncTarget
	Status string
	// Results are the sources loaded, for SyncImported.
	Results []*Result
	// Bytes is the size of the body downloaded, 0 for a 304.
	Bytes int64
	Err   error
}

// Syncer downloads lists with conditional requests and imports what
// changed. A download that fails, is cut short, is too large or does not
// parse leaves the store as it was: nothing is replaced and the sync state
// keeps the last good fetch.
type Syncer struct {
	Store  store.Store
	Client *http.Client
	// MaxSize bounds a download in bytes; 0 means 512 MiB.
	MaxSize int64
	// TempDir holds downloads while they are parsed; "" is os.TempDir.
	TempDir string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// OnRead, when set, is told of bytes downloaded, for progress.
	OnRead func(n int)
}

// DefaultMaxSize is the largest download Sync accepts by default; the SDN
// advanced XML is about 121 MB.
const DefaultMaxSize = 512 << 20

// Sync fetches one target. With dryRun it downloads and compares but
// neither imports nor records anything.
func (s *Syncer) Sync(ctx context.Context, t SyncTarget, dryRun bool) SyncOutcome {
	out := SyncOutcome{Target: t}
	fail := func(err error) SyncOutcome {
		out.Status, out.Err = SyncFailed, err
		return out
	}
	prev, err := s.Store.SyncState(ctx, t.URL)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return fail(err)
	}
	// Validators from the last good fetch make the request conditional
	// (RFC 9110 §13.1.2, §13.1.3): an unchanged list costs a 304.
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	req.Header.Set("User-Agent", "ringfence-intel-sync")
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(fmt.Errorf("download %s: %w", t.URL, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		out.Status = SyncUnchanged
		return out
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("download %s: HTTP %s", t.URL, resp.Status))
	}
	max := s.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	if resp.ContentLength > max {
		return fail(fmt.Errorf("download %s: %d bytes is more than the limit of %d", t.URL, resp.ContentLength, max))
	}
	dir, err := os.MkdirTemp(s.TempDir, "ringfence-sync-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, downloadName(t))
	digest, n, err := s.save(resp, file, max)
	out.Bytes = n
	if err != nil {
		return fail(fmt.Errorf("download %s: %w", t.URL, err))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	state := store.SyncState{URL: t.URL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
		SHA256: digest, FetchedAt: now()}
	if digest == prev.SHA256 {
		out.Status = SyncUnchanged
		if !dryRun {
			// The server did not answer 304, but the bytes are the same:
			// keep its new validators for next time.
			if err := s.Store.PutSyncState(ctx, state); err != nil {
				return fail(err)
			}
		}
		return out
	}
	if dryRun {
		out.Status = SyncChanged
		return out
	}
	srcs, err := OpenSources(ctx, []string{file})
	if err != nil {
		return fail(fmt.Errorf("%s: %w", t.URL, err))
	}
	defer CloseSources(srcs)
	results, err := ParseAll(ctx, srcs)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", t.URL, err))
	}
	loaded, err := Load(ctx, s.Store, results)
	if err != nil {
		return fail(err)
	}
	if err := s.Store.PutSyncState(ctx, state); err != nil {
		return fail(err)
	}
	out.Status, out.Results = SyncImported, loaded
	return out
}

// save writes the body to file, hashing it, and refuses more than max
// bytes or fewer than the server announced.
func (s *Syncer) save(resp *http.Response, file string, max int64) (string, int64, error) {
	f, err := os.Create(file)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	var body io.Reader = io.LimitReader(resp.Body, max+1)
	if s.OnRead != nil {
		body = countingReader{r: body, fn: s.OnRead}
	}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err != nil {
		return "", n, err
	}
	if n > max {
		return "", n, fmt.Errorf("more than the limit of %d bytes", max)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return "", n, fmt.Errorf("body cut short: %d of %d bytes", n, resp.ContentLength)
	}
	if err := f.Close(); err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// downloadName names the downloaded file after the URL's last path
// element, which messages then show, falling back to the target's name.
func downloadName(t SyncTarget) string {
	name := t.Name
	if u, err := url.Parse(t.URL); err == nil {
		if b := path.Base(u.Path); b != "" && b != "/" && b != "." {
			name = b
		}
	}
	name = unsafeName.ReplaceAllString(name, "_")
	if name == "" || name == "." || name == ".." {
		name = "download"
	}
	return name
}
