package intel

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// StarterSource is the source the starter pack loads into.
const StarterSource = "starter-pack"

// Kinds of starter-pack indicators that are not identifier kinds: context
// an endpoint or network inventory is screened against, never evidence on
// its own.
const (
	KindSoftware    = "software"     // a program, e.g. "anydesk"
	KindVPNProvider = "vpn_provider" // a VPN service, e.g. "astrill vpn"
	KindUSBDevice   = "usb_device"   // vvvv:pppp or vvvv:pppp:manufacturer, lower case
)

// The starter pack is two reviewed CSV files compiled into the binary:
// indicators.csv (kind,value,label,severity,confidence,citation) and
// citations.csv (id,publisher,title,date,date_is,url). date_is says
// whether date is when the document was published or, for undated pages
// such as vendors' documentation and source code, when it was read.
var (
	//go:embed starter/indicators.csv
	starterIndicators []byte
	//go:embed starter/citations.csv
	starterCitations []byte
)

// Citation is the public document a starter-pack entry comes from.
type Citation struct {
	ID        string
	Publisher string
	Title     string
	Date      string // YYYY-MM-DD
	// Accessed is true when Date is when the document was read, for
	// documents that carry no date.
	Accessed bool
	URL      string
}

// String renders the citation for an analyst.
func (c Citation) String() string {
	when := c.Date
	if c.Accessed {
		when = "accessed " + c.Date
	}
	return fmt.Sprintf("%s, %q, %s, %s", c.Publisher, c.Title, when, c.URL)
}

// StarterCitations returns the citations of the starter pack by id.
func StarterCitations() (map[string]Citation, error) {
	rows, err := readStarterCSV("starter/citations.csv", starterCitations,
		[]string{"id", "publisher", "title", "date", "date_is", "url"})
	if err != nil {
		return nil, err
	}
	out := map[string]Citation{}
	for _, r := range rows {
		c := Citation{ID: r.f[0], Publisher: r.f[1], Title: r.f[2], Date: r.f[3], Accessed: r.f[4] == "accessed", URL: r.f[5]}
		bad := func(field, reason string) error {
			return &ParseError{File: "starter/citations.csv", Line: r.line, Field: field, Reason: reason}
		}
		switch {
		case c.ID == "" || c.Publisher == "" || c.Title == "" || c.URL == "":
			return nil, bad("id", "every citation needs an id, a publisher, a title and a URL")
		case r.f[4] != "published" && r.f[4] != "accessed":
			return nil, bad("date_is", "must be published or accessed")
		case out[c.ID].ID != "":
			return nil, bad("id", "repeated")
		}
		if _, err := time.Parse("2006-01-02", c.Date); err != nil {
			return nil, bad("date", "not a date written YYYY-MM-DD")
		}
		out[c.ID] = c
	}
	return out, nil
}

type starterRow struct {
	line int
	f    []string
}

func readStarterCSV(name string, data []byte, header []string) ([]starterRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(header)
	got, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: name, Line: 1, Reason: err.Error()}
	}
	if strings.Join(got, ",") != strings.Join(header, ",") {
		return nil, &ParseError{File: name, Line: 1, Reason: "header must be " + strings.Join(header, ",")}
	}
	var rows []starterRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, &ParseError{File: name, Line: line, Reason: err.Error()}
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, starterRow{line: line, f: rec})
	}
}

var usbDeviceRE = regexp.MustCompile(`^[0-9a-f]{4}:[0-9a-f]{4}(:[a-z0-9][a-z0-9 ._-]*)?$`)

// starterCanonical is Canonical extended to the starter pack's context
// kinds: names of software and VPN services in lower case with single
// spaces; USB identities as vendor:product[:manufacturer] in lower case.
func starterCanonical(kind, raw string) (string, error) {
	switch kind {
	case KindSoftware, KindVPNProvider:
		v := strings.ToLower(strings.Join(strings.Fields(raw), " "))
		if v == "" {
			return "", errors.New("empty value")
		}
		return v, nil
	case KindUSBDevice:
		v := strings.ToLower(strings.TrimSpace(raw))
		if !usbDeviceRE.MatchString(v) {
			return "", errors.New("not a USB identity written vvvv:pppp or vvvv:pppp:manufacturer")
		}
		return v, nil
	}
	return Canonical(kind, raw)
}

