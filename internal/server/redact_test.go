package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
)

// An ingest key screens what it sends and learns the verdict, but not who
// else in the store holds the phone or account it sent: otherwise a program
// could enumerate the store one value at a time.
func TestIngestKeysDoNotLearnStoredSubjectIDs(t *testing.T) {
	s := newStack(t)
	phone := `"phones":["+1 202 555 0143"]`
	s.must(t, http.StatusOK, "POST", "/v1/screen?store=true", s.keys[store.RoleAdmin], record("stored-7", phone), nil)
	probe := record("probe-1", phone)
	for _, c := range []struct {
		role  string
		names bool
	}{{store.RoleIngest, false}, {store.RoleAnalyst, true}} {
		var v screenResponse
		s.must(t, http.StatusOK, "POST", "/v1/screen", s.keys[c.role], probe, &v)
		linked := false
		for _, h := range v.Hits {
			if strings.Contains(h.Source, "store") && h.Attribute == "phones[0]" {
				linked = true
				if got := strings.Contains(h.Matched, "stored-7"); got != c.names {
					t.Errorf("%s: matched %q; names the stored subject: %t, want %t", c.role, h.Matched, got, c.names)
				}
			}
		}
		if !linked {
			t.Errorf("%s: no store link on the shared phone: %+v", c.role, v.Hits)
		}
		if strings.Contains(s.call(t, "POST", "/v1/screen", s.keys[c.role], probe).Body.String(), "stored-7") != c.names {
			t.Errorf("%s: the reply's mention of stored-7 is not as expected", c.role)
		}
	}
}
