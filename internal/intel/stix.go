package intel

// STIX 2.1 import: STIX Version 2.1, OASIS Standard, 10 June 2021
// (https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html) —
// section 3 (common properties), 4.1 (identity), 4.7 (indicator), 4.13
// (observed-data), 6 (cyber-observable objects), 7.2 (data markings and
// the predefined TLP 1.0 marking definitions), 8 (bundle), 9 (patterning);
// TLP 2.0 markings as published by the OASIS CTI TC in
// cti-stix-common-objects/extension-definition-specifications/tlp-2.0.
//
// What becomes an indicator:
//
//   - An indicator whose pattern_type is "stix" (or absent, as in STIX
//     2.0), for each equality on an identifier property in its pattern
//     (see patternValues). A pattern with nothing ringfence can use is
//     counted "unsupported_pattern" and imports nothing: it is never
//     half-read.
//   - A cyber observable (SCO) in the bundle or embedded in an
//     observed-data object (STIX 2.0), with the lower confidence
//     observableConfidence and severity "low": an observation says the
//     value was seen, not that it is bad. E-mail addresses that appear only
//     as recipients of an e-mail message are skipped: they are the victims.
//
// Other objects are counted ("objects:<type>") and otherwise left as they
// are. The source is "stix:<name of the identity in created_by_ref>";
// objects without created_by_ref belong to the only identity the bundle
// attributes anything to, or else to "stix:<file base name>".

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ringfence/ringfence/internal/store"
)

// Well-known STIX identifiers.
const (
	// stixNamespace is the UUIDv5 namespace STIX 2.1 (section 2.9) fixes
	// for deterministic identifiers of cyber observables.
	stixNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7"
	// tlp2Extension is the extension definition of the TLP 2.0 markings.
	tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	// tlp2Created is the created timestamp of the published TLP 2.0
	// marking definitions; tlp1Created that of the TLP 1.0 ones (section
	// 7.2.1.4).
	tlp2Created = "2022-10-01T00:00:00.000Z"
	tlp1Created = "2017-01-20T00:00:00.000Z"
)

// tlpMarking is a published TLP marking definition.
type tlpMarking struct {
	ID      string
	Level   string // ringfence's TLP value
	Name    string // TLP:…
	Version int    // 1 or 2
}

// tlpMarkings lists the TLP 1.0 definitions predefined by STIX 2.1 section
// 7.2.1.4 and the TLP 2.0 ones of the OASIS extension. TLP 1.0 WHITE is
// TLP 2.0 CLEAR; TLP 1.0 AMBER allowed sharing with clients who need to
// know, which is TLP 2.0 AMBER, not AMBER+STRICT.
var tlpMarkings = []tlpMarking{
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear", "TLP:WHITE", 1},
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", "TLP:GREEN", 1},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber", "TLP:AMBER", 1},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", "TLP:RED", 1},
	{"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear", "TLP:CLEAR", 2},
	{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green", "TLP:GREEN", 2},
	{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber", "TLP:AMBER", 2},
	{"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict", "TLP:AMBER+STRICT", 2},
	{"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red", "TLP:RED", 2},
}

// tlpRank orders TLP levels from the least to the most restrictive; when
// an object carries several markings the most restrictive wins.
var tlpRank = map[string]int{"clear": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}

// tlpLevel reads a TLP name as written in markings and tags: "white",
// "TLP:AMBER+STRICT", "amber", … It returns "" for anything else.
func tlpLevel(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	s = strings.TrimPrefix(s, "tlp-")
	switch s {
	case "white", "clear":
		return "clear"
	case "green", "amber", "amber+strict", "red":
		return s
	case "amber-strict", "amber strict":
		return "amber+strict"
	}
	return ""
}

func stricterTLP(a, b string) string {
	if a == "" || tlpRank[b] > tlpRank[a] {
		return b
	}
	return a
}

// Confidence and severity given to what a STIX source does not grade.
const (
	// stixDefaultConfidence is used when an indicator has no confidence
	// property: STIX leaves it unspecified, 50 is the middle of its scale.
	stixDefaultConfidence = 50
	// observableConfidence is given to cyber observables: they record
	// what was seen, which may include innocent parties.
	observableConfidence = 30
)

// maxSTIXObjectBytes bounds one object of a bundle.
const maxSTIXObjectBytes = 16 << 20

// stixObject holds the properties ringfence reads from any STIX object;
// the rest stays in the raw JSON.
type stixObject struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	SpecVersion       string          `json:"spec_version"`
	Created           string          `json:"created"`
	Modified          string          `json:"modified"`
	CreatedByRef      string          `json:"created_by_ref"`
	Revoked           bool            `json:"revoked"`
	Labels            []string        `json:"labels"`
	Confidence        *int            `json:"confidence"`
	ObjectMarkingRefs []string        `json:"object_marking_refs"`
	Name              string          `json:"name"`
	Description       string          `json:"description"`
	IndicatorTypes    []string        `json:"indicator_types"`
	Pattern           string          `json:"pattern"`
	PatternType       string          `json:"pattern_type"`
	ValidFrom         string          `json:"valid_from"`
	ValidUntil        string          `json:"valid_until"`
	DefinitionType    string          `json:"definition_type"`
	Definition        json.RawMessage `json:"definition"`
	Extensions        map[string]json.RawMessage
	ObjectRefs        []string                   `json:"object_refs"`
	Objects           map[string]json.RawMessage `json:"objects"` // observed-data, STIX 2.0
	// E-mail messages, for telling senders from recipients.
	FromRef   string   `json:"from_ref"`
	SenderRef string   `json:"sender_ref"`
	ToRefs    []string `json:"to_refs"`
	CcRefs    []string `json:"cc_refs"`
	BccRefs   []string `json:"bcc_refs"`
}

