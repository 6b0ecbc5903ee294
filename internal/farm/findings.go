package farm

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
)

// run is one Findings call's view of the aggregates: the window and who
// holds which device, resolved now that every event is in.
type run struct {
	a         *Analyzer
	from, to  int64 // window, Unix seconds
	firstDay  int32
	dayMask   uint64 // window days, from firstDay
	devPerson []int32
	homeIndex map[string]map[int64]bool
	devPairs  [][]int32 // pairs by device, built when needed
}

func (a *Analyzer) newRun() *run {
	r := &run{a: a, from: a.windowStart(), to: a.maxT, firstDay: a.firstDay()}
	n := dayOf(a.maxT) - r.firstDay + 1
	r.dayMask = ^uint64(0)
	if n < 64 {
		r.dayMask = 1<<uint(n) - 1
	}
	r.devPerson = make([]int32, len(a.devs))
	for i := range a.devs {
		d := &a.devs[i]
		r.devPerson[i] = d.person
		if d.person < 0 && d.user >= 0 {
			r.devPerson[i] = a.users[d.user].person
		}
	}
	return r
}

// Findings returns what the events added so far show, strongest first
// (then by kind and id), each explained and with its evidence. It can be
// called more than once.
func (a *Analyzer) Findings() []Finding {
	if a.stats.Used == 0 {
		return nil
	}
	r := a.newRun()
	var out []Finding
	out = append(out, a.hardwareFindings(r)...)
	out = append(out, a.signInFindings(r)...)
	out = append(out, a.locationFindings(r)...)
	out = append(out, a.offHoursFindings(r)...)
	out = append(out, a.shipFindings(r)...)
	out = append(out, a.farmFindings(r)...)
	out = slices.DeleteFunc(out, func(f Finding) bool { return f.Kind == "" })
	sortFindings(out)
	return out
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(y.Points, x.Points), cmp.Compare(slices.Index(Kinds, x.Kind), slices.Index(Kinds, y.Kind)),
			cmp.Compare(x.ID, y.ID))
	})
}

// findingID derives a stable id from a kind and what the finding is about.
func findingID(kind, key string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + key))
	return kind + "-" + hex.EncodeToString(h[:6])
}

// Holders: who a device or sign-in belongs to. A person is their index; a
// user who ties to no person is 1<<32|user; a device with neither is
// 2<<32|device.
const (
	holderUser   = int64(1) << 32
	holderDevice = int64(2) << 32
)

func (r *run) holderOf(actor int32) int64 {
	a := r.a
	if actor >= 0 {
		if p := r.devPerson[actor]; p >= 0 {
			return int64(p)
		}
		if u := a.devs[actor].user; u >= 0 {
			return holderUser | int64(u)
		}
		return holderDevice | int64(actor)
	}
	u := ^actor
	if p := a.users[u].person; p >= 0 {
		return int64(p)
	}
	return holderUser | int64(u)
}

func (r *run) userHolder(u int32) int64 {
	if p := r.a.users[u].person; p >= 0 {
		return int64(p)
	}
	return holderUser | int64(u)
}

// household is the holder's household: people sharing a home address
// (or a name) are one; anyone else is their own.
func (r *run) household(h int64) int64 {
	if h < holderUser {
		return int64(r.a.household[h])
	}
	return h
}

func (r *run) holderSubject(h int64) string {
	a := r.a
	switch {
	case h < holderUser:
		return a.people[h].ID
	case h < holderDevice:
		return "user:" + strings.ToLower(a.users[h-holderUser].login)
	}
	return ""
}

func (r *run) holderText(h int64) string {
	a := r.a
	switch {
	case h < holderUser:
		p := &a.people[h]
		if p.Name == "" {
			return p.ID
		}
		return p.Name + " (" + p.ID + ")"
	case h < holderDevice:
		return "user " + a.users[h-holderUser].login + " (no matching person)"
	}
	return "an unassigned device"
}

func (r *run) deviceSubject(dev int32) string { return r.holderSubject(r.holderOf(dev)) }

func (r *run) deviceHolderText(dev int32) string { return r.holderText(r.holderOf(dev)) }

// fillEvidence copies a list's evidence into f with its time span; it
// leaves f.Kind empty (dropped) when all of it is older than the window.
// Items are kept even when older than the window's start: a list is a
// kind of evidence first seen then and seen again inside the window.
func (r *run) fillEvidence(f *Finding, l *evList) {
	if l.last < r.from {
		f.Kind = ""
		return
	}
	f.First = time.Unix(l.first, 0).UTC()
	f.Last = time.Unix(l.last, 0).UTC()
	f.Days = bits.OnesCount64(l.days.from(r.firstDay) & r.dayMask)
	f.EvidenceTotal = l.total
	f.Evidence = slices.Clone(l.items)
	sortEvidence(f.Evidence)
}

func sortEvidence(evs []Evidence) {
	slices.SortStableFunc(evs, func(x, y Evidence) int {
		return cmp.Or(x.Time.Compare(y.Time), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line),
			cmp.Compare(x.Device, y.Device), cmp.Compare(x.Detail, y.Detail))
	})
}

// capEvidence keeps the first MaxEvidence items and counts all.
func capEvidence(f *Finding, evs []Evidence) {
	f.EvidenceTotal = len(evs)
	if len(evs) > MaxEvidence {
		evs = evs[:MaxEvidence]
	}
	f.Evidence = evs
}

func dateText(t time.Time) string { return t.UTC().Format("2006-01-02") }

// spanText says when: "on 7 days, 2025-03-03 to 2025-03-09".
func spanText(first, last time.Time, days int) string {
	if first.IsZero() {
		return "in the window"
	}
	if dateText(first) == dateText(last) {
		return "on " + dateText(first)
	}
	return fmt.Sprintf("on %d %s between %s and %s", days, plural(days, "day", "days"), dateText(first), dateText(last))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// numberWord spells small counts, as an analyst would write them.
func numberWord(n int) string {
	words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

func levelOf(points int) string { return risk.LevelOf(points) }
