package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// scoTypes are the STIX 2.1 cyber-observable types: no created or modified,
// and spec_version optional (2.1 when absent).
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true,
	"ipv6-addr": true, "mac-addr": true, "mutex": true, "network-traffic": true,
	"process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true,
}

const markingDefinition = "marking-definition"

// errEnvelope is wrapped by what parseEnvelope returns for a body that is
// not a TAXII envelope at all.
var errEnvelope = errors.New("not a TAXII envelope")

// parseEnvelope reads the body of a POST to a collection's objects: a JSON
// object whose "objects" is an array. It returns the valid objects and,
// for each invalid one, a failure naming the field at fault, in the order
// of the envelope; an error only when the body itself is no envelope.
// maxObject bounds the size of one object in bytes.
func parseEnvelope(body []byte, maxObject int) ([]Object, []StatusDetail, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, nil, fmt.Errorf("%w: the body must be a JSON object", errEnvelope)
	}
	var env struct {
		Objects json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errEnvelope, err)
	}
	var raws []json.RawMessage
	if len(env.Objects) > 0 && string(env.Objects) != "null" {
		if env.Objects[0] != '[' {
			return nil, nil, fmt.Errorf("%w: objects must be an array", errEnvelope)
		}
		if err := json.Unmarshal(env.Objects, &raws); err != nil {
			return nil, nil, fmt.Errorf("%w: objects: %v", errEnvelope, err)
		}
	}
	var objs []Object
	var failures []StatusDetail
	for i, raw := range raws {
		o, err := parseObject(raw, maxObject)
		if err != nil {
			id, version := identify(raw)
			failures = append(failures, StatusDetail{ID: id, Version: version, Message: fmt.Sprintf("objects[%d]: %v", i, err)})
			continue
		}
		objs = append(objs, o)
	}
	resolveCustomMarkings(objs)
	return objs, failures, nil
}

// resolveCustomMarkings gives objects marked with marking definitions
// other than the predefined TLP ones their TLP: a TLP marking definition
// of the same envelope (TLP 1.0 "definition_type": "tlp" or the TLP 2.0
// extension) counts at its level (an unknown level as RED), and a
// statement marking counts for nothing. A reference the envelope does not
// resolve is ignored beside a predefined TLP marking (a terms-of-use
// statement posted earlier), and makes an object that has none TLP:AMBER,
// as ringfence's importer reads it: the server cannot tell what the
// marking restricts, so it keeps the object from guests rather than
// serving it as CLEAR.
func resolveCustomMarkings(objs []Object) {
	custom := map[string]string{} // id -> level, "" for a statement
	for _, o := range objs {
		if o.Type != markingDefinition {
			continue
		}
		var md struct {
			DefinitionType string `json:"definition_type"`
			Definition     struct {
				TLP string `json:"tlp"`
			} `json:"definition"`
			Extensions map[string]struct {
				TLP string `json:"tlp_2_0"`
			} `json:"extensions"`
		}
		if json.Unmarshal(o.Raw, &md) != nil {
			continue
		}
		level := ""
		switch {
		case md.DefinitionType == "tlp":
			level = tlpLevelName(md.Definition.TLP)
		case md.Extensions[TLP2Extension].TLP != "":
			level = tlpLevelName(md.Extensions[TLP2Extension].TLP)
		case md.DefinitionType == "statement":
		default:
			level = TLPRed
		}
		custom[o.ID] = level
	}
	for i := range objs {
		var m struct {
			Refs []string `json:"object_marking_refs"`
		}
		_ = json.Unmarshal(objs[i].Raw, &m)
		hadTLP := objs[i].TLP != ""
		for _, ref := range m.Refs {
			if _, known := markingTLP[ref]; known {
				continue
			}
			level, ok := custom[ref]
			if !ok && !hadTLP {
				level = TLPAmber
			}
			if tlpRank[level] > tlpRank[objs[i].TLP] {
				objs[i].TLP = level
			}
		}
	}
}

// tlpLevelName reads a TLP level as marking definitions write it ("white",
// "amber+strict", "TLP:RED"); an unknown one is RED.
func tlpLevelName(s string) string {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "tlp:")
	switch s {
	case "white", "clear":
		return TLPClear
	case TLPGreen, TLPAmber, TLPAmberStrict, TLPRed:
		return s
	}
	return TLPRed
}