// scoProps returns the string-valued top-level properties of an object,
// which is all an observable's identifiers need.
func scoProps(raw json.RawMessage) map[string]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	props := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
			props[k] = s
		}
	}
	return props
}

// STIXObject is one object of a bundle as read: its type, id and JSON as
// written. Objects of types ringfence does not use are kept as they are.
type STIXObject struct {
	Type string
	ID   string
	Raw  json.RawMessage
}

// ReadSTIX reads a STIX bundle, or a single STIX object, from r and calls
// fn with each object in order. The objects of a bundle are streamed: a
// bundle is never held in memory as a whole.
func ReadSTIX(ctx context.Context, r io.Reader, file string, fn func(STIXObject) error) error {
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	fail := func(field, format string, args ...any) error {
		return &ParseError{File: file, Line: lc.lineAt(dec), Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	jsonFail := func(field string, err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(field, "the JSON ends early")
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			return err
		}
		return fail(field, "not valid JSON: %v", err)
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonFail("", err)
	}
	if tok != json.Delim('{') {
		return fail("", "a STIX bundle or object is a JSON object")
	}
	fields := map[string]json.RawMessage{}
	streamed := false
	n := 0
	emit := func(raw json.RawMessage) error {
		field := fmt.Sprintf("objects[%d]", n)
		if len(raw) > maxSTIXObjectBytes {
			return fail(field, "object larger than %d bytes", maxSTIXObjectBytes)
		}
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if len(raw) == 0 || raw[0] != '{' {
			return fail(field, "a STIX object is a JSON object")
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fail(field, "type and id must be strings: %v", err)
		}
		if head.Type == "" {
			return fail(field, "object without a type")
		}
		if head.ID != "" {
			field += " (" + head.ID + ")"
		}
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(STIXObject{Type: head.Type, ID: head.ID, Raw: raw}); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && pe.Line == 0 {
				pe.Line, pe.File = lc.lineAt(dec)-bytes.Count(raw, []byte{'\n'}), file
				if pe.Field == "" {
					pe.Field = field
				}
			}
			return err
		}
		return nil
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return jsonFail("", err)
		}
		key, _ := kt.(string)
		if key != "objects" {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return jsonFail(key, err)
			}
			fields[key] = v
			continue
		}
		t, err := dec.Token()
		if err != nil {
			return jsonFail("objects", err)
		}
		switch t {
		case json.Delim('['):
			streamed = true
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return jsonFail(fmt.Sprintf("objects[%d]", n), err)
				}
				if err := emit(raw); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return jsonFail("objects", err)
			}
		case json.Delim('{'):
			// An observed-data object's embedded objects (STIX 2.0).
			m := map[string]json.RawMessage{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return jsonFail("objects", err)
				}
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					return jsonFail("objects", err)
				}
				ks, _ := k.(string)
				m[ks] = v
			}
			if _, err := dec.Token(); err != nil {
				return jsonFail("objects", err)
			}
			b, _ := json.Marshal(m)
			fields["objects"] = b
		default:
			b, _ := json.Marshal(t)
			fields["objects"] = b
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonFail("", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail("", "more data after the JSON object")
	}
	var typ string
	if err := json.Unmarshal(fields["type"], &typ); err != nil || typ == "" {
		return fail("type", "not a STIX bundle or object: no type")
	}
	if typ == "bundle" {
		return nil
	}
	if streamed {
		return fail("objects", "only a bundle has a list of objects; this is a %q", typ)
	}
	b, _ := json.Marshal(fields)
	return emit(b)
}

