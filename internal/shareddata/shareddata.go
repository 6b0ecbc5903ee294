// Package shareddata finds the public data sets the tests read (OFAC and UN
// sanctions lists, sanctioned wallets, the OASIS STIX schemas) in
// ../shared/data beside the repository. They are never copied into it.
//
// One rule for every test that needs them: in CI (CI=true) a missing file
// fails the test loudly, because a skipped test there would pass without
// checking anything; elsewhere it skips, so a checkout without the data
// still tests everything else.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/data relative to the repository root, found by
// walking up from the working directory (a package's folder under go test)
// to the folder holding go.mod.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// Path returns the path of rel inside the shared data folder, after
// Require.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return Require(t, filepath.Join(Dir(t), rel))
}

// Require returns path when it exists; otherwise it fails the test under
// CI=true and skips it elsewhere.
func Require(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared test data %s is missing (CI must have ../shared/data): %v", path, err)
		}
		t.Skipf("shared test data %s is missing: %v", path, err)
	}
	return path
}
