package taxii_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringfence/ringfence/internal/taxii"
)

// otherServer is a TAXII 2.1 server unlike ours: relative API root URLs,
// pages by added_after only (more without next), numeric http_status,
// statuses that stay pending for a while.
type otherServer struct {
	t       *testing.T
	dates   []time.Time // date_added of object i
	polls   atomic.Int32
	pending int32 // polls before a status completes; -1 never
	auth    string
}

func (s *otherServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.auth = r.Header.Get("Authorization")
	if r.Header.Get("Accept") != taxii.MediaType {
		s.t.Errorf("%s %s: Accept %q", r.Method, r.URL.Path, r.Header.Get("Accept"))
	}
	w.Header().Set("Content-Type", "application/taxii+json; version=2.1")
	switch {
	case r.URL.Path == "/taxii2/":
		fmt.Fprint(w, `{"title":"Other","api_roots":["/feeds/"]}`)
	case r.URL.Path == "/feeds/":
		fmt.Fprint(w, `{"title":"Feeds","versions":["application/taxii+json;version=2.1"],"max_content_length":1000}`)
	case r.URL.Path == "/feeds/collections/":
		fmt.Fprint(w, `{"collections":[{"id":"c1","title":"One","can_read":true,"can_write":false}]}`)
	case r.URL.Path == "/feeds/collections/secret/objects/":
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"title":"No","description":"not for you","http_status":403}`)
	case r.URL.Path == "/feeds/collections/broken/objects/":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, `<html>bad gateway</html>`)
	case r.URL.Path == "/feeds/collections/loop/objects/":
		fmt.Fprint(w, `{"more":true,"next":"same","objects":[{"id":"x--1"}]}`)
	case r.URL.Path == "/feeds/collections/c1/objects/" && r.Method == http.MethodGet:
		s.objects(w, r)
	case r.URL.Path == "/feeds/collections/c1/objects/" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id":"s1","status":"pending","total_count":1,"success_count":0,"failure_count":0,"pending_count":1}`)
	case r.URL.Path == "/feeds/status/s1/":
		if n := s.polls.Add(1); s.pending < 0 || n <= s.pending {
			fmt.Fprint(w, `{"id":"s1","status":"pending","total_count":1,"success_count":0,"failure_count":0,"pending_count":1}`)
			return
		}
		fmt.Fprint(w, `{"id":"s1","status":"complete","total_count":1,"success_count":1,"successes":[{"id":"indicator--1","version":"2026-03-02T09:00:00.000Z"}],"failure_count":0,"pending_count":0}`)
	default:
		http.NotFound(w, r)
	}
}

