package hub

import (
	"path/filepath"
	"testing"

	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/store/postgres"
	"github.com/ringfence/ringfence/internal/store/postgres/pgtest"
	"github.com/ringfence/ringfence/internal/store/sqlite"
	"github.com/ringfence/ringfence/internal/taxii"
	"github.com/ringfence/ringfence/internal/taxii/taxiitest"
)

func collectionOf(s taxii.CollectionSpec) store.HubCollection {
	c := store.HubCollection{ID: s.ID, Title: s.Title, Description: s.Description, Alias: s.Alias,
		DefaultTLP: s.DefaultTLP, AllowGuests: s.GuestRead}
	rights := map[string]*store.HubRight{}
	get := func(m string) *store.HubRight {
		if rights[m] == nil {
			rights[m] = &store.HubRight{Member: m}
		}
		return rights[m]
	}
	for _, m := range s.Readers {
		get(m).Read = true
	}
	for _, m := range s.Writers {
		get(m).Write = true
	}
	for _, r := range rights {
		c.Rights = append(c.Rights, *r)
	}
	return c
}

// The TAXII conformance suite against the hub's backend on SQLite.
func TestTAXIIConformanceSQLite(t *testing.T) {
	taxiitest.Run(t, func(t *testing.T, colls []taxii.CollectionSpec) taxii.Backend {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		for _, s := range colls {
			if err := st.PutHubCollection(t.Context(), collectionOf(s)); err != nil {
				t.Fatal(err)
			}
		}
		return backend{st}
	})
}

// And on PostgreSQL, when a test server is configured.
func TestTAXIIConformancePostgres(t *testing.T) {
	taxiitest.Run(t, func(t *testing.T, colls []taxii.CollectionSpec) taxii.Backend {
		st, err := postgres.Open(t.Context(), pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		for _, s := range colls {
			if err := st.PutHubCollection(t.Context(), collectionOf(s)); err != nil {
				t.Fatal(err)
			}
		}
		return backend{st}
	})
}
