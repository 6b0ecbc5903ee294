package farm

import (
	"fmt"
	"testing"
)

// Findings a review found could accuse people wrongly, each pinned here.
func TestNoFalseAccusations(t *testing.T) {
	tests := []struct {
		name   string
		people []Person
		build  func(x *fixture)
		check  func(t *testing.T, fs []Finding)
	}{
		{
			name:   "a serial written with dashes at shipping is the laptop enrolled without them",
			people: []Person{person("e1", "Jane Roe", "jane@corp.example", "1 Oak St", "Denver", "CO", "C02X1234AB")},
			build: func(x *fixture) {
				x.ship(at(0, 9), "jane@corp.example", "C02X-1234-AB", "1 Oak St, Denver, CO 80202, US")
				x.daily(1, 14, "jane@corp.example", "C02X1234AB", "73.1.2.3", denver)
			},
			check: func(t *testing.T, fs []Finding) {
				if n := ofKind(fs, KindNeverEnrolled); len(n) != 0 {
					t.Errorf("never_enrolled for a laptop in use: %s", summary(n))
				}
			},
		},
		{
			name:   "a login missing from the record is the person's own, not a second household",
			people: []Person{person("e1", "Jane Roe", "jane.personal@gmail.com", "1 Oak St", "Denver", "CO", "C02JANE001")},
			build: func(x *fixture) {
				x.daily(0, 14, "", "C02JANE001", "73.1.2.3", denver)
				for d := range 14 {
					x.signIn(at(d, 10), "jroe@corp.example", "73.1.2.3", denver)
				}
			},
			check: func(t *testing.T, fs []Finding) {
				if l := maxLevel(ofKind(fs, KindFarm)); atLeast(l, "medium") {
					t.Errorf("farm at %s for one woman at home: %s", l, summary(fs))
				}
			},
		},
		{
			name: "two roommates on different leases for two weeks are at most low",
			people: []Person{
				person("e1", "Jane Roe", "jane@corp.example", "1 Oak St Apt 1", "Denver", "CO", "C02JANE001", "C02JANE002"),
				person("e2", "Sam Poe", "sam@corp.example", "1 Oak St Apt 2", "Denver", "CO", "C02SAM0001"),
			},
			build: func(x *fixture) {
				x.daily(0, 14, "jane@corp.example", "C02JANE001", "73.1.2.3", denver)
				x.daily(0, 14, "jane@corp.example", "C02JANE002", "73.1.2.3", denver)
				x.daily(0, 14, "sam@corp.example", "C02SAM0001", "73.1.2.3", denver)
			},
			check: func(t *testing.T, fs []Finding) {
				if l := maxLevel(ofKind(fs, KindFarm)); atLeast(l, "medium") {
					t.Errorf("two roommates at %s: %s", l, summary(fs))
				}
			},
		},
		{
			name: "one login given by two records ties to neither",
			people: []Person{
				person("A0001", "Jane Roe", "jane@example.com", "1 Oak St", "Denver", "CO"),
				person("E1", "Jane Roe", "jane@example.com", "1 Oak St", "Denver", "CO", "C02JANE001"),
			},
			build: func(x *fixture) {
				x.daily(0, 14, "", "C02JANE001", "73.1.2.3", denver)
				for d := range 14 {
					x.signIn(at(d, 10), "jane@example.com", "73.1.2.3", denver)
				}
			},
			check: func(t *testing.T, fs []Finding) {
				for _, f := range fs {
					for _, s := range f.Subjects {
						if s == "A0001" {
							t.Errorf("the applicant record is named by %s", summary([]Finding{f}))
						}
					}
				}
				if l := maxLevel(ofKind(fs, KindFarm)); atLeast(l, "medium") {
					t.Errorf("farm at %s from one woman's two records: %s", l, summary(fs))
				}
			},
		},
		{
			name: "devices hiding their access point do not share a place",
			people: []Person{
				person("e1", "A One", "a@corp.example", "1 A St", "Denver", "CO", "C02A000001"),
				person("e2", "B Two", "b@corp.example", "2 B St", "Austin", "TX", "C02B000002"),
				person("e3", "C Three", "c@corp.example", "3 C St", "Nashville", "TN", "C02C000003"),
				person("e4", "D Four", "d@corp.example", "4 D St", "New York", "NY", "C02D000004"),
			},
			build: func(x *fixture) {
				for d := range 14 {
					for i, dev := range []string{"C02A000001", "C02B000002", "C02C000003", "C02D000004"} {
						x.wifi(at(d, 9), dev, []string{"00:00:00:00:00:00", "02:00:00:00:00:00", "00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF"}[i])
					}
				}
			},
			check: func(t *testing.T, fs []Finding) {
				if f := ofKind(fs, KindFarm); len(f) != 0 {
					t.Errorf("a farm from placeholder BSSIDs: %s", summary(f))
				}
			},
		},
		{
			name: "laptops of four people in one IPv6 /64 are one farm",
			people: []Person{
				person("e1", "A One", "a@corp.example", "1 A St", "Denver", "CO", "C02A000001"),
				person("e2", "B Two", "b@corp.example", "2 B St", "Austin", "TX", "C02B000002"),
				person("e3", "C Three", "c@corp.example", "3 C St", "Nashville", "TN", "C02C000003"),
				person("e4", "D Four", "d@corp.example", "4 D St", "New York", "NY", "C02D000004"),
			},
			build: func(x *fixture) {
				for i, dev := range []string{"C02A000001", "C02B000002", "C02C000003", "C02D000004"} {
					x.daily(0, 7, "", dev, "2600:1700:abcd:12::"+string(rune('a'+i)), nashville)
				}
			},
			check: func(t *testing.T, fs []Finding) {
				f := ofKind(fs, KindFarm)
				if len(f) != 1 || len(f[0].Subjects) != 4 || !atLeast(f[0].Level, "high") {
					t.Errorf("farm findings %s; want one high farm of four in the /64", summary(f))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := &fixture{}
			tc.build(x)
			tc.check(t, analyse(t, Config{}, tc.people, x.events))
		})
	}
}

// A farm seen only in sign-ins, whose address changes every few days, is
// one finding over its whole time, not one per address.
func TestSignInOnlyFarmAcrossChangingAddresses(t *testing.T) {
	people := []Person{
		person("e1", "A One", "a@corp.example", "1 A St", "Denver", "CO"),
		person("e2", "B Two", "b@corp.example", "2 B St", "Austin", "TX"),
		person("e3", "C Three", "c@corp.example", "3 C St", "Nashville", "TN"),
		person("e4", "D Four", "d@corp.example", "4 D St", "New York", "NY"),
	}
	x := &fixture{}
	for d := range 16 {
		addr := []string{"73.9.1.10", "73.9.1.20", "73.9.1.30", "73.9.1.40"}[d/4]
		for _, u := range []string{"a", "b", "c", "d"} {
			x.signIn(at(d, 15), u+"@corp.example", addr, nashville)
		}
	}
	farms := ofKind(analyse(t, Config{}, people, x.events), KindFarm)
	if len(farms) != 1 || len(farms[0].Subjects) != 4 || farms[0].Days < 16 {
		t.Errorf("farm findings %s; want one of four people over 16 days", summary(farms))
	}
}

// Millions of distinct devices (hostile or broken input) do not grow the
// analysis past its bound; the overflow is counted.
func TestDistinctDevicesAreBounded(t *testing.T) {
	a := New(Config{MaxActors: 100}, nil)
	x := &fixture{}
	for i := range 500 {
		x.seen(at(0, 10), "", fmt.Sprintf("SERIAL%06d", i), "73.1.2.3", denver)
	}
	a.Add(x.events)
	a.Findings()
	if st := a.Stats(); st.Devices > 100 || st.Overflow != 400 {
		t.Errorf("stats %+v; want at most 100 devices and 400 events counted as overflow", st)
	}
}

// Laptops shipped to the organisation's own office for pickup are no farm
// and no mismatch.
func TestShipmentsToTheOfficeAreNoFarm(t *testing.T) {
	var people []Person
	x := &fixture{}
	for i, c := range []string{"Denver", "Austin", "Nashville", "Boston", "Miami"} {
		id, dev := fmt.Sprintf("e%d", i), fmt.Sprintf("C02OFF%04d", i)
		people = append(people, person(id, "Person "+c, id+"@corp.example", fmt.Sprintf("%d Home St", i+1), c, "ZZ", dev))
		x.ship(at(0, 9), id+"@corp.example", dev, "500 Market St, San Francisco, CA 94105, US")
		x.daily(2, 9, id+"@corp.example", dev, fmt.Sprintf("73.2.%d.1", i), denver)
	}
	without := analyse(t, Config{}, people, x.events)
	if l := maxLevel(append(ofKind(without, KindFarm), ofKind(without, KindShipMismatch)...)); !atLeast(l, "medium") {
		t.Fatalf("without the office declared, five laptops to one address: %s; the fixture should raise something", summary(without))
	}
	with := analyse(t, Config{Offices: []string{"500 Market Street, San Francisco, CA 94105, US"}}, people, x.events)
	if f := append(ofKind(with, KindFarm), ofKind(with, KindShipMismatch)...); len(f) != 0 {
		t.Errorf("shipments to the declared office: %s", summary(f))
	}
}