// objects pages by added_after, two at a time, and never gives next.
func (s *otherServer) objects(w http.ResponseWriter, r *http.Request) {
	var after time.Time
	if a := r.URL.Query().Get("added_after"); a != "" {
		var err error
		if after, err = taxii.ParseTime(a); err != nil {
			s.t.Errorf("added_after %q: %v", a, err)
		}
	}
	if r.URL.Query().Get("next") != "" {
		s.t.Error("the client sent next where the server gave none")
	}
	var page []string
	var last time.Time
	more := false
	for i, d := range s.dates {
		if !d.After(after) {
			continue
		}
		if len(page) == 2 {
			more = true
			break
		}
		page = append(page, fmt.Sprintf(`{"id":"indicator--%d"}`, i))
		last = d
	}
	if len(page) > 0 {
		w.Header().Set(taxii.HeaderDateAddedLast, last.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(w, `{"more":%v,"objects":[%s]}`, more, strings.Join(page, ","))
}

func TestClientAgainstAnotherServer(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := &otherServer{t: t, pending: 2}
	for i := range 5 {
		s.dates = append(s.dates, t0.Add(time.Duration(i)*time.Second))
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := &taxii.Client{BaseURL: srv.URL + "/taxii2/", HTTP: srv.Client(), APIKey: "k1", PollInterval: time.Millisecond}

	t.Run("a relative API root is resolved against discovery", func(t *testing.T) {
		colls, err := c.Collections(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(colls) != 1 || colls[0].ID != "c1" || !colls[0].CanRead {
			t.Errorf("collections %+v", colls)
		}
		if s.auth != "Bearer k1" {
			t.Errorf("Authorization %q, want the API key as a bearer token", s.auth)
		}
		a, err := c.APIRoot(t.Context(), "/feeds")
		if err != nil || a.MaxContentLength != 1000 {
			t.Errorf("APIRoot(/feeds) = %+v, %v", a, err)
		}
	})

	t.Run("more without next falls back to added_after", func(t *testing.T) {
		var got []string
		last, err := c.Objects(t.Context(), "", "c1", taxii.ClientQuery{}, func(objs []json.RawMessage) error {
			for _, o := range objs {
				var head struct{ ID string }
				json.Unmarshal(o, &head)
				got = append(got, head.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"indicator--0", "indicator--1", "indicator--2", "indicator--3", "indicator--4"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("objects (-want +got):\n%s", diff)
		}
		if !last.Equal(s.dates[4]) {
			t.Errorf("last date added %v, want %v", last, s.dates[4])
		}
	})

	t.Run("an error from the callback stops the reading", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		_, err := c.Objects(t.Context(), "", "c1", taxii.ClientQuery{}, func([]json.RawMessage) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("error %v after %d calls, want stop after 1", err, calls)
		}
	})

	t.Run("a server repeating next is an error, not a loop", func(t *testing.T) {
		_, err := c.Objects(t.Context(), "", "loop", taxii.ClientQuery{}, func([]json.RawMessage) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "same next") {
			t.Errorf("error %v, want one about the same next", err)
		}
	})

	t.Run("errors carry the HTTP status and the TAXII title", func(t *testing.T) {
		for _, tc := range []struct {
			coll  string
			code  int
			title string
		}{
			{"secret", 403, "No"},
			{"broken", 502, "Bad Gateway"},
		} {
			_, err := c.Objects(t.Context(), "", tc.coll, taxii.ClientQuery{}, func([]json.RawMessage) error { return nil })
			var te *taxii.Error
			if !errors.As(err, &te) || te.HTTPStatus != tc.code || te.Title != tc.title {
				t.Errorf("%s: error %v, want a TAXII error %d %q", tc.coll, err, tc.code, tc.title)
			}
		}
	})

	t.Run("a pending status is polled until complete", func(t *testing.T) {
		st, err := c.AddObjects(t.Context(), "", "c1", []json.RawMessage{json.RawMessage(`{"type":"indicator"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != taxii.StatusComplete || st.SuccessCount != 1 || s.polls.Load() != 3 {
			t.Errorf("status %+v after %d polls, want complete after 3", st, s.polls.Load())
		}
	})

	t.Run("polling is bounded", func(t *testing.T) {
		s.pending = -1
		s.polls.Store(0)
		c2 := *c
		c2.MaxPolls = 4
		st, err := c2.AddObjects(t.Context(), "", "c1", []json.RawMessage{json.RawMessage(`{}`)})
		if err == nil || st.Status != taxii.StatusPending || s.polls.Load() != 4 {
			t.Errorf("status %+v, error %v after %d polls, want an error after 4 pending polls", st, err, s.polls.Load())
		}
	})

	t.Run("discovery of an API root URL is an error", func(t *testing.T) {
		c2 := *c
		c2.BaseURL = srv.URL + "/feeds/"
		if _, err := c2.Discover(t.Context()); err == nil {
			t.Error("Discover on an API root: no error")
		}
		if a, err := c2.APIRoot(t.Context(), ""); err != nil || a.Title != "Feeds" {
			t.Errorf("APIRoot with the API root as base: %+v, %v", a, err)
		}
	})
}