// lineCounter counts the lines read through it, so that errors can name a
// line without the input being kept.
type lineCounter struct {
	r     io.Reader
	lines int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.lines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}

// lineAt returns the line the decoder has reached: the lines read, less
// those still in the decoder's buffer.
func (c *lineCounter) lineAt(dec *json.Decoder) int {
	rest, _ := io.ReadAll(dec.Buffered())
	return c.lines - bytes.Count(rest, []byte{'\n'}) + 1
}

// stixCandidate is an indicator or observable read from a bundle, kept
// until the identities and markings it refers to are known.
type stixCandidate struct {
	id, objType   string
	modified      time.Time
	revoked       bool
	benign        bool
	createdBy     string
	markings      []string
	observable    bool
	parent        string // the observed-data that embeds or refers to it
	values        []patternValue
	unsupported   string // the count to add when values is empty
	partial       bool
	label         string
	severity      string
	confidence    int
	first, last   time.Time
	until         time.Time
	warnings      []string
	recipientOnly bool
}

type stixParent struct {
	createdBy  string
	markings   []string
	confidence *int
}

type stixImport struct {
	file       string
	identities map[string]string // id → name
	identMod   map[string]time.Time
	markings   map[string]string // id → TLP level, "" for a non-TLP marking
	cands      []*stixCandidate
	byID       map[string]int
	parents    map[string]stixParent // SCO id → the observed-data referring to it
	recipients map[string]bool
	senders    map[string]bool
	creators   map[string]bool
	objCounts  map[[2]string]int // {created_by_ref, type} → objects
}

// ParseSTIX reads a STIX 2.1 bundle (or one STIX object) and returns one
// Result per source, sorted by source name.
func ParseSTIX(ctx context.Context, r io.Reader, file string) ([]*Result, error) {
	im := &stixImport{
		file:       file,
		identities: map[string]string{},
		identMod:   map[string]time.Time{},
		markings:   map[string]string{},
		byID:       map[string]int{},
		parents:    map[string]stixParent{},
		recipients: map[string]bool{},
		senders:    map[string]bool{},
		creators:   map[string]bool{},
		objCounts:  map[[2]string]int{},
	}
	if err := ReadSTIX(ctx, r, file, im.object); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return im.results(), nil
}

func (im *stixImport) object(o STIXObject) error {
	var obj stixObject
	if err := json.Unmarshal(o.Raw, &obj); err != nil {
		return &ParseError{Reason: "a property has the wrong JSON type: " + jsonTypeReason(err)}
	}
	if obj.CreatedByRef != "" {
		im.creators[obj.CreatedByRef] = true
	}
	im.objCounts[[2]string{obj.CreatedByRef, obj.Type}]++
	switch {
	case obj.Type == "identity":
		mod := parseSTIXTime(obj.Modified)
		if prev, ok := im.identMod[obj.ID]; !ok || !mod.Before(prev) {
			im.identities[obj.ID] = strings.Join(strings.Fields(obj.Name), " ")
			im.identMod[obj.ID] = mod
		}
	case obj.Type == "marking-definition":
		im.markings[obj.ID] = markingLevel(obj)
	case obj.Type == "indicator":
		im.add(indicatorCandidate(obj))
	case obj.Type == "observed-data":
		for _, ref := range obj.ObjectRefs {
			im.parents[ref] = stixParent{obj.CreatedByRef, obj.ObjectMarkingRefs, obj.Confidence}
		}
		// STIX 2.0 embeds the observables, keyed "0", "1", …, with
		// references between them by key.
		keys := make([]string, 0, len(obj.Objects))
		for k := range obj.Objects {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			raw := obj.Objects[k]
			var sub stixObject
			if json.Unmarshal(raw, &sub) != nil || sub.Type == "" {
				continue
			}
			subID := obj.ID + "/" + k
			sub.ID = subID
			prefix := obj.ID + "/"
			im.noteEmail(sub, prefix)
			c := observableCandidate(sub, scoProps(raw))
			if c == nil {
				continue
			}
			c.parent = obj.ID
			c.createdBy = obj.CreatedByRef
			if len(c.markings) == 0 {
				c.markings = obj.ObjectMarkingRefs
			}
			c.confidence = parentConfidence(obj.Confidence)
			c.modified = parseSTIXTime(obj.Modified)
			c.first, c.last = parseSTIXTime(obj.Created), parseSTIXTime(obj.Modified)
			im.add(c)
		}
	case obj.Type == "email-message":
		im.noteEmail(obj, "")
	case isObservableType(obj.Type):
		im.add(observableCandidate(obj, scoProps(o.Raw)))
	}
	return nil
}

