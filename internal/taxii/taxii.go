// Package taxii is the consortium hub's TAXII 2.1 face: a server that
// members post indicators to and read them from, a client that works
// against any TAXII 2.1 server, and the Backend contract the hub's store
// implements.
//
// Two rules shape it. TLP is enforced by the server on every read path and
// inside Backend.Objects, so a page never holds what its reader may not see
// and never comes back short. And pages are ordered by (date_added, a
// per-object sequence number), with an opaque next cursor holding the last
// position served, so objects that share a date_added are each served
// exactly once however the pages fall.
//
// TAXII 2.1: https://docs.oasis-open.org/cti/taxii/v2.1/os/taxii-v2.1-os.html
// STIX 2.1: https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html
package taxii

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Media types of TAXII 2.1 and of the STIX 2.1 content it carries.
const (
	MediaType     = "application/taxii+json;version=2.1"
	STIXMediaType = "application/stix+json;version=2.1"
)

// DiscoveryPath is where NewServer serves the discovery resource.
const DiscoveryPath = "/taxii2/"

// Headers a page of objects, a manifest or a versions list carries: the
// date_added of the first and of the last record of the page.
const (
	HeaderDateAddedFirst = "X-TAXII-Date-Added-First"
	HeaderDateAddedLast  = "X-TAXII-Date-Added-Last"
)

// Errors a Backend returns, checked with errors.Is. The server maps them to
// TAXII error messages with 404 and 403.
var (
	// ErrNotFound: no such collection, object or status, or none the
	// principal may see.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the principal may not read (or write) the collection.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated is what an Authenticate function returns (or
	// wraps) for missing or wrong credentials: the server answers 401.
	// Another error from it is a failure to check them: 500.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// Principal is who a request acts as, as the hub's Authenticate says.
type Principal struct {
	// Member is the consortium member's organisation id: the writer
	// recorded with what it posts, and the one reader of its TLP:RED.
	Member string
	// Guest marks a reader who is not a consortium member: it never sees
	// TLP:AMBER or AMBER+STRICT, whatever collection it can read.
	Guest bool
}

// Collection is a TAXII collection as one principal sees it: CanRead and
// CanWrite are that principal's rights.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
	// DefaultTLP is the TLP of objects that carry no TLP marking; "" means
	// TLP:CLEAR. It is the hub's policy, not part of the TAXII resource.
	DefaultTLP string `json:"-"`
}

// Object is one version of a STIX object in a collection.
type Object struct {
	ID          string
	Type        string
	SpecVersion string
	// Modified is the object's modified timestamp, or its created one when
	// it has no modified (marking definitions); zero when it has neither
	// (cyber-observables), whose one version is then its DateAdded. A
	// version is (ID, Modified).
	Modified time.Time
	// TLP is the strictest TLP marking of the object (TLPClear … TLPRed),
	// or "" when it carries none and the collection's default applies.
	TLP string
	// Raw is the object as posted, compacted.
	Raw json.RawMessage

	// Set by the backend when it stores the object.

	// Writer is the Member who added this version.
	Writer string
	// DateAdded is when this version was added, to the microsecond, in UTC.
	DateAdded time.Time
	// Seq orders versions added at the same DateAdded; it increases with
	// every version a backend stores.
	Seq int64
}

// Version is the version the object is known by: Modified, or DateAdded
// for an object that has no modified or created timestamp.
func (o Object) Version() time.Time {
	if o.Modified.IsZero() {
		return o.DateAdded
	}
	return o.Modified
}

// Position returns where the object sits in a collection's order.
func (o Object) Position() Position { return Position{DateAdded: o.DateAdded, Seq: o.Seq} }

// Added is what AddObjects reports for one object: the version it was
// stored as and when. An object whose version was already there reports
// the date_added of the first time it was added.
type Added struct {
	ID        string
	Version   time.Time
	DateAdded time.Time
	// Refused, when set, says why the backend did not store the object
	// (another member's id, say); the status lists it among the failures.
	Refused string
}

// Position is a place in a collection's order of versions: by DateAdded,
// then by Seq. The zero Position is before every object.
type Position struct {
	DateAdded time.Time
	Seq       int64
}

