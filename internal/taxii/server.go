package taxii

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ServerOptions configure NewServer. Zero values take the defaults named.
type ServerOptions struct {
	// Title, Description and Contact describe the server in the discovery
	// and API root resources.
	Title       string
	Description string
	Contact     string
	// APIRoot is the path of the one API root; default "/api/". It must not
	// be DiscoveryPath.
	APIRoot string
	// BaseURL, like "https://hub.example.org", makes the API root URL in
	// the discovery resource absolute behind a proxy; by default it is
	// built from the request's Host.
	BaseURL string
	// MaxContentLength bounds the body of a POST, in bytes; default 10 MiB.
	MaxContentLength int64
	// MaxObjectSize bounds one posted object, in bytes; default 1 MiB.
	MaxObjectSize int
	// PageSize is the number of records of a page without a limit;
	// default 100. MaxPageSize caps a limit; default 1000.
	PageSize    int
	MaxPageSize int
	// Authenticate says who a request acts as. An error wrapping
	// ErrUnauthenticated means 401; any other is a failure to check the
	// credentials (500). Nil refuses every request.
	Authenticate func(r *http.Request) (Principal, error)
	// Realm is named in WWW-Authenticate; default "ringfence".
	Realm string
	// Log receives internal errors; default none.
	Log *slog.Logger
	// Now is the clock of status timestamps; default time.Now.
	Now func() time.Time
}

func (o *ServerOptions) defaults() {
	if o.Title == "" {
		o.Title = "ringfence TAXII"
	}
	if o.APIRoot == "" {
		o.APIRoot = "/api/"
	}
	if !strings.HasPrefix(o.APIRoot, "/") {
		o.APIRoot = "/" + o.APIRoot
	}
	if !strings.HasSuffix(o.APIRoot, "/") {
		o.APIRoot += "/"
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if o.MaxContentLength <= 0 {
		o.MaxContentLength = 10 << 20
	}
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = 1 << 20
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = 1000
	}
	o.PageSize = min(o.PageSize, o.MaxPageSize)
	if o.Authenticate == nil {
		o.Authenticate = func(*http.Request) (Principal, error) { return Principal{}, ErrUnauthenticated }
	}
	if o.Realm == "" {
		o.Realm = "ringfence"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// server serves one discovery resource and one API root over a Backend.
type server struct {
	b   Backend
	opt ServerOptions
	log *slog.Logger
	mux *http.ServeMux
}

// NewServer returns the TAXII 2.1 server: discovery at DiscoveryPath and
// the API root at opt.APIRoot, every request authenticated, every read
// filtered by TLP. The hub mounts it at both paths.
func NewServer(b Backend, opt ServerOptions) http.Handler {
	opt.defaults()
	if opt.APIRoot == DiscoveryPath {
		panic("taxii: the API root cannot be the discovery path " + DiscoveryPath)
	}
	s := &server{b: b, opt: opt, log: opt.Log, mux: http.NewServeMux()}
	s.routes()
	return s.mux
}

// handler is a TAXII endpoint: it writes a reply, or returns an error that
// serve turns into a TAXII error message.
type handler func(w http.ResponseWriter, r *http.Request, p Principal) error

// serve authenticates a request, checks its method and Accept header, and
// calls the handler for its method, or fallback, when set, whatever the
// method.
func (s *server) serve(byMethod map[string]handler, fallback handler) http.Handler {
	var allow []string
	for m := range byMethod {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.opt.Authenticate(r)
		if err != nil && !errors.Is(err, ErrUnauthenticated) {
			// The credentials could not be checked (the database is
			// down): a server failure, not a reason to ask for others.
			s.fail(w, r, err)
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", s.opt.Realm))
			s.fail(w, r, errorf(http.StatusUnauthorized, "the request needs valid credentials"))
			return
		}
		h, ok := byMethod[r.Method]
		if fallback != nil {
			h, ok = fallback, true
		}
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.fail(w, r, errorf(http.StatusMethodNotAllowed, "%s is not allowed here; use %s", r.Method, strings.Join(allow, " or ")))
			return
		}
		if !acceptable(r.Header.Values("Accept")) {
			s.fail(w, r, errorf(http.StatusNotAcceptable, "the Accept header must admit %s", MediaType))
			return
		}
		if err := h(w, r, p); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail writes err as a TAXII error message. Errors that are not a TAXII
// error or a Backend error kind are logged and answered 500 with an
// error_id that finds them in the log.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var te *Error
	switch {
	case errors.As(err, &te):
	case errors.Is(err, ErrNotFound):
		te = errorf(http.StatusNotFound, "%s was not found", r.URL.Path)
	case errors.Is(err, ErrForbidden):
		te = errorf(http.StatusForbidden, "%s is not allowed", r.URL.Path)
	case r.Context().Err() != nil:
		return // the client went away
	default:
		id := newUUID()
		s.log.Error("taxii request failed", "error_id", id, "method", r.Method, "route", r.Pattern, "err", err)
		te = errorf(http.StatusInternalServerError, "the server failed; error_id %s identifies the failure in its log", id)
		te.ErrorID = id
	}
	writeJSON(w, te.HTTPStatus, te)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	_, err = w.Write(append(data, '\n'))
	return err
}

// acceptable reports whether Accept header values admit TAXII 2.1 JSON: no
// header, */*, application/*, application/taxii+json without a version or
// with version 2.1, unless its q is 0.
func acceptable(values []string) bool {
	seen := false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			seen = true
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*":
				return true
			case "application/taxii+json":
				if ver, ok := params["version"]; !ok || ver == "2.1" {
					return true
				}
			}
		}
	}
	return !seen
}

