package taxiitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemas validates STIX 2.1 objects against the OASIS JSON schemas, read
// from a local copy: every schema file is added under its own $id, and the
// loader refuses whatever else a schema might refer to, so nothing is
// fetched.
type schemas struct {
	mu       sync.Mutex
	c        *jsonschema.Compiler
	ids      map[string]string // STIX type → $id of its schema
	compiled map[string]*jsonschema.Schema
	checked  int // objects validated
}

// refuseLoader fetches nothing.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not among the local STIX schemas; nothing is fetched", url)
}

// loadSchemas reads every schema under dir (common, sdos, sros,
// observables). An error wrapping fs.ErrNotExist means the copy is missing.
func loadSchemas(dir string) (*schemas, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	s := &schemas{c: jsonschema.NewCompiler(), ids: map[string]string{}, compiled: map[string]*jsonschema.Schema{}}
	s.c.UseLoader(refuseLoader{})
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		m, _ := doc.(map[string]any)
		id, _ := m["$id"].(string)
		if id == "" {
			return fmt.Errorf("%s: no $id", path)
		}
		if err := s.c.AddResource(id, doc); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		// A type's schema is the file named after it: sdos/indicator.json,
		// common/marking-definition.json, observables/email-addr.json.
		s.ids[strings.TrimSuffix(filepath.Base(path), ".json")] = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := s.ids["indicator"]; !ok {
		return nil, fmt.Errorf("%s holds no sdos/indicator.json: %w", dir, fs.ErrNotExist)
	}
	return s, nil
}

// check validates one object against its type's schema. Objects of
// another STIX version than 2.1 are not checked: the schemas are 2.1's.
func (s *schemas) check(raw json.RawMessage) error {
	var head struct {
		Type        string `json:"type"`
		SpecVersion string `json:"spec_version"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("served object is not JSON: %v", err)
	}
	if head.SpecVersion != "2.1" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sch, ok := s.compiled[head.Type]
	if !ok {
		id, known := s.ids[head.Type]
		if !known {
			return fmt.Errorf("no STIX 2.1 schema for type %q", head.Type)
		}
		var err error
		if sch, err = s.c.Compile(id); err != nil {
			return fmt.Errorf("compile %s: %v", id, err)
		}
		s.compiled[head.Type] = sch
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	s.checked++
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("%s does not validate against the STIX 2.1 schema of %s: %v", raw, head.Type, err)
	}
	return nil
}

func (s *schemas) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checked
}
