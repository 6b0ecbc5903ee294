package subject

import "github.com/ringfence/ringfence/internal/store"

// Stored is a record as the store keeps it: the raw record, and each
// identifier's canonical value and keys indexed under their own kinds, so
// "who else has this e-mail domain" is one lookup.
func Stored(rec *Record, ids []Identifier) store.Subject {
	n := len(ids)
	for _, id := range ids {
		n += len(id.Keys)
	}
	s := store.Subject{ID: rec.ID, Kind: rec.Kind, Raw: rec.Raw, Identifiers: make([]store.Identifier, 0, n)}
	for _, id := range ids {
		s.Identifiers = append(s.Identifiers, store.Identifier{Kind: string(id.Kind), Value: id.Canonical,
			Attribute: id.Attribute, Role: id.Role})
		for _, k := range id.Keys {
			if k.Value == "" {
				continue
			}
			s.Identifiers = append(s.Identifiers, store.Identifier{Kind: k.Kind, Value: k.Value,
				Attribute: id.Attribute, Role: id.Role})
		}
	}
	return s
}