// Before reports whether p comes before q in a collection's order.
func (p Position) Before(q Position) bool {
	if !p.DateAdded.Equal(q.DateAdded) {
		return p.DateAdded.Before(q.DateAdded)
	}
	return p.Seq < q.Seq
}

// VersionMatch is match[version]: which versions of each object a query
// selects. With none of its fields set it selects the last version.
type VersionMatch struct {
	All   bool
	First bool
	Last  bool
	// At selects versions equal to one of these timestamps.
	At []time.Time
}

// Query selects a page of object versions in a collection, for a principal.
//
// Backend.Objects answers it in four steps: (1) the versions in the
// collection that Principal may see (Visible), whose SpecVersion, ID and
// Type are in SpecVersions, IDs and Types when those are given; (2) of
// these, per object ID, the versions Versions selects (first and last by
// Version()); (3) of these, those with DateAdded after AddedAfter and
// position after After; (4) in (DateAdded, Seq) order, the first Limit.
type Query struct {
	Collection string
	Principal  Principal
	// AddedAfter is exclusive; zero means no bound.
	AddedAfter time.Time
	// After is the position of the last version already served; zero
	// means from the start.
	After        Position
	Limit        int
	IDs          []string
	Types        []string
	SpecVersions []string
	Versions     VersionMatch
}

// Page is one page of object versions, in (DateAdded, Seq) order.
type Page struct {
	Objects []Object
	// More says versions after the last of Objects also match.
	More bool
}

// Status is a TAXII status resource: what became of the objects of one
// POST.
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
	// Owner is the Member who posted; only it may read the status.
	Owner string `json:"-"`
}

// Status values.
const (
	StatusComplete = "complete"
	StatusPending  = "pending"
)

// StatusDetail is one object in a status.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// Backend stores what a TAXII server serves: collections with per-principal
// rights, object versions with their writer and TLP, and statuses. The hub
// implements it on SQL; NewMemoryBackend is one in memory. taxiitest.Run
// is the suite every implementation passes.
type Backend interface {
	// Collections returns the collections p may read or write, in a stable
	// order.
	Collections(ctx context.Context, p Principal) ([]Collection, error)
	// Collection returns one collection with p's rights. It returns
	// ErrNotFound when there is none or p may neither read nor write it.
	Collection(ctx context.Context, p Principal, id string) (Collection, error)
	// AddObjects stores objs in the collection, written by p.Member, and
	// returns what became of each, in order. Every object stored by one
	// call gets the same DateAdded (now, to the microsecond, never before
	// an earlier call's) and a Seq greater than any before, in the order of
	// objs. A version already stored is left as it is. It returns
	// ErrNotFound for an unknown collection, ErrForbidden when p may not
	// write it.
	AddObjects(ctx context.Context, p Principal, collection string, objs []Object) ([]Added, error)
	// Objects returns a page of the versions q selects (see Query), with
	// Writer, DateAdded and Seq set. Visibility is decided inside the
	// query, so a page is short only when nothing more matches. It returns
	// ErrNotFound for an unknown collection, ErrForbidden when the
	// principal may not read it.
	Objects(ctx context.Context, q Query) (Page, error)
	// PutStatus stores a status, replacing one with the same ID.
	PutStatus(ctx context.Context, s Status) error
	// Status returns a status posted by p.Member, or ErrNotFound.
	Status(ctx context.Context, p Principal, id string) (Status, error)
}

// Discovery is the TAXII discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRoot is the TAXII API root resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Envelope is a TAXII envelope: a page of STIX objects, or the objects of
// a POST.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// Manifest is a TAXII manifest resource: a page of manifest records.
type Manifest struct {
	More    bool             `json:"more,omitempty"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// ManifestRecord describes one object version.
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Versions is a TAXII versions resource: a page of an object's versions.
type Versions struct {
	More     bool     `json:"more,omitempty"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// collections is the TAXII collections resource.
type collections struct {
	Collections []Collection `json:"collections,omitempty"`
}

// TimeFormat is how TAXII timestamps are written: RFC 3339 in UTC, to the
// microsecond.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime writes t as a TAXII timestamp; a time finer than microseconds
// keeps its nanoseconds, so a version is never rounded into another.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000000Z")
	}
	return t.Format(TimeFormat)
}

// ParseTime reads an RFC 3339 timestamp.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