// isTAXIIContent reports whether a Content-Type is TAXII 2.1 JSON, however
// its parameters are ordered and spaced.
func isTAXIIContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/taxii+json" && params["version"] == "2.1"
}

func (s *server) rootURL(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL + s.opt.APIRoot
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.opt.APIRoot
}

func (s *server) discovery(w http.ResponseWriter, r *http.Request, _ Principal) error {
	root := s.rootURL(r)
	return writeJSON(w, http.StatusOK, Discovery{
		Title: s.opt.Title, Description: s.opt.Description, Contact: s.opt.Contact,
		Default: root, APIRoots: []string{root},
	})
}

func (s *server) apiRoot(w http.ResponseWriter, _ *http.Request, _ Principal) error {
	return writeJSON(w, http.StatusOK, APIRoot{
		Title: s.opt.Title, Description: s.opt.Description,
		Versions: []string{MediaType}, MaxContentLength: s.opt.MaxContentLength,
	})
}

func (s *server) status(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, err := s.b.Status(r.Context(), p, r.PathValue("status"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (s *server) collections(w http.ResponseWriter, r *http.Request, p Principal) error {
	cs, err := s.b.Collections(r.Context(), p)
	if err != nil {
		return err
	}
	var out collections
	for _, c := range cs {
		if c.CanRead || c.CanWrite {
			out.Collections = append(out.Collections, resource(c))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) collection(w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := s.collectionFor(r.Context(), p, r.PathValue("collection"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resource(c))
}

// resource fills in a collection's media types when the backend left them
// empty.
func resource(c Collection) Collection {
	if len(c.MediaTypes) == 0 {
		c.MediaTypes = []string{STIXMediaType}
	}
	return c
}

// collectionFor returns a collection p may read or write, else ErrNotFound.
func (s *server) collectionFor(ctx context.Context, p Principal, id string) (Collection, error) {
	c, err := s.b.Collection(ctx, p, id)
	if err != nil {
		return Collection{}, err
	}
	if !c.CanRead && !c.CanWrite {
		return Collection{}, ErrNotFound
	}
	return c, nil
}

func (s *server) readable(ctx context.Context, p Principal, id string) (Collection, error) {
	c, err := s.collectionFor(ctx, p, id)
	if err != nil {
		return c, err
	}
	if !c.CanRead {
		return c, errorf(http.StatusForbidden, "you may not read collection %s", id)
	}
	return c, nil
}

// pageRequest is a page request read from the URL: the query for the
// backend and what its next cursor needs.
type pageRequest struct {
	q    Query
	cur  cursor
	coll Collection
}

// pageQuery reads limit, next and the filters a kind of page takes.
func (s *server) pageQuery(r *http.Request, p Principal, c Collection, kind, object string) (pageRequest, error) {
	v := r.URL.Query()
	limit := s.opt.PageSize
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return pageRequest{}, errorf(http.StatusBadRequest, "limit %q: want a positive integer", truncate(l, 20))
		}
		limit = min(n, s.opt.MaxPageSize)
	}
	f, given, err := parseFilters(v, kind)
	if err != nil {
		return pageRequest{}, errorf(http.StatusBadRequest, "%v", err)
	}
	cur := cursor{Kind: kind, Collection: c.ID, Object: object}
	if next := v.Get("next"); next != "" {
		got, err := decodeCursor(next)
		if err != nil {
			return pageRequest{}, errorf(http.StatusBadRequest, "%v", err)
		}
		if got.Kind != kind || got.Collection != c.ID || got.Object != object {
			return pageRequest{}, errorf(http.StatusBadRequest, "next continues another listing than this one")
		}
		if given && !f.equal(got.Filters) {
			return pageRequest{}, errorf(http.StatusBadRequest, "the filters differ from those next was issued for")
		}
		f, cur = got.Filters, got
	}
	cur.Filters = f
	q := Query{
		Collection: c.ID, Principal: p, AddedAfter: f.AddedAfter, After: cur.After, Limit: limit,
		IDs: f.IDs, Types: f.Types, SpecVersions: f.SpecVersions, Versions: f.versionMatch(),
	}
	switch kind {
	case pageObject:
		q.IDs = []string{object}
	case pageVersions:
		q.IDs = []string{object}
		q.Versions = VersionMatch{All: true}
	}
	return pageRequest{q: q, cur: cur, coll: c}, nil
}

// page runs a page query. It drops, and logs, any object the backend
// should not have returned: TLP holds even over a faulty backend. next is
// the cursor of the following page, "" when there is none.
func (s *server) page(ctx context.Context, pr pageRequest) (objs []Object, next string, err error) {
	page, err := s.b.Objects(ctx, pr.q)
	if err != nil {
		return nil, "", err
	}
	vis := VisibilityFor(pr.q.Principal, pr.coll)
	for _, o := range page.Objects {
		if !vis.Sees(o.Writer, o.TLP) {
			s.log.Error("taxii backend returned an object its reader may not see", "collection", pr.coll.ID, "object", o.ID, "tlp", o.TLP)
			continue
		}
		objs = append(objs, o)
	}
	if page.More && len(page.Objects) > 0 {
		cur := pr.cur
		cur.After = page.Objects[len(page.Objects)-1].Position()
		next = encodeCursor(cur)
	}
	return objs, next, nil
}

// exists reports whether p may see any version of an object.
func (s *server) exists(ctx context.Context, p Principal, coll, id string) (bool, error) {
	page, err := s.b.Objects(ctx, Query{Collection: coll, Principal: p, Limit: 1, IDs: []string{id}, Versions: VersionMatch{All: true}})
	return len(page.Objects) > 0, err
}

func dateHeaders(w http.ResponseWriter, objs []Object) {
	if len(objs) == 0 {
		return
	}
	w.Header().Set(HeaderDateAddedFirst, FormatTime(objs[0].DateAdded))
	w.Header().Set(HeaderDateAddedLast, FormatTime(objs[len(objs)-1].DateAdded))
}

func (s *server) getObjects(w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := s.readable(r.Context(), p, r.PathValue("collection"))
	if err != nil {
		return err
	}
	pr, err := s.pageQuery(r, p, c, pageObjects, "")
	if err != nil {
		return err
	}
	return s.objectsPage(w, r, pr)
}

func (s *server) getObject(w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := s.readable(r.Context(), p, r.PathValue("collection"))
	if err != nil {
		return err
	}
	pr, err := s.pageQuery(r, p, c, pageObject, r.PathValue("object"))
	if err != nil {
		return err
	}
	return s.objectsPage(w, r, pr)
}

// objectsPage answers a page of objects. An empty page of one object is
// 404 when the principal may see no version of it at all.
func (s *server) objectsPage(w http.ResponseWriter, r *http.Request, pr pageRequest) error {
	objs, next, err := s.page(r.Context(), pr)
	if err != nil {
		return err
	}
	if err := s.checkExists(r.Context(), pr, len(objs)); err != nil {
		return err
	}
	dateHeaders(w, objs)
	return writeEnvelope(w, objs, next)
}

// writeEnvelope writes an envelope by hand: the objects' Raw is compact
// JSON already (parseObject compacted it), and json.Marshal would check
// and compact every byte of it again.
func writeEnvelope(w http.ResponseWriter, objs []Object, next string) error {
	n := 64 + len(next)
	for _, o := range objs {
		n += len(o.Raw) + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '{')
	if next != "" {
		buf = append(buf, `"more":true,"next":`...)
		buf = strconv.AppendQuote(buf, next)
		buf = append(buf, ',')
	}
	buf = append(buf, `"objects":[`...)
	for i, o := range objs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, o.Raw...)
	}
	buf = append(buf, "]}\n"...)
	w.Header().Set("Content-Type", MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf)
	return err
}

func (s *server) checkExists(ctx context.Context, pr pageRequest, n int) error {
	if pr.cur.Object == "" || n > 0 {
		return nil
	}
	ok, err := s.exists(ctx, pr.q.Principal, pr.coll.ID, pr.cur.Object)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusNotFound, "object %s is not in collection %s", truncate(pr.cur.Object, 100), pr.coll.ID)
	}
	return nil
}

