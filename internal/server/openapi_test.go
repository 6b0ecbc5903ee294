package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/access"
)

// plainEndpoints are served beside the API without credentials.
var plainEndpoints = []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json"}

// oasOperation is what the tests read of an OpenAPI operation.
type oasOperation struct {
	Summary     string                     `json:"summary"`
	Description string                     `json:"description"`
	Permission  *string                    `json:"x-permission"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []oasParameter             `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type oasParameter struct {
	Ref      string          `json:"$ref"`
	Name     string          `json:"name"`
	In       string          `json:"in"`
	Required bool            `json:"required"`
	Schema   json.RawMessage `json:"schema"`
}

// oasDoc is what the tests read of the document.
type oasDoc struct {
	OpenAPI  string                                `json:"openapi"`
	Security []map[string][]string                 `json:"security"`
	Paths    map[string]map[string]json.RawMessage `json:"paths"`
	// ops are the operations by "METHOD path", with their path item's
	// parameters prepended.
	ops        map[string]oasOperation
	Components struct {
		Parameters      map[string]oasParameter `json:"parameters"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
			In     string `json:"in"`
			Name   string `json:"name"`
			Desc   string `json:"description"`
		} `json:"securitySchemes"`
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"schemas"`
	} `json:"components"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func parseOpenAPI(t *testing.T) *oasDoc {
	t.Helper()
	var d oasDoc
	dec := json.NewDecoder(bytes.NewReader(openAPI))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(d.OpenAPI) {
		t.Fatalf("openapi.json is OpenAPI %q, want 3.1.x", d.OpenAPI)
	}
	d.ops = map[string]oasOperation{}
	for path, item := range d.Paths {
		var shared []oasParameter
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				t.Fatalf("%s: parameters: %v", path, err)
			}
		}
		for key, raw := range item {
			if !slices.Contains(httpMethods, key) {
				continue
			}
			var op oasOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			op.Parameters = append(slices.Clone(shared), op.Parameters...)
			d.ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return &d
}

// param resolves a parameter reference.
func (d *oasDoc) param(t *testing.T, p oasParameter) oasParameter {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
	q, found := d.Components.Parameters[name]
	if !ok || !found {
		t.Fatalf("parameter reference %s does not resolve", p.Ref)
	}
	return q
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	d := parseOpenAPI(t)
	rts := (&Server{}).routes()
	var want []string
	for _, rt := range rts {
		// Mux patterns name their wildcards like OpenAPI templates; a
		// "{rest...}" wildcard would not, and has no place in this API.
		if strings.Contains(rt.Pattern, "...}") {
			t.Errorf("route %s %s: a multi-segment wildcard cannot be written as an OpenAPI path", rt.Method, rt.Pattern)
		}
		want = append(want, rt.Method+" "+rt.Pattern)
	}
	want = append(want, plainEndpoints...)
	var got []string
	for k := range d.ops {
		got = append(got, k)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("openapi.json operations differ from the route table (-routes +document):\n%s", diff)
	}

	t.Run("each operation names the permission of its route", func(t *testing.T) {
		for _, rt := range rts {
			op, ok := d.ops[rt.Method+" "+rt.Pattern]
			if !ok {
				continue
			}
			var got access.Permission
			if op.Permission != nil {
				got = access.Permission(*op.Permission)
				if got == "" {
					t.Errorf("%s %s: x-permission is empty; leave it out for a route any principal may call", rt.Method, rt.Pattern)
				}
			}
			if got != rt.Perm {
				t.Errorf("%s %s: x-permission %q, want %q", rt.Method, rt.Pattern, got, rt.Perm)
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("%s %s: security: [] says it needs no credentials, but it does", rt.Method, rt.Pattern)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s %s: 401 is not listed", rt.Method, rt.Pattern)
			}
			if _, ok := op.Responses["429"]; !ok {
				t.Errorf("%s %s: 429 is not listed", rt.Method, rt.Pattern)
			}
			if _, ok := op.Responses["403"]; !ok && (rt.Perm != "" || !safeMethod(rt.Method)) {
				t.Errorf("%s %s: 403 is not listed", rt.Method, rt.Pattern)
			}
		}
	})

	t.Run("plain endpoints need no credentials", func(t *testing.T) {
		for _, k := range plainEndpoints {
			op, ok := d.ops[k]
			if !ok {
				continue
			}
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s: want security: []", k)
			}
			if op.Permission != nil {
				t.Errorf("%s: has x-permission %q, but needs no credentials", k, *op.Permission)
			}
		}
	})

	t.Run("every operation is described and answers", func(t *testing.T) {
		for k, op := range d.ops {
			if strings.TrimSpace(op.Summary) == "" || strings.TrimSpace(op.Description) == "" {
				t.Errorf("%s: needs a summary and a description", k)
			}
			ok := false
			for code := range op.Responses {
				ok = ok || strings.HasPrefix(code, "2")
			}
			if !ok {
				t.Errorf("%s: lists no 2xx response", k)
			}
		}
	})

	t.Run("every path parameter is declared", func(t *testing.T) {
		wildcard := regexp.MustCompile(`\{([^}]+)\}`)
		for k, op := range d.ops {
			path := strings.SplitN(k, " ", 2)[1]
			var inPath []string
			for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			var declared []string
			for _, p := range op.Parameters {
				p = d.param(t, p)
				if len(p.Schema) == 0 {
					t.Errorf("%s: parameter %s has no schema", k, p.Name)
				}
				if p.In != "path" {
					continue
				}
				if !p.Required {
					t.Errorf("%s: path parameter %s must be required", k, p.Name)
				}
				declared = append(declared, p.Name)
			}
			slices.Sort(inPath)
			slices.Sort(declared)
			if diff := cmp.Diff(inPath, declared); diff != "" {
				t.Errorf("%s: path parameters (-template +declared):\n%s", k, diff)
			}
		}
	})

	t.Run("every reference resolves", func(t *testing.T) {
		var doc any
		if err := json.Unmarshal(openAPI, &doc); err != nil {
			t.Fatal(err)
		}
		sc := &schemas{doc: doc.(map[string]any)}
		var walk func(at string, v any)
		walk = func(at string, v any) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					if _, found := sc.lookup(ref); !strings.HasPrefix(ref, "#/") || !found {
						t.Errorf("%s: $ref %s does not resolve", at, ref)
					}
				}
				for k, x := range v {
					walk(at+"/"+pointerEscape(k), x)
				}
			case []any:
				for i, x := range v {
					walk(at+"/"+strconv.Itoa(i), x)
				}
			}
		}
		walk("#", doc)
	})

	t.Run("security schemes are the key and the session cookie", func(t *testing.T) {
		var bearer, cookie bool
		for name, ss := range d.Components.SecuritySchemes {
			switch {
			case ss.Type == "http" && strings.EqualFold(ss.Scheme, "bearer"):
				bearer = true
			case ss.Type == "apiKey" && ss.In == "cookie":
				cookie = true
				if ss.Name != access.SessionCookie {
					t.Errorf("cookie scheme %s names cookie %q, want %q", name, ss.Name, access.SessionCookie)
				}
				if !strings.Contains(ss.Desc, "X-CSRF-Token") {
					t.Errorf("cookie scheme %s does not say unsafe methods need X-CSRF-Token", name)
				}
			}
		}
		if !bearer || !cookie {
			t.Errorf("security schemes: bearer %t, session cookie %t; want both", bearer, cookie)
		}
		if len(d.Security) == 0 {
			t.Error("no default security requirement: operations would read as open")
		}
	})

	t.Run("the error schema is the error body", func(t *testing.T) {
		var want []string
		rt := reflect.TypeFor[apiError]()
		for i := range rt.NumField() {
			want = append(want, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
		}
		var got []string
		for p := range d.Components.Schemas["Error"].Properties {
			got = append(got, p)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("components.schemas.Error properties (-apiError +document):\n%s", diff)
		}
	})
}

func TestOpenAPIIsServed(t *testing.T) {
	srv := New(Config{})
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json: status %d, want 200", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET /openapi.json: Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(w.Body.Bytes(), openAPI) {
		t.Errorf("GET /openapi.json served %d bytes that differ from the embedded document (%d bytes)", w.Body.Len(), len(openAPI))
	}
	if len(openAPI) < 100 {
		t.Errorf("the embedded document is %d bytes: a placeholder, not a description of the API", len(openAPI))
	}
}
