package taxiitest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/internal/taxii"
)

func asError(err error) (*taxii.Error, bool) {
	var te *taxii.Error
	ok := errors.As(err, &te)
	return te, ok
}

// sees checks what w is served of a collection on every read path: the
// objects (all versions), the manifest, each object by id and its
// versions, and the backend's own answer to the same query. hidden are
// objects w must not see anywhere.
func (e *env) sees(t *testing.T, w who, coll string, want, hidden []json.RawMessage) {
	t.Helper()
	all := values("match[version]", "all")
	sameIDs(t, w.name+" objects", ids(e.objects(t, w, coll, all)), idsOf(want...))
	var m []string
	for _, r := range e.manifest(t, w, coll, all) {
		m = append(m, r.ID)
	}
	sameIDs(t, w.name+" manifest", m, idsOf(want...))
	for _, o := range want {
		id := idsOf(o)[0]
		sameObjects(t, w.name+" object "+id, e.object(t, w, coll, id, nil), []json.RawMessage{o})
		if got := e.versions(t, w, coll, id, nil); len(got) != 1 {
			t.Errorf("%s: versions of %s: %v, want one", w.name, id, got)
		}
	}
	for _, o := range hidden {
		id := idsOf(o)[0]
		for _, path := range []string{collPath(coll) + "objects/" + id + "/", collPath(coll) + "objects/" + id + "/versions/"} {
			resp, body := e.request(t, w, http.MethodGet, path, nil, nil, nil)
			wantError(t, resp, body, http.StatusNotFound)
		}
		if got := e.objects(t, w, coll, values("match[id]", id, "match[version]", "all")); len(got) != 0 {
			t.Errorf("%s: match[id]=%s served %d objects, want none", w.name, id, len(got))
		}
		if got := e.manifest(t, w, coll, values("match[id]", id)); len(got) != 0 {
			t.Errorf("%s: manifest match[id]=%s: %d records, want none", w.name, id, len(got))
		}
	}

	// The backend itself keeps them out of the page, so pages are full.
	page, err := e.b.Objects(ctx(t), taxii.Query{Collection: coll, Principal: w.p, Limit: 1000, Versions: taxii.VersionMatch{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.b.Collection(ctx(t), w.p, coll)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range page.Objects {
		got = append(got, o.ID)
		if !taxii.Visible(w.p, o.Writer, o.TLP, c) {
			t.Errorf("%s: the backend returned %s (tlp %q by %s), which Visible hides", w.name, o.ID, o.TLP, o.Writer)
		}
	}
	sameIDs(t, w.name+" backend page", got, idsOf(want...))
	if len(want) > 1 {
		page, err := e.b.Objects(ctx(t), taxii.Query{Collection: coll, Principal: w.p, Limit: len(want) - 1, Versions: taxii.VersionMatch{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Objects) != len(want)-1 || !page.More {
			t.Errorf("%s: backend page of %d: %d objects, more %v, want a full page and more", w.name, len(want)-1, len(page.Objects), page.More)
		}
	}
}

func testTLPRed(t *testing.T, e *env) {
	red2 := indicator("red-2", "red.two@example.net", taxii.MarkingTLP2Red)
	red1 := indicator("red-1", "red.one@example.net", taxii.MarkingTLPRed)
	green := indicator("green", "green@example.net", taxii.MarkingTLP2Green)
	redB := ind{name: "red-b", email: "red.b@example.net", markings: []string{taxii.MarkingTLP2Red}, by: "org-b"}.json()
	e.post(t, orgA, shared.ID, red2, red1, green)
	e.post(t, orgB, shared.ID, redB)

	e.sees(t, orgA, shared.ID, []json.RawMessage{red2, red1, green}, []json.RawMessage{redB})
	e.sees(t, orgB, shared.ID, []json.RawMessage{green, redB}, []json.RawMessage{red2, red1})
	e.sees(t, orgC, shared.ID, []json.RawMessage{green}, []json.RawMessage{red2, red1, redB})
	e.sees(t, guest, shared.ID, []json.RawMessage{green}, []json.RawMessage{red2, red1, redB})

	page, err := e.b.Objects(ctx(t), taxii.Query{Collection: shared.ID, Principal: orgA.p, Limit: 10, IDs: idsOf(red2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 || page.Objects[0].TLP != taxii.TLPRed || page.Objects[0].Writer != "org-a" {
		t.Errorf("backend: red object as its writer: %+v, want TLP red written by org-a", page.Objects)
	}
}

func testTLPAmber(t *testing.T, e *env) {
	amber2 := indicator("amber-2", "amber.two@example.net", taxii.MarkingTLP2Amber)
	amber1 := indicator("amber-1", "amber.one@example.net", taxii.MarkingTLPAmber)
	strict := indicator("amber-strict", "amber.strict@example.net", taxii.MarkingTLP2AmberStrict)
	green := indicator("green", "green@example.net", taxii.MarkingTLP2Green)
	clear := indicator("clear", "clear@example.net", taxii.MarkingTLP2Clear)
	unmarked := indicator("unmarked", "unmarked@example.net")
	e.post(t, orgA, shared.ID, amber2, amber1, strict, green, clear, unmarked)
	every := []json.RawMessage{amber2, amber1, strict, green, clear, unmarked}
	e.sees(t, orgB, shared.ID, every, nil)
	e.sees(t, guest, shared.ID, []json.RawMessage{green, clear, unmarked}, []json.RawMessage{amber2, amber1, strict})
}

func testTLPGreen(t *testing.T, e *env) {
	objs := []json.RawMessage{
		marking(taxii.MarkingTLP2Green), marking(taxii.MarkingTLP2Clear),
		marking(taxii.MarkingTLPGreen), marking(taxii.MarkingTLPWhite),
		indicator("green-2", "green.two@example.net", taxii.MarkingTLP2Green),
		indicator("green-1", "green.one@example.net", taxii.MarkingTLPGreen),
		indicator("white", "white@example.net", taxii.MarkingTLPWhite),
		indicator("clear", "clear@example.net", taxii.MarkingTLP2Clear),
	}
	e.post(t, orgA, shared.ID, objs...)
	var got []json.RawMessage
	_, err := e.client(guest).Objects(ctx(t), "", shared.ID, taxii.ClientQuery{Limit: 3}, func(page []json.RawMessage) error {
		got = append(got, e.serve(t, page)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, "guest's objects", got, objs)
	e.sees(t, guest, shared.ID, objs, nil)

	// A guest reads nothing of a collection closed to guests.
	resp, body := e.request(t, guest, http.MethodGet, collPath(membersOnly.ID)+"objects/", nil, nil, nil)
	wantError(t, resp, body, http.StatusNotFound)
}

func testStrictestMarking(t *testing.T, e *env) {
	greenRed := indicator("green-red", "gr@example.net", taxii.MarkingTLP2Green, taxii.MarkingTLP2Red)
	amberClear := indicator("amber-clear", "ac@example.net", taxii.MarkingTLP2Clear, taxii.MarkingTLPAmber)
	granularRed := ind{name: "granular-red", email: "granular@example.net", markings: []string{taxii.MarkingTLP2Green}, granular: []string{taxii.MarkingTLP2Red}}.json()
	statement := ind{name: "statement", email: "statement@example.net", markings: []string{"marking-definition--" + uuidFor("statement terms"), taxii.MarkingTLP2Green}}.json()
	e.post(t, orgA, shared.ID, greenRed, amberClear, granularRed, statement)
	e.sees(t, orgA, shared.ID, []json.RawMessage{greenRed, amberClear, granularRed, statement}, nil)
	e.sees(t, orgB, shared.ID, []json.RawMessage{amberClear, statement}, []json.RawMessage{greenRed, granularRed})
	e.sees(t, guest, shared.ID, []json.RawMessage{statement}, []json.RawMessage{greenRed, amberClear, granularRed})

	// A custom TLP marking definition posted with the object counts at its
	// level; a marking nobody can resolve keeps an otherwise unmarked
	// object from guests.
	customRed := json.RawMessage(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--` + uuidFor("custom red") +
		`","created":"2026-01-01T00:00:00.000Z","name":"TLP:RED (a member's own copy)","extensions":{"` + taxii.TLP2Extension +
		`":{"extension_type":"property-extension","tlp_2_0":"red"}}}`)
	markedRed := ind{name: "custom-red", email: "customred@example.net", markings: []string{"marking-definition--" + uuidFor("custom red")}}.json()
	unresolved := ind{name: "unresolved", email: "unresolved@example.net", markings: []string{"marking-definition--" + uuidFor("nobody knows")}}.json()
	e.post(t, orgA, shared.ID, customRed, markedRed, unresolved)
	e.sees(t, orgB, shared.ID, []json.RawMessage{amberClear, statement, customRed, unresolved}, []json.RawMessage{markedRed})
	e.sees(t, guest, shared.ID, []json.RawMessage{statement, customRed}, []json.RawMessage{markedRed, unresolved})
}

func testDefaultTLP(t *testing.T, e *env) {
	unmarked := indicator("unmarked", "unmarked@example.net")
	green := indicator("green", "green@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgA, amberDefault.ID, unmarked, green)
	e.sees(t, orgB, amberDefault.ID, []json.RawMessage{unmarked, green}, nil)
	e.sees(t, guest, amberDefault.ID, []json.RawMessage{green}, []json.RawMessage{unmarked})
}

func testRights(t *testing.T, e *env) {
	tip := indicator("tip", "facilitator.shipping@example.net", taxii.MarkingTLP2Green)
	e.post(t, orgB, dropbox.ID, tip)
	id := idsOf(tip)[0]
	body := mustJSON(taxii.Envelope{Objects: []json.RawMessage{indicator("tip-2", "other@example.net")}})

	reads := []string{"objects/", "manifest/", "objects/" + id + "/", "objects/" + id + "/versions/"}
	// org-b writes but does not read.
	for _, path := range reads {
		resp, data := e.request(t, orgB, http.MethodGet, collPath(dropbox.ID)+path, nil, nil, nil)
		wantError(t, resp, data, http.StatusForbidden)
	}
	_, err := e.client(orgB).Objects(ctx(t), "", dropbox.ID, taxii.ClientQuery{}, func([]json.RawMessage) error { return nil })
	if te, ok := asError(err); !ok || te.HTTPStatus != http.StatusForbidden {
		t.Errorf("client read of a write-only collection: %v, want a TAXII error with 403", err)
	}
	// org-a reads but does not write.
	e.sees(t, orgA, dropbox.ID, []json.RawMessage{tip}, nil)
	resp, data := e.request(t, orgA, http.MethodPost, collPath(dropbox.ID)+"objects/", nil, body, nil)
	wantError(t, resp, data, http.StatusForbidden)
	// Guests never write.
	resp, data = e.request(t, guest, http.MethodPost, collPath(shared.ID)+"objects/", nil, body, nil)
	wantError(t, resp, data, http.StatusForbidden)
	// org-c and guests have no right at all: the collection is not there.
	for _, w := range []who{orgC, guest} {
		for _, path := range append([]string{""}, reads...) {
			resp, data := e.request(t, w, http.MethodGet, collPath(dropbox.ID)+path, nil, nil, nil)
			wantError(t, resp, data, http.StatusNotFound)
		}
		resp, data := e.request(t, w, http.MethodPost, collPath(dropbox.ID)+"objects/", nil, body, nil)
		wantError(t, resp, data, http.StatusNotFound)
	}
	// Nothing refused was stored.
	e.sees(t, orgA, dropbox.ID, []json.RawMessage{tip}, nil)
	if got := e.objects(t, orgA, shared.ID, nil); len(got) != 0 {
		t.Errorf("a guest's refused post stored %d objects", len(got))
	}
}

func testStatusOwner(t *testing.T, e *env) {
	st := e.post(t, orgA, shared.ID, indicator("mine", "mine@example.net", taxii.MarkingTLP2Green))
	for _, w := range []who{orgB, guest} {
		resp, body := e.request(t, w, http.MethodGet, "/api/status/"+st.ID+"/", nil, nil, nil)
		wantError(t, resp, body, http.StatusNotFound)
	}
	if _, err := e.client(orgA).Status(ctx(t), "", st.ID); err != nil {
		t.Errorf("the poster's status: %v", err)
	}
}

func testUnauthenticated(t *testing.T, e *env) {
	e.post(t, orgA, shared.ID, indicator("secret", "secret@example.net", taxii.MarkingTLP2Green))
	st := e.post(t, orgA, shared.ID, indicator("secret-2", "secret2@example.net", taxii.MarkingTLP2Green))
	id := indicatorID("secret")
	paths := []string{
		"/taxii2/", "/api/", "/api/collections/", collPath(shared.ID), collPath(shared.ID) + "objects/",
		collPath(shared.ID) + "objects/" + id + "/", collPath(shared.ID) + "objects/" + id + "/versions/",
		collPath(shared.ID) + "manifest/", "/api/status/" + st.ID + "/", "/api/nothing-here/",
	}
	wrong := []who{
		nobody,
		{name: "wrong password", user: orgA.user, pass: "incorrect"},
		{name: "wrong key", key: "rf_test_revoked"},
	}
	for _, w := range wrong {
		for _, path := range paths {
			resp, body := e.request(t, w, http.MethodGet, path, nil, nil, nil)
			wantError(t, resp, body, http.StatusUnauthorized)
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic realm=") {
				t.Errorf("GET %s as %s: WWW-Authenticate %q, want Basic realm=…", path, w.name, got)
			}
			if strings.Contains(string(body), "secret") {
				t.Errorf("GET %s as %s: the 401 tells %s", path, w.name, body)
			}
		}
		body := mustJSON(taxii.Envelope{Objects: []json.RawMessage{indicator("intruder", "intruder@example.net")}})
		resp, data := e.request(t, w, http.MethodPost, collPath(shared.ID)+"objects/", nil, body, nil)
		wantError(t, resp, data, http.StatusUnauthorized)
	}
	if got := ids(e.objects(t, orgA, shared.ID, nil)); slices.Contains(got, indicatorID("intruder")) {
		t.Error("an unauthenticated post was stored")
	}
	_, err := e.client(nobody).Collections(ctx(t), "")
	if te, ok := asError(err); !ok || te.HTTPStatus != http.StatusUnauthorized {
		t.Errorf("client without credentials: %v, want a TAXII error with 401", err)
	}
}
