package taxii

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
 "created":"2026-03-02T09:00:00.000Z","modified":"2026-03-02T10:30:00.123Z","name":"persona e-mail",
 "indicator_types":["malicious-activity"],"pattern":"[email-addr:value = 'kim.dev@example.net']",
 "pattern_type":"stix","valid_from":"2026-03-02T09:00:00Z",
 "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`

func TestParseObject(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want Object // without Raw
	}{
		{"an indicator is versioned by modified and marked green", testIndicator, Object{
			ID: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Type: "indicator", SpecVersion: "2.1",
			Modified: time.Date(2026, 3, 2, 10, 30, 0, 123e6, time.UTC), TLP: TLPGreen,
		}},
		{"a STIX 2.0 marking definition is versioned by created", `{"type":"marking-definition","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"amber"}}`, Object{
			ID: MarkingTLPAmber, Type: "marking-definition", SpecVersion: "2.0", Modified: time.Date(2017, 1, 20, 0, 0, 0, 0, time.UTC),
		}},
		{"a cyber-observable has no version of its own", `{"type":"email-addr","id":"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3","value":"kim.dev@example.net"}`, Object{
			ID: "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3", Type: "email-addr", SpecVersion: "2.1",
		}},
		{"a granular red marking makes the object red", `{"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-03-02T09:00:00Z","modified":"2026-03-02T09:00:00Z","content":"x","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],"granular_markings":[{"marking_ref":"` + MarkingTLP2Red + `","selectors":["content"]}]}`, Object{
			ID: "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", Type: "note", SpecVersion: "2.1",
			Modified: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), TLP: TLPRed,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseObject(json.RawMessage(tt.raw), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			json.Compact(&compact, []byte(tt.raw))
			if !bytes.Equal(got.Raw, compact.Bytes()) {
				t.Errorf("Raw = %s, want the object compacted", got.Raw)
			}
			got.Raw = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseObject (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseObjectRejects(t *testing.T) {
	edit := func(old, new string) string { return strings.Replace(testIndicator, old, new, 1) }
	tests := []struct {
		name    string
		raw     string
		mention string
	}{
		{"a number is not an object", `7`, "JSON object"},
		{"null is not an object", `null`, "JSON object"},
		{"the type is required", edit(`"type":"indicator",`, ""), "missing type"},
		{"the type is lowercase", edit(`"type":"indicator"`, `"type":"Indicator"`), "type"},
		{"the type is not too short", edit(`"type":"indicator"`, `"type":"in"`), "type"},
		{"the type is a string", edit(`"type":"indicator"`, `"type":7`), "type"},
		{"the id names the type", edit(`"id":"indicator--`, `"id":"malware--`), "id"},
		{"the id holds a UUID", edit(`8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f`, `8e2e2d2b-17d4-4cbf-938f`), "id"},
		{"the UUID has an RFC 4122 variant", edit(`938f-98ee`, `c38f-98ee`), "id"},
		{"spec_version is 2.1", edit(`"spec_version":"2.1"`, `"spec_version":"2.0"`), "spec_version"},
		{"spec_version is required of an SDO", edit(`"spec_version":"2.1",`, ""), "spec_version"},
		{"created is required", edit(`"created":"2026-03-02T09:00:00.000Z",`, ""), "created"},
		{"modified is a timestamp", edit(`"modified":"2026-03-02T10:30:00.123Z"`, `"modified":"2026-03-02"`), "modified"},
		{"modified is in UTC", edit(`"modified":"2026-03-02T10:30:00.123Z"`, `"modified":"2026-03-02T10:30:00.123+01:00"`), "modified"},
		{"modified is not before created", edit(`"modified":"2026-03-02T10:30:00.123Z"`, `"modified":"2026-03-01T10:30:00.123Z"`), "before created"},
		{"object_marking_refs is an array", edit(`["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`, `"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"`), "object_marking_refs"},
		{"granular_markings is an array", edit(`"object_marking_refs"`, `"granular_markings":{},"x"`), "granular_markings"},
		{"an object is bounded", edit(`"name":"persona e-mail"`, `"name":"`+strings.Repeat("x", 2000)+`"`), "bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseObject(json.RawMessage(tt.raw), 1500)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("parseObject: error %v, want one naming %q", err, tt.mention)
			}
		})
	}
}

func TestParseEnvelope(t *testing.T) {
	body := `{"objects":[` + testIndicator + `, 42, {"type":"indicator","id":"indicator--bad"}]}`
	objs, failures, err := parseEnvelope([]byte(body), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
		t.Errorf("objects %+v, want the one valid indicator", objs)
	}
	want := []StatusDetail{
		{Message: "objects[1]: not a JSON object"},
		{ID: "indicator--bad", Message: `objects[2]: id "indicator--bad": want indicator--<uuid>`},
	}
	if diff := cmp.Diff(want, failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "[]", "{", `{"objects":5}`, `{"objects":[1,]}`, "null"} {
		if _, _, err := parseEnvelope([]byte(bad), 1<<20); err == nil {
			t.Errorf("parseEnvelope(%q): no error", bad)
		}
	}
	for _, empty := range []string{"{}", `{"objects":null}`, `{"objects":[]}`, `{"more":false}`} {
		objs, failures, err := parseEnvelope([]byte(empty), 1<<20)
		if err != nil || len(objs)+len(failures) != 0 {
			t.Errorf("parseEnvelope(%q) = %v, %v, %v; want nothing", empty, objs, failures, err)
		}
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`{"objects":[` + testIndicator + `]}`))
	f.Add([]byte(`{"objects":[{"type":"marking-definition","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"amber"}}]}`))
	f.Add([]byte(`{"objects":[{"type":"email-addr","id":"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3","value":"a@example.net"}, 1, null, "x", []]}`))
	f.Add([]byte(`{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-03-02T09:00:00Z","modified":"2026-03-02T09:00:00Z","granular_markings":[{"marking_ref":null}],"object_marking_refs":[]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"objects":`))
	f.Fuzz(func(t *testing.T, body []byte) {
		objs, failures, err := parseEnvelope(body, 4096)
		if err != nil {
			if len(objs)+len(failures) != 0 {
				t.Fatal("an error with results")
			}
			return
		}
		for _, o := range objs {
			if !json.Valid(o.Raw) || len(o.Raw) > 4096 {
				t.Fatalf("accepted object is not bounded JSON: %q", o.Raw)
			}
			// Parsing the stored form again gives the same object.
			again, err := parseObject(o.Raw, 4096)
			if err != nil {
				t.Fatalf("stored form %s does not parse again: %v", o.Raw, err)
			}
			if diff := cmp.Diff(o, again); diff != "" {
				t.Fatalf("parse is not idempotent (-first +again):\n%s", diff)
			}
			if !strings.HasPrefix(o.ID, o.Type+"--") || !validType(o.Type) {
				t.Fatalf("accepted id %q of type %q", o.ID, o.Type)
			}
			if _, ok := tlpRank[o.TLP]; !ok && o.TLP != "" {
				t.Fatalf("TLP %q", o.TLP)
			}
		}
		for _, f := range failures {
			if f.Message == "" {
				t.Fatal("a failure without a message")
			}
		}
	})
}
