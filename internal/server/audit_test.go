package server

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
)

// The audit log reads newest first with a cursor, the way people look at it.
func TestAuditNewestFirstWithCursor(t *testing.T) {
	s := newStack(t)
	s.seed(t, "audited-1")
	for range 3 {
		s.must(t, http.StatusOK, "GET", "/v1/subjects/audited-1", s.keys[store.RoleViewer], "", nil)
	}
	type page struct {
		Events []struct {
			ID     int64
			Action string
		}
	}
	var first page
	s.must(t, http.StatusOK, "GET", "/v1/audit?order=newest&limit=2&object=subject:audited-1", s.keys[store.RoleAnalyst], "", &first)
	if len(first.Events) != 2 || first.Events[0].ID <= first.Events[1].ID || first.Events[0].Action != "subject.read" {
		t.Fatalf("newest page: %+v", first.Events)
	}
	var next page
	s.must(t, http.StatusOK, "GET", fmt.Sprintf("/v1/audit?order=newest&limit=100&object=subject:audited-1&before=%d",
		first.Events[1].ID), s.keys[store.RoleAnalyst], "", &next)
	if len(next.Events) == 0 || next.Events[0].ID >= first.Events[1].ID {
		t.Errorf("next page: %+v", next.Events)
	}
	if e := decodeError(t, s.call(t, "GET", "/v1/audit?order=sideways", s.keys[store.RoleAnalyst], "")); e.Field != "order" {
		t.Errorf("bad order: field %q", e.Field)
	}
}
