package taxiitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/taxii"
)

func testAccept(t *testing.T, e *env) {
	e.post(t, orgA, shared.ID, indicator("accept", "accept@example.net", taxii.MarkingTLP2Green))
	paths := []string{"/taxii2/", "/api/", "/api/collections/", collPath(shared.ID) + "objects/", collPath(shared.ID) + "manifest/"}
	for _, accept := range []string{
		taxii.MediaType,
		"application/taxii+json",
		"application/taxii+json; version=2.1",
		"*/*",
		"application/*",
		"text/html, application/taxii+json;version=2.1;q=0.9",
	} {
		for _, path := range paths {
			resp, body := e.request(t, orgA, http.MethodGet, path, nil, nil, map[string]string{"Accept": accept})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with Accept %q: status %d, want 200: %s", path, accept, resp.StatusCode, body)
			}
			checkMediaType(t, resp)
		}
	}
	for _, accept := range []string{
		"application/json",
		"text/html",
		"application/taxii+json;version=2.0",
		"application/stix+json;version=2.1",
		"application/taxii+json;version=2.1;q=0",
	} {
		for _, path := range paths {
			resp, body := e.request(t, orgA, http.MethodGet, path, nil, nil, map[string]string{"Accept": accept})
			wantError(t, resp, body, http.StatusNotAcceptable)
		}
	}
}

func testContentType(t *testing.T, e *env) {
	body := func(name string) []byte {
		return mustJSON(taxii.Envelope{Objects: []json.RawMessage{indicator(name, name+"@example.net", taxii.MarkingTLP2Green)}})
	}
	for i, ct := range []string{
		"application/taxii+json; version=2.1",
		"application/taxii+json;charset=utf-8;version=2.1",
		"application/taxii+json; version=2.1; charset=utf-8",
		"Application/TAXII+JSON; Version=2.1",
	} {
		resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, body("ct-ok-"+string(rune('a'+i))), map[string]string{"Content-Type": ct})
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("POST with Content-Type %q: status %d, want 202: %s", ct, resp.StatusCode, data)
		}
	}
	for _, ct := range []string{
		"", "application/json", "application/stix+json;version=2.1", "application/taxii+json;version=2.0",
		"application/taxii+json", "text/plain", "application/taxii+json;version=",
	} {
		resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, body("ct-bad"), map[string]string{"Content-Type": ct})
		wantError(t, resp, data, http.StatusUnsupportedMediaType)
	}
	if got := len(e.objects(t, orgA, shared.ID, nil)); got != 4 {
		t.Errorf("%d objects stored, want the 4 posted with a TAXII Content-Type", got)
	}
}

func testBadRequests(t *testing.T, e *env) {
	for _, body := range []string{"", "{", "[]", "null", `"objects"`, `{"objects": 5}`, `{"objects": {"type": "indicator"}}`, `{"objects": [1, 2]`, `{"objects": []} trailing`} {
		resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, []byte(body), nil)
		wantError(t, resp, data, http.StatusBadRequest)
	}
	e.post(t, orgA, shared.ID, indicator("bad-params", "params@example.net", taxii.MarkingTLP2Green))
	id := indicatorID("bad-params")
	for _, tc := range []struct {
		path string
		q    []string
	}{
		{"objects/", []string{"limit", "0"}},
		{"objects/", []string{"limit", "-3"}},
		{"objects/", []string{"limit", "ten"}},
		{"objects/", []string{"added_after", "yesterday"}},
		{"objects/", []string{"added_after", "2026-03-02"}},
		{"objects/", []string{"match[version]", "newest"}},
		{"objects/", []string{"next", "not-a-cursor"}},
		{"objects/", []string{"next", "eyJ2IjoxfQ"}},
		{"manifest/", []string{"limit", "0"}},
		{"objects/" + id + "/", []string{"match[version]", "latest"}},
		{"objects/" + id + "/versions/", []string{"added_after", "soon"}},
	} {
		resp, data := e.request(t, orgA, http.MethodGet, collPath(shared.ID)+tc.path, values(tc.q...), nil, nil)
		wantError(t, resp, data, http.StatusBadRequest)
	}
	// An empty envelope is a post of nothing.
	resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, []byte(`{}`), nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST {}: status %d, want 202: %s", resp.StatusCode, data)
	}
}

func testTooLarge(t *testing.T, e *env) {
	pad := strings.Repeat(" ", maxContentLength)
	body := []byte(`{"objects": []` + pad + `}`)
	resp, data := e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, body, nil)
	wantError(t, resp, data, http.StatusRequestEntityTooLarge)

	// Without a Content-Length the server stops reading at the bound.
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.srv.URL+collPath(shared.ID)+"objects/", io.MultiReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", taxii.MediaType)
	req.Header.Set("Accept", taxii.MediaType)
	req.SetBasicAuth(orgA.user, orgA.pass)
	r2, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Body.Close()
	data, _ = io.ReadAll(r2.Body)
	wantError(t, r2, data, http.StatusRequestEntityTooLarge)

	// Just under the bound is fine.
	body = []byte(`{"objects": []` + pad[:maxContentLength-len(`{"objects": []}`)] + `}`)
	resp, data = e.request(t, orgA, http.MethodPost, collPath(shared.ID)+"objects/", nil, body, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST of max_content_length bytes: status %d, want 202: %s", resp.StatusCode, data)
	}
}