func (s *server) versions(w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := s.readable(r.Context(), p, r.PathValue("collection"))
	if err != nil {
		return err
	}
	pr, err := s.pageQuery(r, p, c, pageVersions, r.PathValue("object"))
	if err != nil {
		return err
	}
	objs, next, err := s.page(r.Context(), pr)
	if err != nil {
		return err
	}
	if err := s.checkExists(r.Context(), pr, len(objs)); err != nil {
		return err
	}
	out := Versions{More: next != "", Next: next}
	for _, o := range objs {
		out.Versions = append(out.Versions, FormatTime(o.Version()))
	}
	dateHeaders(w, objs)
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) manifest(w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := s.readable(r.Context(), p, r.PathValue("collection"))
	if err != nil {
		return err
	}
	pr, err := s.pageQuery(r, p, c, pageManifest, "")
	if err != nil {
		return err
	}
	objs, next, err := s.page(r.Context(), pr)
	if err != nil {
		return err
	}
	out := Manifest{More: next != "", Next: next}
	for _, o := range objs {
		out.Objects = append(out.Objects, ManifestRecord{
			ID: o.ID, DateAdded: FormatTime(o.DateAdded), Version: FormatTime(o.Version()),
			MediaType: "application/stix+json;version=" + o.SpecVersion,
		})
	}
	dateHeaders(w, objs)
	return writeJSON(w, http.StatusOK, out)
}

