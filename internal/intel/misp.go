package intel

// MISP import: event JSON as MISP exports it (MISP core format,
// https://www.misp-project.org/datamodels/ and the IETF draft
// draft-dulaunoy-misp-core-format) and feeds as MISP publishes them (a
// folder with manifest.json, listing events by uuid, and one <uuid>.json
// per event).
//
// Attribute types map to indicator kinds as in mispKinds; everything else
// is counted "unsupported:<type>". Decisions worth knowing:
//
//   - "link" is usually a reference to a report rather than an indicator:
//     it is imported as a url only when to_ids is set.
//   - A bank account number ("bank-account-nr") identifies an account only
//     with its routing number ("aba-rtn" in the same bank-account object),
//     and a passport number only with its issuing country
//     ("passport-country" in the same passport object); alone they are
//     skipped.
//   - to_ids set means the producer vouches for the value as an indicator:
//     confidence mispIDSConfidence, else mispContextConfidence.
//   - TLP comes from tlp: tags (the event's and the attribute's, the most
//     restrictive wins). Without one, from the distribution level:
//     0 "your organisation only" is amber+strict (TLP 2.0's "organisation
//     only"), 4 "sharing group" (a named set of organisations) amber, 1–3
//     (community, connected and all communities) green, and a missing
//     level amber, to err on the side of not sharing.
//   - Severity follows the event's threat level: 1 high, 2 medium, 3 low,
//     4 (undefined) medium.
//   - The source is "misp:<name of the creating organisation (Orgc)>".

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// Confidence given to MISP attributes with and without the to_ids flag.
const (
	mispIDSConfidence     = 80
	mispContextConfidence = 40
)

// mispKinds maps MISP attribute types to indicator kinds. Types with a
// special reading (composites, wallets, accounts, documents) are handled
// in mispValues.
var mispKinds = map[string]string{
	"email": "email", "email-src": "email", "email-dst": "email", "email-reply-to": "email",
	"whois-registrant-email": "email",
	"domain":                 "domain", "hostname": "domain",
	"url":    "url",
	"ip-src": "ip", "ip-dst": "ip",
	"phone-number": "phone", "whois-registrant-phone": "phone",
	"iban": "bank_account",
	"bic":  KindSWIFT,
}

// mispChains are MISP's cryptocurrency attribute types and their chains.
var mispChains = map[string]string{"btc": "btc", "xmr": "xmr", "dash": "dash"}

// mispContextRelations are object attributes that only qualify others in
// the same object; they are not counted as unsupported.
var mispContextRelations = map[string]bool{"symbol": true, "aba-rtn": true, "passport-country": true}

// flexString reads a JSON string or number; MISP writes ids, levels and
// timestamps as either.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a string or a number, found %s", truncateText(string(b), 20))
	}
	*f = flexString(n.String())
	return nil
}

// flexBool reads a JSON boolean, or 0/1 as a number or string.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("expected a boolean, found %s", truncateText(string(b), 20))
	}
	return nil
}

type mispTag struct {
	Name string `json:"name"`
}

type mispOrg struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type mispAttribute struct {
	ID             flexString `json:"id"`
	UUID           string     `json:"uuid"`
	Type           string     `json:"type"`
	Category       string     `json:"category"`
	Value          string     `json:"value"`
	Comment        string     `json:"comment"`
	ObjectRelation string     `json:"object_relation"`
	ToIDs          flexBool   `json:"to_ids"`
	Deleted        flexBool   `json:"deleted"`
	Distribution   flexString `json:"distribution"`
	Timestamp      flexString `json:"timestamp"`
	FirstSeen      string     `json:"first_seen"`
	LastSeen       string     `json:"last_seen"`
	Tag            []mispTag  `json:"Tag"`
}

type mispObject struct {
	Name         string          `json:"name"`
	UUID         string          `json:"uuid"`
	Deleted      flexBool        `json:"deleted"`
	Distribution flexString      `json:"distribution"`
	Comment      string          `json:"comment"`
	Attribute    []mispAttribute `json:"Attribute"`
}

