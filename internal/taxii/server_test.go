package taxii

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAcceptable(t *testing.T) {
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, true},
		{[]string{""}, true},
		{[]string{"application/taxii+json;version=2.1"}, true},
		{[]string{"application/taxii+json"}, true},
		{[]string{"application/taxii+json; version=2.1"}, true},
		{[]string{"*/*"}, true},
		{[]string{"application/*"}, true},
		{[]string{"text/html, */*;q=0.1"}, true},
		{[]string{"text/html", "application/taxii+json"}, true},
		{[]string{"application/json"}, false},
		{[]string{"application/taxii+json;version=2.0"}, false},
		{[]string{"application/stix+json;version=2.1"}, false},
		{[]string{"application/taxii+json;q=0"}, false},
		{[]string{"*/*;q=0"}, false},
		{[]string{"garbage;;;"}, false},
	}
	for _, tt := range tests {
		if got := acceptable(tt.accept); got != tt.want {
			t.Errorf("acceptable(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestIsTAXIIContent(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/taxii+json;version=2.1":                 true,
		"application/taxii+json; version=2.1":                true,
		"application/taxii+json; charset=utf-8; version=2.1": true,
		"APPLICATION/TAXII+JSON;VERSION=2.1":                 true,
		"application/taxii+json":                             false,
		"application/taxii+json;version=2.0":                 false,
		"application/json":                                   false,
		"":                                                   false,
	} {
		if got := isTAXIIContent(ct); got != want {
			t.Errorf("isTAXIIContent(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestErrorJSON(t *testing.T) {
	data, err := json.Marshal(&Error{HTTPStatus: 403, Title: "Forbidden", Description: "you may not read collection c"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), `{"title":"Forbidden","description":"you may not read collection c","http_status":"403"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	for _, in := range []string{`{"title":"Forbidden","http_status":"403"}`, `{"title":"Forbidden","http_status":403}`} {
		var e Error
		if err := json.Unmarshal([]byte(in), &e); err != nil || e.HTTPStatus != 403 || e.Title != "Forbidden" {
			t.Errorf("Unmarshal(%s) = %+v, %v", in, e, err)
		}
	}
}

func TestNewUUID(t *testing.T) {
	a, b := newUUID(), newUUID()
	if a == b || !validUUID(a) || a[14] != '4' {
		t.Errorf("newUUID gave %s and %s, want two version 4 UUIDs", a, b)
	}
}

// Wrong credentials are 401; a failure to check them is the server's.
func TestAuthenticateFailuresAreNotUnauthorised(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("bad key: %w", ErrUnauthenticated), http.StatusUnauthorized},
		{errors.New("database is closed"), http.StatusInternalServerError},
	} {
		srv := NewServer(NewMemoryBackend(), ServerOptions{Authenticate: func(*http.Request) (Principal, error) { return Principal{}, tc.err }})
		r := httptest.NewRequest(http.MethodGet, DiscoveryPath, nil)
		r.Header.Set("Accept", MediaType)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("Authenticate error %q: status %d, want %d", tc.err, w.Code, tc.want)
		}
	}
}