// noteEmail records which e-mail address objects an e-mail message names
// as its sender and which as its recipients. Embedded (STIX 2.0) objects
// refer to each other by key; prefix turns a key into the id used here.
func (im *stixImport) noteEmail(obj stixObject, prefix string) {
	if obj.Type != "email-message" {
		return
	}
	for _, ref := range []string{obj.FromRef, obj.SenderRef} {
		if ref != "" {
			im.senders[prefix+ref] = true
		}
	}
	for _, refs := range [][]string{obj.ToRefs, obj.CcRefs, obj.BccRefs} {
		for _, ref := range refs {
			im.recipients[prefix+ref] = true
		}
	}
}

func parentConfidence(c *int) int {
	if c != nil && *c >= 0 && *c < observableConfidence {
		return *c
	}
	return observableConfidence
}

// add keeps the newest version of each object (STIX 2.1 section 3.6: the
// version with the latest modified time is the current one).
func (im *stixImport) add(c *stixCandidate) {
	if c == nil {
		return
	}
	if i, ok := im.byID[c.id]; ok && c.id != "" {
		if c.modified.Before(im.cands[i].modified) {
			return
		}
		im.cands[i] = c
		return
	}
	im.byID[c.id] = len(im.cands)
	im.cands = append(im.cands, c)
}

func jsonTypeReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s, expected %s", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

// markingLevel returns the TLP level a marking definition stands for, or
// "" when it is another kind of marking (a statement, PAP, …).
func markingLevel(obj stixObject) string {
	for _, m := range tlpMarkings {
		if m.ID == obj.ID {
			return m.Level
		}
	}
	if raw, ok := obj.Extensions[tlp2Extension]; ok {
		var ext struct {
			TLP string `json:"tlp_2_0"`
		}
		if json.Unmarshal(raw, &ext) == nil {
			return tlpLevel(ext.TLP)
		}
	}
	if strings.EqualFold(obj.DefinitionType, "tlp") {
		var def struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(obj.Definition, &def) == nil {
			return tlpLevel(def.TLP)
		}
	}
	return ""
}

func parseSTIXTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// indicatorCandidate reads an indicator object.
func indicatorCandidate(obj stixObject) *stixCandidate {
	c := &stixCandidate{
		id: obj.ID, objType: obj.Type,
		modified:   parseSTIXTime(obj.Modified),
		revoked:    obj.Revoked,
		createdBy:  obj.CreatedByRef,
		markings:   obj.ObjectMarkingRefs,
		confidence: stixDefaultConfidence,
		label:      stixLabel(obj),
		severity:   stixSeverity(obj),
		first:      parseSTIXTime(obj.ValidFrom),
		until:      parseSTIXTime(obj.ValidUntil),
	}
	c.last = c.modified
	if c.last.IsZero() {
		c.last = parseSTIXTime(obj.Created)
	}
	for _, f := range []struct{ name, v string }{{"valid_from", obj.ValidFrom}, {"valid_until", obj.ValidUntil}} {
		if f.v != "" && parseSTIXTime(f.v).IsZero() {
			c.warnings = append(c.warnings, fmt.Sprintf("%s: %s %q is not an RFC 3339 timestamp; ignored", obj.ID, f.name, f.v))
		}
	}
	if obj.Confidence != nil {
		c.confidence = min(max(*obj.Confidence, 0), 100)
	}
	for _, t := range slices.Concat(obj.IndicatorTypes, obj.Labels) {
		if strings.EqualFold(t, "benign") {
			c.benign = true
		}
	}
	pt := strings.ToLower(obj.PatternType)
	if pt == "" && obj.SpecVersion != "2.1" {
		pt = "stix" // STIX 2.0 had only STIX patterns
	}
	if pt != "stix" {
		c.unsupported = "unsupported_pattern_type:" + pt
		return c
	}
	p, err := ParsePattern(obj.Pattern)
	if err != nil {
		c.unsupported = "invalid_pattern"
		c.warnings = append(c.warnings, fmt.Sprintf("%s: %v", obj.ID, err))
		return c
	}
	ex := patternValues(p)
	c.values = ex.vals
	c.partial = !ex.ok
	c.unsupported = "unsupported_pattern"
	return c
}