type mispEvent struct {
	UUID          string          `json:"uuid"`
	Info          string          `json:"info"`
	Date          string          `json:"date"`
	Timestamp     flexString      `json:"timestamp"`
	ThreatLevelID flexString      `json:"threat_level_id"`
	Distribution  flexString      `json:"distribution"`
	Orgc          mispOrg         `json:"Orgc"`
	Org           mispOrg         `json:"Org"`
	Tag           []mispTag       `json:"Tag"`
	Attribute     []mispAttribute `json:"Attribute"`
	Object        []mispObject    `json:"Object"`
}

type mispWrapper struct {
	Event *mispEvent `json:"Event"`
}

// ParseMISP reads one MISP event ({"Event": {…}}), a list of them, or a
// REST search response ({"response": [{"Event": …}, …]}), and returns one
// Result per creating organisation, sorted by source.
func ParseMISP(ctx context.Context, r io.Reader, file string) ([]*Result, error) {
	events, err := decodeMISP(r, file)
	if err != nil {
		return nil, err
	}
	col := newMISPCollector("misp-event", file)
	for _, ev := range events {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		col.event(ev)
	}
	return col.results(), nil
}

// ParseMISPFeed reads a MISP feed: manifest.json, then each event file it
// lists. A listed event that is missing or malformed fails the whole feed,
// so that a broken download never replaces a good one.
func ParseMISPFeed(ctx context.Context, fsys fs.FS) ([]*Result, error) {
	mf, err := fsys.Open("manifest.json")
	if err != nil {
		return nil, &ParseError{File: "manifest.json", Reason: "a MISP feed needs manifest.json: " + err.Error()}
	}
	var manifest map[string]json.RawMessage
	err = json.NewDecoder(mf).Decode(&manifest)
	mf.Close()
	if err != nil {
		return nil, &ParseError{File: "manifest.json", Reason: "not a MISP manifest (an object keyed by event uuid): " + jsonTypeReason(err)}
	}
	uuids := make([]string, 0, len(manifest))
	for u := range manifest {
		uuids = append(uuids, u)
	}
	slices.Sort(uuids)
	col := newMISPCollector("misp-feed", "manifest.json")
	for _, u := range uuids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := u + ".json"
		if !mispUUID.MatchString(u) || !fs.ValidPath(name) {
			return nil, &ParseError{File: "manifest.json", Field: u, Reason: "not an event uuid"}
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil, &ParseError{File: name, Reason: "event listed in manifest.json is missing: " + err.Error()}
		}
		events, err := decodeMISP(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			if ev.UUID != "" && !strings.EqualFold(ev.UUID, u) {
				col.warnFor(ev, "%s: event uuid %s differs from its manifest entry %s", name, ev.UUID, u)
			}
			col.event(ev)
		}
	}
	return col.results(), nil
}

var mispUUID = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// decodeMISP reads the events of a MISP JSON document.
func decodeMISP(r io.Reader, file string) ([]*mispEvent, error) {
	br := bufio.NewReader(r)
	first := byte(0)
	for {
		b, err := br.ReadByte()
		if err != nil {
			return nil, &ParseError{File: file, Reason: "empty: not a MISP event"}
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' && b != 0xEF && b != 0xBB && b != 0xBF {
			first = b
			br.UnreadByte()
			break
		}
	}
	lc := &lineCounter{r: br}
	dec := json.NewDecoder(lc)
	fail := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &ParseError{File: file, Line: lc.lineAt(dec), Reason: "the JSON ends early"}
		}
		return &ParseError{File: file, Line: lc.lineAt(dec), Reason: "not a MISP event: " + jsonTypeReason(err)}
	}
	var wrappers []mispWrapper
	switch first {
	case '[':
		if err := dec.Decode(&wrappers); err != nil {
			return nil, fail(err)
		}
	case '{':
		var top struct {
			Event     *mispEvent      `json:"Event"`
			Response  []mispWrapper   `json:"response"`
			Attribute []mispAttribute `json:"Attribute"`
			Info      *string         `json:"info"`
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fail(err)
		}
		if err := json.Unmarshal(raw, &top); err != nil {
			return nil, fail(err)
		}
		switch {
		case top.Event != nil:
			wrappers = []mispWrapper{{top.Event}}
		case top.Response != nil:
			wrappers = top.Response
		case top.Attribute != nil || top.Info != nil:
			// A bare event, as some tools write it.
			var ev mispEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fail(err)
			}
			wrappers = []mispWrapper{{&ev}}
		default:
			return nil, &ParseError{File: file, Reason: `not a MISP event: no "Event", "response" or "Attribute"`}
		}
	default:
		return nil, &ParseError{File: file, Line: 1, Reason: "not a MISP event: not a JSON object or list"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{File: file, Line: lc.lineAt(dec), Reason: "more data after the JSON value"}
	}
	events := make([]*mispEvent, 0, len(wrappers))
	for i, w := range wrappers {
		if w.Event == nil {
			return nil, &ParseError{File: file, Field: fmt.Sprintf("[%d]", i), Reason: `an element without "Event"`}
		}
		events = append(events, w.Event)
	}
	return events, nil
}