// StarterPack returns the starter pack: public indicators and red flags of
// the DPRK IT-worker scheme, each citing the public document it comes
// from (SourceRef is the citation's id). It is checked by tests; an error
// here means the embedded files were edited wrongly.
func StarterPack() (*Result, error) {
	cites, err := StarterCitations()
	if err != nil {
		return nil, err
	}
	rows, err := readStarterCSV("starter/indicators.csv", starterIndicators,
		[]string{"kind", "value", "label", "severity", "confidence", "citation"})
	if err != nil {
		return nil, err
	}
	res := &Result{Source: StarterSource, Format: "starter-pack"}
	seen := map[[2]string]bool{}
	for _, r := range rows {
		kind, raw, label, sev, conf, cite := r.f[0], r.f[1], r.f[2], r.f[3], r.f[4], r.f[5]
		bad := func(field, reason string) error {
			return &ParseError{File: "starter/indicators.csv", Line: r.line, Field: field, Reason: reason}
		}
		value, err := starterCanonical(kind, raw)
		if err != nil {
			return nil, bad("value", err.Error())
		}
		c, ok := cites[cite]
		if !ok {
			return nil, bad("citation", fmt.Sprintf("no citation %q in citations.csv", cite))
		}
		if !validSeverity(sev) {
			return nil, bad("severity", "must be one of "+strings.Join(Severities, ", "))
		}
		n, err := strconv.Atoi(conf)
		if err != nil || n < 0 || n > 100 {
			return nil, bad("confidence", "must be a whole number 0-100")
		}
		if label == "" {
			return nil, bad("label", "every entry says what it is")
		}
		if seen[[2]string{kind, value}] {
			return nil, bad("value", "repeated")
		}
		seen[[2]string{kind, value}] = true
		day, _ := time.Parse("2006-01-02", c.Date)
		in := store.Indicator{Kind: kind, Value: value, Label: label, Severity: sev, Confidence: n,
			Source: StarterSource, SourceRef: cite, TLP: "clear"}
		if !c.Accessed {
			in.FirstSeen, in.LastSeen = day, day
		}
		res.Indicators = append(res.Indicators, in)
		res.Entries++
		res.Count("kind:"+kind, 1)
	}
	res.Count("citations", len(cites))
	return res, nil
}

func validSeverity(s string) bool {
	for _, v := range Severities {
		if v == s {
			return true
		}
	}
	return false
}

// LoadStarterPack stores the starter pack, replacing the starter-pack
// source, and returns what was loaded.
func LoadStarterPack(ctx context.Context, st store.Store) (*Result, error) {
	res, err := StarterPack()
	if err != nil {
		return nil, fmt.Errorf("starter pack: %w", err)
	}
	if _, err := Load(ctx, st, []*Result{res}); err != nil {
		return nil, err
	}
	if err := st.PutSyncState(ctx, store.SyncState{URL: starterStateURL, SHA256: StarterDigest()}); err != nil {
		return nil, fmt.Errorf("starter pack: %w", err)
	}
	return res, nil
}

// starterStateURL keys the starter pack's row in the sync state: the
// digest of the pack that was loaded, so a newer binary's pack replaces
// an older one and an unchanged pack is not rewritten on every run.
const starterStateURL = "embedded:starter-pack"

// StarterDigest is the SHA-256 of the embedded pack.
func StarterDigest() string {
	h := sha256.New()
	h.Write(starterIndicators)
	h.Write(starterCitations)
	return hex.EncodeToString(h.Sum(nil))
}

// EnsureStarterPack loads the starter pack when this pack was never loaded
// into the store — on first run, and after an upgrade that changed it — and
// reports whether it did.
func EnsureStarterPack(ctx context.Context, st store.Store) (bool, error) {
	digest := StarterDigest()
	prev, err := st.SyncState(ctx, starterStateURL)
	switch {
	case err == nil && prev.SHA256 == digest:
		return false, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	if _, err := LoadStarterPack(ctx, st); err != nil {
		return false, err
	}
	return true, nil
}
