package store

import (
	"context"
	"encoding/json"
	"time"
)

// Hub member kinds.
const (
	// MemberOrg is a consortium member: it shares, reads AMBER, registers
	// tokens.
	MemberOrg = "member"
	// MemberGuest reads what collections open to guests hold at TLP CLEAR
	// and GREEN, and nothing else.
	MemberGuest = "guest"
)

// HubMember is an organisation of the consortium, or a guest reader.
type HubMember struct {
	ID        string
	Name      string
	Kind      string // MemberOrg or MemberGuest
	Disabled  bool
	CreatedAt time.Time
}

// HubCollection is a TAXII collection of the hub with who may read and
// write it. A right for member "*" applies to every member (not guests).
type HubCollection struct {
	ID          string
	Title       string
	Description string
	Alias       string
	// DefaultTLP is the TLP of objects that carry no TLP marking; ""
	// means CLEAR.
	DefaultTLP  string
	AllowGuests bool
	Rights      []HubRight
	CreatedAt   time.Time
}

// HubRight is one member's rights on a collection.
type HubRight struct {
	Member      string
	Read, Write bool
}

// TAXIIObject is one version of a STIX object in a hub collection.
type TAXIIObject struct {
	// Seq orders objects added at the same time; set by the store.
	Seq         int64
	Collection  string
	ID          string
	Type        string
	SpecVersion string
	// Version is the object's modified time (its created time when it has
	// none); zero for an object with neither, whose version is then its
	// DateAdded.
	Version time.Time
	// DateAdded is when the hub took this version; set by the store.
	DateAdded time.Time
	// TLP is the strictest TLP marking of the object (TLPs), "" when it
	// carries none (the collection's default then applies).
	TLP string
	// Writer is the member that added this version.
	Writer string
	Raw    json.RawMessage
	// CreatedBy is the object's created_by_ref, checked on add: it must
	// name an identity the writer added (before or in the same call).
	CreatedBy string
	// Shared marks an id any writer may add (the predefined TLP marking
	// definitions); every other id belongs to the member that added its
	// first version.
	Shared bool
	// Refused, set by AddTAXIIObjects, says why the version was not added.
	Refused string
}

// TAXIICursor is the position after the last object of a page.
type TAXIICursor struct {
	DateAdded time.Time
	Seq       int64
}

// TAXIIQuery selects objects of a collection that the reader may see, in
// (DateAdded, Seq) order.
type TAXIIQuery struct {
	Collection string
	// Levels are the TLPs the reader may see ("" for unmarked objects),
	// and Writer, when not empty, sees everything it wrote whatever its
	// TLP (internal/taxii's Visibility).
	Levels []string
	Writer string
	// AddedAfter, when set, leaves out objects added at or before it.
	AddedAfter time.Time
	// After, when set, continues after a page's last object.
	After                    *TAXIICursor
	IDs, Types, SpecVersions []string
	// Versions are TAXII's match[version] terms: "last" (the default when
	// empty), "first", "all", or RFC 3339 timestamps. "last" and "first"
	// are among the versions the reader may see.
	Versions []string
	// Limit is the page size (1–10000).
	Limit int
}

// HubKey is one epoch's OPRF private key, serialised by internal/blind.
type HubKey struct {
	Epoch     int
	Secret    []byte
	CreatedAt time.Time
	// RetiredAt is when a newer epoch replaced it; zero while current.
	RetiredAt time.Time
}

// HubToken is a blinded-identifier token a member registers: some worker
// of the member holds the identifier, and Fraud says the member confirmed
// it fraudulent.
type HubToken struct {
	Token string
	Fraud bool
}

// TokenCount is what the hub says of one token: how many other members
// registered it, and how many of those marked it fraud.
type TokenCount struct {
	Members int
	Fraud   int
}

// Hub is what the consortium hub asks of its database besides Store's keys
// and audit log.
type Hub interface {
	// PutHubMember inserts a member or replaces its name, kind and disabled
	// flag. ErrInvalid for an empty id or an unknown kind.
	PutHubMember(ctx context.Context, m HubMember) error
	// HubMember returns one member. ErrNotFound.
	HubMember(ctx context.Context, id string) (HubMember, error)
	// HubMembers returns every member in id order.
	HubMembers(ctx context.Context) ([]HubMember, error)
	// PutHubCollection inserts a collection or replaces its title,
	// description, guest flag and rights. ErrInvalid for an empty id or
	// title.
	PutHubCollection(ctx context.Context, c HubCollection) error
	// HubCollections returns every collection with its rights, in id order.
	HubCollections(ctx context.Context) ([]HubCollection, error)

	// AddTAXIIObjects adds object versions to their collections in one
	// transaction and returns them with Seq and DateAdded set (all to the
	// same time). A version already in the collection is returned as
	// stored, not added again. A version is refused (Refused set, nothing
	// stored) when another member added the first version of its id, or
	// when its CreatedBy names an identity the writer did not add: no
	// member can revise, revoke or sign as another's.
	AddTAXIIObjects(ctx context.Context, objs []TAXIIObject) ([]TAXIIObject, error)
	// TAXIIObjects returns one page of what q selects and whether more
	// follow.
	TAXIIObjects(ctx context.Context, q TAXIIQuery) (objs []TAXIIObject, more bool, err error)
	// PutTAXIIStatus stores a status resource (a JSON object) for its
	// member, replacing one of the same id.
	PutTAXIIStatus(ctx context.Context, id, member string, body json.RawMessage) error
	// TAXIIStatus returns a status and the member it belongs to.
	// ErrNotFound.
	TAXIIStatus(ctx context.Context, id string) (member string, body json.RawMessage, err error)

	// PutHubKey stores an epoch's key, or sets RetiredAt of a stored one.
	// ErrConflict when the epoch holds another secret: two rotations at
	// once, of which the first stored stands.
	PutHubKey(ctx context.Context, k HubKey) error
	// HubKeys returns every key in epoch order.
	HubKeys(ctx context.Context) ([]HubKey, error)
	// ReplaceHubTokens replaces, in one transaction, the tokens member
	// registered for epoch. ErrInvalid for an empty member or token.
	ReplaceHubTokens(ctx context.Context, member string, epoch int, tokens []HubToken) (int, error)
	// HubTokenCounts says, for each token, how many members other than
	// member registered it in epoch and how many of them marked it fraud.
	HubTokenCounts(ctx context.Context, member string, epoch int, tokens []string) ([]TokenCount, error)
	// DropHubTokens removes every registration of epochs before epoch.
	DropHubTokens(ctx context.Context, before int) (int, error)
	// AddHubUsage adds n evaluations to member's count for day if the
	// count stays within limit, atomically, and returns the count after.
	// ok is false, and nothing is added, when it would exceed limit.
	AddHubUsage(ctx context.Context, member, day string, n, limit int) (used int, ok bool, err error)
}