// mispCollector gathers indicators per source across events.
type mispCollector struct {
	format, file string
	sources      map[string]*stixResult
}

func newMISPCollector(format, file string) *mispCollector {
	return &mispCollector{format: format, file: file, sources: map[string]*stixResult{}}
}

func (c *mispCollector) sourceOf(ev *mispEvent) string {
	org := strings.Join(strings.Fields(cmp.Or(ev.Orgc.Name, ev.Org.Name)), " ")
	if org == "" {
		base := strings.TrimSuffix(filepath.Base(c.file), ".json")
		return "misp:" + base
	}
	return "misp:" + org
}

func (c *mispCollector) get(source string) *stixResult {
	sr := c.sources[source]
	if sr == nil {
		sr = &stixResult{res: &Result{Source: source, Format: c.format}}
		sr.b = NewBuilder(sr.res, store.Indicator{Severity: "medium", Confidence: mispContextConfidence, TLP: "amber"})
		c.sources[source] = sr
	}
	return sr
}

func (c *mispCollector) warnFor(ev *mispEvent, format string, args ...any) {
	c.get(c.sourceOf(ev)).res.Warn(format, args...)
}

func (c *mispCollector) results() []*Result {
	if len(c.sources) == 0 {
		c.get("misp:" + strings.TrimSuffix(filepath.Base(c.file), ".json"))
	}
	out := make([]*Result, 0, len(c.sources))
	for _, sr := range c.sources {
		out = append(out, sr.res)
	}
	slices.SortFunc(out, func(a, b *Result) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// event adds the indicators of one event.
func (c *mispCollector) event(ev *mispEvent) {
	sr := c.get(c.sourceOf(ev))
	res := sr.res
	res.Count("events", 1)
	evTLP := tagsTLP(ev.Tag)
	severity := map[string]string{"1": "high", "2": "medium", "3": "low"}[string(ev.ThreatLevelID)]
	if severity == "" {
		severity = "medium"
	}
	first := parseMISPDate(ev.Date)
	last := parseEpoch(string(ev.Timestamp))
	info := strings.TrimSpace(ev.Info)

	add := func(a mispAttribute, objDist flexString, ctxAttrs map[string]string) {
		res.Entries++
		res.Count("attributes", 1)
		if a.Deleted {
			res.Count("deleted", 1)
			return
		}
		if mispContextRelations[a.ObjectRelation] && ctxAttrs != nil {
			return
		}
		vals, skip := mispValues(a, ctxAttrs)
		if skip != "" {
			res.Count(skip, 1)
			return
		}
		tlp := stricterTLP(evTLP, tagsTLP(a.Tag))
		if tlp == "" {
			dist := string(a.Distribution)
			if dist == "" || dist == "5" {
				dist = string(objDist)
			}
			if dist == "" || dist == "5" {
				dist = string(ev.Distribution)
			}
			tlp = distributionTLP(dist)
		}
		ref := a.UUID
		if ref == "" {
			ref = ev.UUID + "/" + string(a.ID)
		}
		label := info
		if cm := strings.TrimSpace(a.Comment); cm != "" {
			if label != "" {
				label += " — "
			}
			label += cm
		}
		label = truncateText(label, 300)
		conf := mispContextConfidence
		if a.ToIDs {
			conf = mispIDSConfidence
			res.Count("to_ids", 1)
		}
		aFirst, aLast := first, last
		if t := parseSTIXTime(a.FirstSeen); !t.IsZero() {
			aFirst = t
		}
		if t := parseSTIXTime(a.LastSeen); !t.IsZero() {
			aLast = t
		} else if t := parseEpoch(string(a.Timestamp)); !t.IsZero() {
			aLast = t
		}
		if aLast.Before(aFirst) {
			aLast = aFirst
		}
		for _, v := range vals {
			sr.b.Add(v.kind, v.raw, ref, func(in *store.Indicator) {
				if label != "" {
					in.Label = label
				}
				in.Severity, in.Confidence, in.TLP = severity, conf, tlp
				in.FirstSeen, in.LastSeen = aFirst, aLast
			})
		}
	}
	for _, a := range ev.Attribute {
		add(a, "", nil)
	}
	for _, o := range ev.Object {
		if o.Deleted {
			res.Count("deleted_objects", 1)
			res.Entries += len(o.Attribute)
			res.Count("attributes", len(o.Attribute))
			continue
		}
		ctxAttrs := map[string]string{}
		for _, a := range o.Attribute {
			if mispContextRelations[a.ObjectRelation] && !bool(a.Deleted) {
				ctxAttrs[a.ObjectRelation] = strings.TrimSpace(a.Value)
			}
		}
		for _, a := range o.Attribute {
			add(a, o.Distribution, ctxAttrs)
		}
	}
}

// mispValues returns the identifiers of an attribute, or the count to add
// when it has none ringfence uses. ctxAttrs holds the qualifying
// attributes of its object, nil for an attribute outside objects.
func mispValues(a mispAttribute, ctxAttrs map[string]string) ([]patternValue, string) {
	v := strings.TrimSpace(a.Value)
	t := strings.ToLower(a.Type)
	if kind, ok := mispKinds[t]; ok {
		return []patternValue{{kind, v}}, ""
	}
	if chain, ok := mispChains[t]; ok {
		if sym := ctxAttrs["symbol"]; sym != "" {
			chain = sym
		}
		return []patternValue{{"wallet", walletRaw(v, chain)}}, ""
	}
	switch t {
	case "ip-src|port", "ip-dst|port":
		i := strings.LastIndexByte(v, '|')
		if i < 0 {
			return []patternValue{{"ip", v}}, ""
		}
		return []patternValue{{"ip", v[:i]}}, ""
	case "domain|ip":
		d, ip, _ := strings.Cut(v, "|")
		out := []patternValue{{"domain", d}}
		if ip != "" {
			out = append(out, patternValue{"ip", ip})
		}
		return out, ""
	case "hostname|port":
		h, _, _ := strings.Cut(v, "|")
		return []patternValue{{"domain", h}}, ""
	case "link":
		if !a.ToIDs {
			return nil, "skipped:link"
		}
		return []patternValue{{"url", v}}, ""
	case "github-username":
		return []patternValue{{"url", "github:" + strings.TrimPrefix(v, "@")}}, ""
	case "bank-account-nr":
		if rtn := ctxAttrs["aba-rtn"]; rtn != "" {
			return []patternValue{{"bank_account", rtn + ":" + v}}, ""
		}
		return nil, "skipped:bank-account-nr"
	case "passport-number":
		if cc := ctxAttrs["passport-country"]; cc != "" {
			return []patternValue{{"id_document", "passport:" + cc + ":" + v}}, ""
		}
		return nil, "skipped:passport-number"
	}
	return nil, "unsupported:" + t
}

// tagsTLP returns the most restrictive tlp: tag, or "".
func tagsTLP(tags []mispTag) string {
	level := ""
	for _, t := range tags {
		name := strings.ToLower(strings.TrimSpace(t.Name))
		if !strings.HasPrefix(name, "tlp:") {
			continue
		}
		if name == "tlp:ex:chr" {
			level = stricterTLP(level, "red") // "Chatham House Rule": no attribution, treated as red
			continue
		}
		if l := tlpLevel(name); l != "" {
			level = stricterTLP(level, l)
		}
	}
	return level
}

// distributionTLP maps a MISP distribution level to TLP; see the file
// comment for why.
func distributionTLP(d string) string {
	switch d {
	case "0":
		return "amber+strict"
	case "1", "2", "3":
		return "green"
	}
	return "amber"
}

func parseMISPDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t
}

func parseEpoch(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