// addObjects stores the valid objects of an envelope synchronously and
// answers 202 with a complete status that lists every object as a success
// or a failure.
func (s *server) addObjects(w http.ResponseWriter, r *http.Request, p Principal) error {
	if !isTAXIIContent(r.Header.Get("Content-Type")) {
		return errorf(http.StatusUnsupportedMediaType, "the Content-Type must be %s", MediaType)
	}
	max := s.opt.MaxContentLength
	if r.ContentLength > max {
		return errorf(http.StatusRequestEntityTooLarge, "the body is %d bytes; max_content_length is %d", r.ContentLength, max)
	}
	id := r.PathValue("collection")
	c, err := s.collectionFor(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !c.CanWrite {
		return errorf(http.StatusForbidden, "you may not write to collection %s", id)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errorf(http.StatusRequestEntityTooLarge, "the body is more than max_content_length, %d bytes", max)
		}
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	requested := s.opt.Now()
	objs, failures, err := parseEnvelope(body, s.opt.MaxObjectSize)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	var added []Added
	if len(objs) > 0 {
		if added, err = s.b.AddObjects(r.Context(), p, c.ID, objs); err != nil {
			return err
		}
		if len(added) != len(objs) {
			return fmt.Errorf("backend added %d objects of %d", len(added), len(objs))
		}
	}
	st := Status{
		ID: newUUID(), Status: StatusComplete, RequestTimestamp: FormatTime(requested),
		TotalCount: len(objs) + len(failures), Owner: p.Member,
	}
	for _, a := range added {
		if a.Refused != "" {
			failures = append(failures, StatusDetail{ID: a.ID, Version: FormatTime(a.Version), Message: a.Refused})
			continue
		}
		st.Successes = append(st.Successes, StatusDetail{ID: a.ID, Version: FormatTime(a.Version)})
	}
	st.Failures, st.SuccessCount, st.FailureCount = failures, len(st.Successes), len(failures)
	if err := s.b.PutStatus(r.Context(), st); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, st)
}

func (s *server) notFound(_ http.ResponseWriter, r *http.Request, _ Principal) error {
	return errorf(http.StatusNotFound, "%s is not a TAXII resource of this server", r.URL.Path)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
