package taxii_test

import (
	"testing"

	"github.com/ringfence/ringfence/internal/taxii"
	"github.com/ringfence/ringfence/internal/taxii/taxiitest"
)

func TestMemoryBackend(t *testing.T) {
	taxiitest.Run(t, func(t *testing.T, colls []taxii.CollectionSpec) taxii.Backend {
		b := taxii.NewMemoryBackend()
		for _, c := range colls {
			if err := b.AddCollection(c); err != nil {
				t.Fatal(err)
			}
		}
		return b
	})
}
