package hub

import (
	"context"
	"fmt"
	"slices"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/store"
)

// The operator's actions, run from the CLI against the hub's database.

// PutMember adds a member (or a guest reader) or changes its name, kind or
// disabled flag.
func PutMember(ctx context.Context, st Store, m store.HubMember) error {
	if !access.ValidUserName(m.ID) {
		return fmt.Errorf("member id %q: want letters, digits, '.', '-' or '_': %w", m.ID, store.ErrInvalid)
	}
	if err := st.PutHubMember(ctx, m); err != nil {
		return err
	}
	_, err := st.AppendAudit(ctx, store.AuditEvent{Actor: "operator", Action: "hub.member.put", Object: m.ID,
		Detail: fmt.Sprintf(`{"kind":%q,"disabled":%v}`, m.Kind, m.Disabled)})
	return err
}

// CreateKey issues an API key to a member and returns it; only its hash is
// stored, so this is the one time it is seen.
func CreateKey(ctx context.Context, st Store, member, name string) (key, id string, err error) {
	m, err := st.HubMember(ctx, member)
	if err != nil {
		return "", "", err
	}
	key, id, hash := access.NewKey()
	if err := st.AddAPIKey(ctx, store.APIKey{ID: id, Name: name, Role: m.Kind, Owner: m.ID, SecretHash: hash}); err != nil {
		return "", "", err
	}
	if _, err := st.AppendAudit(ctx, store.AuditEvent{Actor: "operator", Action: "hub.key.create", Object: id,
		Detail: fmt.Sprintf(`{"member":%q}`, m.ID)}); err != nil {
		return "", "", err
	}
	return key, id, nil
}

// RevokeKey revokes a member's key.
func RevokeKey(ctx context.Context, st Store, id string) error {
	if err := st.RevokeAPIKey(ctx, id, timeNow()); err != nil {
		return err
	}
	_, err := st.AppendAudit(ctx, store.AuditEvent{Actor: "operator", Action: "hub.key.revoke", Object: id})
	return err
}

// PutCollection creates or changes a collection and its rights. Every
// member named in a right must exist ("*" is every member).
func PutCollection(ctx context.Context, st Store, c store.HubCollection) error {
	members, err := st.HubMembers(ctx)
	if err != nil {
		return err
	}
	for _, r := range c.Rights {
		if r.Member == "*" {
			continue
		}
		if !slices.ContainsFunc(members, func(m store.HubMember) bool { return m.ID == r.Member }) {
			return fmt.Errorf("collection %s: right for unknown member %q: %w", c.ID, r.Member, store.ErrInvalid)
		}
	}
	if err := st.PutHubCollection(ctx, c); err != nil {
		return err
	}
	_, err = st.AppendAudit(ctx, store.AuditEvent{Actor: "operator", Action: "hub.collection.put", Object: c.ID})
	return err
}
