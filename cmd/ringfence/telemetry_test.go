package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// farmFixture writes employees and a month of generic telemetry: six
// laptops of four employees (different names, homes in four states)
// online behind one residential address for a week, two with a PiKVM and
// one running AnyDesk; and a couple, both employees, sharing their home
// and its connection. Everyone else of the fleet works from home.
func farmFixture(t *testing.T, dir string) (people, events string) {
	t.Helper()
	people = filepath.Join(dir, "employees.jsonl")
	events = filepath.Join(dir, "telemetry.jsonl")
	type person struct {
		id, name, home, state, zip, ip string
		laptops                        []string
	}
	staff := []person{
		{"e1", "Daniel Moore", "12 Oak St", "TX", "78701", "24.28.1.10", []string{"C02F0001", "C02F0002"}},
		{"e2", "Ryan Clark", "400 Pine Ave", "WA", "98101", "24.28.2.20", []string{"C02F0003", "C02F0004"}},
		{"e3", "Kevin Brown", "77 Elm Rd", "FL", "33101", "24.28.3.30", []string{"C02F0005"}},
		{"e4", "Paul Young", "9 Birch Ln", "CO", "80202", "24.28.4.40", []string{"C02F0006"}},
		{"e5", "Anna Smith", "5 Maple Ct", "OH", "43004", "66.1.2.3", []string{"C02H0001"}},
		{"e6", "Mark Smith", "5 Maple Ct", "OH", "43004", "66.1.2.3", []string{"C02H0002"}},
	}
	for i := range 20 {
		staff = append(staff, person{fmt.Sprintf("w%02d", i), fmt.Sprintf("Worker Number%c", 'A'+i), fmt.Sprintf("%d Main St", 100+i),
			"NY", "10001", fmt.Sprintf("71.%d.0.1", 10+i), []string{fmt.Sprintf("C02W%04d", i)}})
	}
	var pb, eb strings.Builder
	for _, p := range staff {
		rec := map[string]any{"id": p.id, "kind": "employee", "name": p.name, "emails": []string{p.id + "@corp.example"},
			"devices": p.laptops, "addresses": []map[string]string{{"kind": "home", "line1": p.home, "city": "Somewhere",
				"region": p.state, "postal_code": p.zip, "country": "US"}}}
		b, _ := json.Marshal(rec)
		pb.Write(b)
		pb.WriteByte('\n')
	}
	ev := func(m map[string]any) {
		b, _ := json.Marshal(m)
		eb.Write(b)
		eb.WriteByte('\n')
	}
	start := time.Date(2026, 10, 27, 14, 0, 0, 0, time.UTC)
	const farmIP = "73.12.4.9"
	for d := range 30 {
		day := start.AddDate(0, 0, d)
		for _, p := range staff {
			for _, l := range p.laptops {
				ip := p.ip
				if strings.HasPrefix(l, "C02F") && d >= 20 && d < 27 {
					ip = farmIP // the week at the farm
				}
				ev(map[string]any{"time": day.Format(time.RFC3339), "type": "seen", "user": p.id + "@corp.example", "device": l, "ip": ip,
					"location": map[string]any{"city": "Somewhere", "region": p.state, "country": "US"}})
				ev(map[string]any{"time": day.Add(time.Hour).Format(time.RFC3339), "type": "signin", "user": p.id + "@corp.example",
					"device": l, "ip": ip, "signin": map[string]any{"outcome": "SUCCESS"}})
			}
		}
	}
	at := start.AddDate(0, 0, 22).Format(time.RFC3339)
	for _, l := range []string{"C02F0001", "C02F0003"} {
		ev(map[string]any{"time": at, "type": "usb", "device": l, "usb": map[string]any{"vendor_id": "1d6b", "product_id": "0104",
			"vendor": "PiKVM", "product": "PiKVM Composite Device", "serial": "CAFEBABE"}})
	}
	ev(map[string]any{"time": at, "type": "program", "device": "C02F0005", "program": map[string]any{"name": "AnyDesk", "version": "9.0.4"}})
	if err := os.WriteFile(people, []byte(pb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(events, []byte(eb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return people, events
}

func TestTelemetryImportFindsTheFarmAndScreeningAndClustersSeeIt(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	people, events := farmFixture(t, dir)
	if _, errOut, code := ringfenceDB(t, db, "import", people); code != 0 {
		t.Fatalf("import people: exit %d: %s", code, errOut)
	}
	out, errOut, code := ringfenceDB(t, db, "telemetry", "import", "--format", "jsonl", events)
	if code != 0 {
		t.Fatalf("telemetry import: exit %d: %s", code, errOut)
	}
	var farms []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f map[string]any
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		if f["kind"] == "farm" && f["level"] != "low" {
			farms = append(farms, f)
		}
	}
	if len(farms) != 1 {
		t.Fatalf("%d farm findings above low, want 1:\n%s", len(farms), out)
	}
	var subjects, devices []string
	for _, s := range farms[0]["subjects"].([]any) {
		subjects = append(subjects, s.(string))
	}
	for _, d := range farms[0]["devices"].([]any) {
		devices = append(devices, d.(string))
	}
	slices.Sort(subjects)
	slices.Sort(devices)
	if !slices.Equal(subjects, []string{"e1", "e2", "e3", "e4"}) || len(devices) != 6 {
		t.Errorf("the farm names %v and %v; want e1–e4 and their six laptops", subjects, devices)
	}
	if lvl := farms[0]["level"]; lvl != "high" && lvl != "critical" {
		t.Errorf("farm level %v, want high or critical", lvl)
	}
	if !strings.Contains(errOut, "stored") {
		t.Errorf("no summary on stderr: %s", errOut)
	}

	// Screening raises the farm's people, not the couple or the rest.
	out, errOut, code = ringfenceDB(t, db, "screen", "--format", "jsonl", people)
	if code != 0 {
		t.Fatalf("screen: exit %d: %s", code, errOut)
	}
	levels := map[string]string{}
	rules := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v struct {
			ID, Level string
			Hits      []struct{ Rule string }
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		levels[v.ID] = v.Level
		for _, h := range v.Hits {
			rules[v.ID] = append(rules[v.ID], h.Rule)
		}
	}
	for _, id := range []string{"e1", "e2", "e3", "e4"} {
		if l := levels[id]; (l != "high" && l != "critical") || !slices.Contains(rules[id], "laptop-farm") {
			t.Errorf("%s: %s %v; want high with laptop-farm", id, l, rules[id])
		}
	}
	for _, id := range []string{"e5", "e6", "w00", "w19"} {
		if l := levels[id]; l != "clear" && l != "low" {
			t.Errorf("%s: %s %v; want clear or low", id, l, rules[id])
		}
	}
	if !slices.Contains(rules["e1"], "ip-kvm") || !slices.Contains(rules["e3"], "unsanctioned-remote-access") {
		t.Errorf("hardware findings missing: e1 %v, e3 %v", rules["e1"], rules["e3"])
	}

	// Link analysis: the farm is one cluster of its four people.
	out, errOut, code = ringfenceDB(t, db, "cluster", "--format", "jsonl", people)
	if code != 0 {
		t.Fatalf("cluster: exit %d: %s", code, errOut)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var c struct {
			Members  []string
			Evidence []struct{ Attribute, Value string }
		}
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		slices.Sort(c.Members)
		if slices.Equal(c.Members, []string{"e1", "e2", "e3", "e4"}) {
			found = true
			if len(c.Evidence) == 0 || c.Evidence[0].Attribute != "telemetry" || !strings.Contains(c.Evidence[0].Value, "73.12.4.9") {
				t.Errorf("cluster evidence %+v; want the site with its address and dates", c.Evidence)
			}
		}
	}
	if !found {
		t.Errorf("no cluster of e1–e4:\n%s", out)
	}

	// The report groups the site's people and devices with a timeline.
	out, errOut, code = ringfenceDB(t, db, "farm", "report", events)
	if code != 0 || !strings.Contains(out, "73.12.4.9") || !strings.Contains(out, "Daniel Moore") || !strings.Contains(out, "C02F0006") {
		t.Errorf("farm report: exit %d: %s\n%s", code, errOut, out)
	}
}

func TestTelemetryImportReportsBadLinesAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rf.db")
	people, events := farmFixture(t, dir)
	if _, errOut, code := ringfenceDB(t, db, "import", people); code != 0 {
		t.Fatalf("import people: exit %d: %s", code, errOut)
	}
	b, _ := os.ReadFile(events)
	lines := strings.SplitAfter(string(b), "\n")
	bad := append([]string{lines[0], `{"time":"yesterday","type":"seen","device":"X"}` + "\n", `{"time":"2026-11-01T00:00:00Z","type":"seen","ip":"999.1.1.1"}` + "\n", "{not json\n"}, lines[1:]...)
	if err := os.WriteFile(events, []byte(strings.Join(bad, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := ringfenceDB(t, db, "telemetry", "import", events)
	if code != 2 {
		t.Errorf("exit %d, want 2 for bad lines: %s", code, errOut)
	}
	for _, want := range []string{"telemetry.jsonl:2: time", "telemetry.jsonl:3: ip", "telemetry.jsonl:4"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// The good lines were analysed and their findings stored.
	if !strings.Contains(errOut, "stored") || strings.Contains(errOut, "stored 0 ") {
		t.Errorf("the good lines were not analysed: %s", errOut)
	}
}
