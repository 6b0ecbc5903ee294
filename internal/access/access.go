// Package access decides who may do what: the roles of users and API keys,
// what each role is allowed, how passwords and keys are checked, and the
// signed-in principal a request carries. Applicants' PII is sensitive, so
// everything is denied unless a role is granted it here.
package access

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ringfence/ringfence/internal/store"
)

// Permission is one thing a principal may do.
type Permission string

// Permissions, coarse enough that a reviewer can hold the whole table in
// mind (docs/SERVER.md lists them per role).
const (
	// Screen: screen records (one, or a batch job) and store them.
	Screen Permission = "screen"
	// ReadSubjects: read stored subjects, their verdicts and graph. Every
	// such read is audited.
	ReadSubjects Permission = "subjects:read"
	// ReadCases: read alerts, cases and clusters.
	ReadCases Permission = "cases:read"
	// WorkCases: open, assign, comment on, attach to and decide cases.
	WorkCases Permission = "cases:write"
	// ReadIntel: search and export indicators.
	ReadIntel Permission = "intel:read"
	// WriteIntel: import indicators.
	WriteIntel Permission = "intel:write"
	// ReadAudit: read the audit log.
	ReadAudit Permission = "audit:read"
	// Admin: manage users and API keys.
	Admin Permission = "admin"
)

var grants = map[string][]Permission{
	store.RoleAdmin:   {Screen, ReadSubjects, ReadCases, WorkCases, ReadIntel, WriteIntel, ReadAudit, Admin},
	store.RoleAnalyst: {Screen, ReadSubjects, ReadCases, WorkCases, ReadIntel, WriteIntel, ReadAudit},
	store.RoleViewer:  {ReadSubjects, ReadCases, ReadIntel},
	// An ingest key belongs to a program (an applicant-tracking system, a
	// sign-up flow): it screens what it sends and learns the verdict, and
	// reads nothing else.
	store.RoleIngest: {Screen},
}

// Roles lists the roles from most to least powerful.
var Roles = []string{store.RoleAdmin, store.RoleAnalyst, store.RoleViewer, store.RoleIngest}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }

// ValidUserName keeps user names printable and short: they appear in
// logs, the audit log and HTML. 1–64 letters, digits, '.', '_', '-' or '@'.
func ValidUserName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '@') {
			return false
		}
	}
	return true
}

// Allowed reports whether role grants p.
func Allowed(role string, p Permission) bool { return slices.Contains(grants[role], p) }

// Errors of authentication, checked with errors.Is; the server maps them to
// 401 and 403.
var (
	// ErrUnauthenticated: no credentials, or credentials that are wrong,
	// revoked or expired. Which of these is never told to the caller.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the principal's role does not grant the permission.
	ErrForbidden = errors.New("forbidden")
)

// Principal is who a request acts as.
type Principal struct {
	// Name is the user's name, or "key:" and the key's id for an API key:
	// what the audit log records as the actor.
	Name string
	Role string
	// KeyID is set for API keys; rate limits are kept per key or user.
	KeyID string
	// Session is set for a signed-in browser; its CSRF token guards forms.
	Session *store.Session
}

// Can returns nil when the principal's role grants p, else ErrForbidden.
func (p Principal) Can(perm Permission) error {
	if Allowed(p.Role, perm) {
		return nil
	}
	return fmt.Errorf("%s (role %s) may not %s: %w", p.Name, p.Role, perm, ErrForbidden)
}

type principalKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal ctx carries.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