// identify returns the id and modified of an object for a failure, as far
// as they can be read.
func identify(raw json.RawMessage) (id, version string) {
	var head struct {
		ID       any `json:"id"`
		Modified any `json:"modified"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return "", ""
	}
	id, _ = head.ID.(string)
	version, _ = head.Modified.(string)
	if len(id) > 300 {
		id = id[:300]
	}
	if len(version) > 64 {
		version = version[:64]
	}
	return id, version
}

// parseObject checks one STIX object, minimally and by hand: a JSON object
// no larger than maxObject with a type, an id of that type, spec_version
// 2.1 (a marking definition may be 2.0), created and modified timestamps
// unless it is a cyber-observable, and well-formed markings.
func parseObject(raw json.RawMessage, maxObject int) (Object, error) {
	if len(raw) > maxObject {
		return Object{}, fmt.Errorf("object is %d bytes, more than the %d allowed", len(raw), maxObject)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Object{}, errors.New("not a JSON object")
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil {
		return Object{}, fmt.Errorf("not a JSON object: %v", err)
	}
	typ, err := stringField(f, "type", true)
	if err != nil {
		return Object{}, err
	}
	if !validType(typ) {
		return Object{}, fmt.Errorf("type %q: want 3 to 250 lowercase letters, digits and hyphens", typ)
	}
	id, err := stringField(f, "id", true)
	if err != nil {
		return Object{}, err
	}
	if rest, ok := strings.CutPrefix(id, typ+"--"); !ok || !validUUID(rest) {
		return Object{}, fmt.Errorf("id %q: want %s--<uuid>", truncate(id, 100), typ)
	}
	o := Object{ID: id, Type: typ}

	sv, err := stringField(f, "spec_version", false)
	if err != nil {
		return Object{}, err
	}
	switch {
	case typ == markingDefinition && sv == "":
		o.SpecVersion = "2.0"
	case typ == markingDefinition && (sv == "2.0" || sv == "2.1"):
		o.SpecVersion = sv
	case scoTypes[typ] && sv == "":
		o.SpecVersion = "2.1"
	case sv == "2.1":
		o.SpecVersion = sv
	case sv == "":
		return Object{}, errors.New("missing spec_version: want \"2.1\"")
	default:
		return Object{}, fmt.Errorf("spec_version %q: want \"2.1\"", truncate(sv, 20))
	}

	switch {
	case typ == markingDefinition:
		created, err := timeField(f, "created", true)
		if err != nil {
			return Object{}, err
		}
		o.Modified = created
	case scoTypes[typ]:
		// Cyber-observables are not versioned: the id is the object.
	default:
		created, err := timeField(f, "created", true)
		if err != nil {
			return Object{}, err
		}
		modified, err := timeField(f, "modified", true)
		if err != nil {
			return Object{}, err
		}
		if modified.Before(created) {
			return Object{}, errors.New("modified is before created")
		}
		o.Modified = modified
	}

	refs, err := markingRefs(f)
	if err != nil {
		return Object{}, err
	}
	o.TLP = TLPOfMarkings(refs...)

	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return Object{}, fmt.Errorf("not a JSON object: %v", err)
	}
	o.Raw = buf.Bytes()
	return o, nil
}

// markingRefs returns the marking-definition ids an object's
// object_marking_refs and granular_markings name. Granular TLP markings
// count for the whole object: withholding a whole object is the only way a
// server can honour a marking on part of it.
func markingRefs(f map[string]json.RawMessage) ([]string, error) {
	var refs []string
	if raw, ok := f["object_marking_refs"]; ok {
		if err := json.Unmarshal(raw, &refs); err != nil || raw[0] != '[' {
			return nil, errors.New("object_marking_refs: want an array of marking-definition ids")
		}
	}
	if raw, ok := f["granular_markings"]; ok {
		var gms []struct {
			MarkingRef *string `json:"marking_ref"`
		}
		if err := json.Unmarshal(raw, &gms); err != nil || raw[0] != '[' {
			return nil, errors.New("granular_markings: want an array of granular markings")
		}
		for _, g := range gms {
			if g.MarkingRef != nil {
				refs = append(refs, *g.MarkingRef)
			}
		}
	}
	return refs, nil
}

// stringField returns f[name] when it is a string; a missing field is an
// error when required, else "".
func stringField(f map[string]json.RawMessage, name string, required bool) (string, error) {
	raw, ok := f[name]
	if !ok {
		if required {
			return "", fmt.Errorf("missing %s", name)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: want a string", name)
	}
	return s, nil
}

// timeField returns f[name] as a STIX timestamp: RFC 3339 in UTC with a Z.
func timeField(f map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	s, err := stringField(f, name, required)
	if err != nil || s == "" && !required {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 timestamp in UTC, like 2026-03-02T10:00:00.000Z", name, truncate(s, 40))
	}
	return t.UTC(), nil
}

// validType reports whether s is a STIX type name: lowercase letters,
// digits and hyphens, 3 to 250 of them.
func validType(s string) bool {
	if len(s) < 3 || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validUUID reports whether s is an RFC 4122 UUID of version 1 to 5, as
// STIX identifiers need.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return s[14] >= '1' && s[14] <= '5' && strings.IndexByte("89abAB", s[19]) >= 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