// stixLabel is what an analyst reads for why a value is listed: the
// indicator's name, else its description, else its labels.
func stixLabel(obj stixObject) string {
	if s := strings.TrimSpace(obj.Name); s != "" {
		return s
	}
	if s := strings.TrimSpace(obj.Description); s != "" {
		s, _, _ = strings.Cut(s, "\n")
		return truncateText(s, 300)
	}
	var ls []string
	for _, l := range obj.Labels {
		if !strings.HasPrefix(l, "severity:") {
			ls = append(ls, l)
		}
	}
	return strings.Join(ls, ", ")
}

// truncateText cuts s to at most n bytes on a character boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// stixSeverity reads a "severity:<level>" label (ringfence's exports carry
// one, since STIX has no severity property), else grades by indicator type.
func stixSeverity(obj stixObject) string {
	for _, l := range obj.Labels {
		if s, ok := strings.CutPrefix(l, "severity:"); ok && slices.Contains(Severities, s) {
			return s
		}
	}
	for _, t := range slices.Concat(obj.IndicatorTypes, obj.Labels) {
		switch strings.ToLower(t) {
		case "malicious-activity", "attribution", "compromised":
			return "high"
		}
	}
	return "medium"
}

// isObservableType reports whether objects of type t can carry an
// identifier ringfence screens for.
func isObservableType(t string) bool {
	if strings.HasPrefix(t, ringfenceTypePrefix) {
		return true
	}
	_, ok := scoAliases[t]
	return ok
}

// observableCandidate reads the identifiers of a cyber observable; props
// are its string properties.
func observableCandidate(obj stixObject, props map[string]string) *stixCandidate {
	typ := obj.Type
	if !isObservableType(typ) || typ == "email-message" {
		return nil
	}
	c := &stixCandidate{
		id: obj.ID, objType: typ, observable: true,
		modified:   parseSTIXTime(obj.Modified),
		revoked:    obj.Revoked,
		createdBy:  obj.CreatedByRef,
		markings:   obj.ObjectMarkingRefs,
		confidence: observableConfidence,
		severity:   "low",
	}
	canon := scoAliases[typ]
	if strings.HasPrefix(typ, ringfenceTypePrefix) {
		canon = typ
	}
	quals := map[string]string{}
	for _, q := range scoQualifiers[canon] {
		if v, ok := props[q]; ok {
			quals[q] = v
		}
	}
	props2 := slices.Sorted(func(yield func(string) bool) {
		for k := range props {
			if !yield(k) {
				return
			}
		}
	})
	for _, prop := range props2 {
		if kind, raw, ok := scoIdentifier(typ, prop, props[prop], quals); ok {
			c.values = append(c.values, patternValue{kind, raw})
		}
	}
	c.unsupported = "unsupported_observable:" + typ
	return c
}

