package farm

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// TestReportGolden fixes the analyst's report of the hand-made farm: the
// explanations, the site's people, devices and timeline, and the JSON.
func TestReportGolden(t *testing.T) {
	people, events := farmFixture(true)
	a := New(Config{}, people)
	a.Add(events)
	fs := a.Findings()
	rep := a.Report(fs)
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.txt", text.Bytes())
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", js.Bytes())

	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("the JSON does not read back: %v", err)
	}
	if diff := cmp.Diff(rep, back, addrs); diff != "" {
		t.Errorf("JSON round trip (-built +read):\n%s", diff)
	}
}

func TestReportGroupsBySite(t *testing.T) {
	people, events := farmFixture(true)
	a := New(Config{}, people)
	a.Add(events)
	rep := a.Report(a.Findings())
	if len(rep.Sites) != 2 {
		t.Fatalf("got %d sites, want the farm and the household", len(rep.Sites))
	}
	farm := rep.Sites[0]
	var devices []string
	for _, d := range farm.Devices {
		devices = append(devices, d.Device)
		if d.DaysAtSite != 7 {
			t.Errorf("%s at the site %d days, want 7", d.Device, d.DaysAtSite)
		}
	}
	if diff := cmp.Diff([]string{"L1", "L2", "L3", "L4", "L5", "L6"}, devices); diff != "" {
		t.Errorf("site devices (-want +got):\n%s", diff)
	}
	if len(farm.Timeline) != 7 || len(farm.Timeline[0].Online) != 6 {
		t.Errorf("timeline %+v, want 7 days of 6 devices", farm.Timeline)
	}
	var l1 SiteDevice
	for _, d := range farm.Devices {
		if d.Device == "L1" {
			l1 = d
		}
	}
	if !slices.ContainsFunc(l1.Findings, func(s string) bool { return strings.Contains(s, KindIPKVM) }) {
		t.Errorf("L1's findings %v do not include its IP-KVM", l1.Findings)
	}
	for _, o := range rep.Others {
		if slices.Contains([]string{"P1", "P2", "P3", "P4"}, o.Subject) {
			t.Errorf("farm member %s listed again under other findings", o.Subject)
		}
	}
}