// results attributes every candidate to its source, resolves markings and
// builds the indicators.
func (im *stixImport) results() []*Result {
	def := im.defaultSource()
	bySource := map[string]*stixResult{}
	get := func(source string) *stixResult {
		sr := bySource[source]
		if sr == nil {
			sr = &stixResult{res: &Result{Source: source, Format: "stix-2.1"}}
			sr.b = NewBuilder(sr.res, defaultSTIXIndicator())
			bySource[source] = sr
		}
		return sr
	}
	sourceOf := func(createdBy string) string {
		if createdBy == "" {
			return def
		}
		name := im.identities[createdBy]
		if name == "" {
			return "stix:" + createdBy
		}
		return "stix:" + name
	}
	// Indicators first, so that an observable repeating an indicator's
	// value in the same source is recognised as a duplicate.
	ordered := make([]*stixCandidate, 0, len(im.cands))
	for _, c := range im.cands {
		if !c.observable {
			ordered = append(ordered, c)
		}
	}
	for _, c := range im.cands {
		if c.observable {
			ordered = append(ordered, c)
		}
	}
	have := map[[3]string]bool{} // source, kind, canonical value
	for _, c := range ordered {
		createdBy, markings, conf := c.createdBy, c.markings, c.confidence
		if p, ok := im.parents[c.id]; ok && c.observable {
			if createdBy == "" {
				createdBy = p.createdBy
			}
			if len(markings) == 0 {
				markings = p.markings
			}
			conf = min(conf, parentConfidence(p.confidence))
		}
		sr := get(sourceOf(createdBy))
		res := sr.res
		for _, w := range c.warnings {
			res.Warn("%s", w)
		}
		switch {
		case c.revoked:
			res.Count("revoked", 1)
			continue
		case c.benign:
			res.Count("skipped:benign", 1)
			continue
		case c.observable && c.objType == "email-addr" && im.recipients[c.id] && !im.senders[c.id]:
			res.Count("skipped:email_recipient", 1)
			continue
		case len(c.values) == 0:
			res.Count(c.unsupported, 1)
			continue
		}
		if c.partial {
			res.Count("partly_unsupported_pattern", 1)
		}
		if c.observable {
			res.Count("observables", 1)
		} else {
			res.Count("indicators", 1)
		}
		tlp := im.resolveTLP(res, c.id, markings)
		for _, v := range c.values {
			if c.observable {
				if canon, err := Canonical(v.kind, v.raw); err == nil && have[[3]string{res.Source, v.kind, canon}] {
					res.Count("duplicate_observables", 1)
					continue
				}
			}
			in, ok := sr.b.Add(v.kind, v.raw, c.id, func(in *store.Indicator) {
				if c.label != "" {
					in.Label = c.label
				}
				in.Severity = c.severity
				in.Confidence = conf
				in.TLP = tlp
				in.FirstSeen, in.LastSeen, in.ValidUntil = c.first, c.last, c.until
			})
			if ok {
				have[[3]string{res.Source, in.Kind, in.Value}] = true
			}
		}
	}
	if len(bySource) == 0 {
		get(def)
	}
	out := make([]*Result, 0, len(bySource))
	for _, sr := range bySource {
		out = append(out, sr.res)
	}
	slices.SortFunc(out, func(a, b *Result) int { return strings.Compare(a.Source, b.Source) })
	// Objects are counted with their creator's source. A source that
	// contributed no indicator or observable gets no Result of its own
	// (loading an empty one would wipe what it had): its objects are
	// counted with the default source, or the first one.
	for k, n := range im.objCounts {
		sr := bySource[sourceOf(k[0])]
		if sr == nil {
			sr = bySource[def]
		}
		res := out[0]
		if sr != nil {
			res = sr.res
		}
		res.Count("objects:"+k[1], n)
		res.Entries += n
	}
	return out
}

type stixResult struct {
	res *Result
	b   *Builder
}

func defaultSTIXIndicator() store.Indicator {
	return store.Indicator{Severity: "medium", Confidence: stixDefaultConfidence, TLP: "clear"}
}

// defaultSource is the source of objects without created_by_ref: the one
// identity the bundle attributes objects to, when there is exactly one,
// else the file's base name.
func (im *stixImport) defaultSource() string {
	if len(im.creators) == 1 {
		for id := range im.creators {
			if name := im.identities[id]; name != "" {
				return "stix:" + name
			}
			return "stix:" + id
		}
	}
	base := filepath.Base(im.file)
	for _, ext := range []string{".gz", ".bz2", ".zip", ".json", ".stix"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." || base == "/" {
		base = "bundle"
	}
	return "stix:" + base
}

// resolveTLP turns marking references into a TLP level: the most
// restrictive TLP marking wins; a reference to a marking that is neither
// a known TLP definition nor a non-TLP definition in the bundle may be a
// restriction ringfence cannot read, so it counts as TLP:AMBER (with a
// warning) rather than being ignored. No marking at all is TLP:CLEAR.
func (im *stixImport) resolveTLP(res *Result, id string, refs []string) string {
	level := ""
	for _, ref := range refs {
		l, ok := im.markings[ref]
		if !ok {
			for _, m := range tlpMarkings {
				if m.ID == ref {
					l, ok = m.Level, true
				}
			}
		}
		switch {
		case !ok:
			res.Count("unknown_marking", 1)
			res.Warn("%s: marking %s is not defined in the bundle nor a TLP marking; treated as TLP:AMBER", id, ref)
			level = stricterTLP(level, "amber")
		case l != "":
			level = stricterTLP(level, l)
		}
	}
	if level == "" {
		return "clear"
	}
	return level
}
