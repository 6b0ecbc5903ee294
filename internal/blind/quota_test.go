package blind

import (
	"fmt"
	"testing"
	"time"
)

// t0 is a fixed clock start, on the hour.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// run is what drive saw.
type run struct {
	evaluated  int
	refusals   map[string]int
	lastReason string
	lastWait   time.Duration
	end        time.Time
}

// drive plays a member's client: it asks for batches of batch elements
// until total are evaluated, waiting whatever the quota says after each
// refusal, and gives up when one wait is longer than patience or the clock
// passes until.
func drive(q *Quota, member string, total, batch int, start, until time.Time, patience time.Duration) run {
	r := run{refusals: map[string]int{}}
	now := start
	for r.evaluated < total && now.Before(until) {
		n := min(batch, total-r.evaluated)
		ok, wait, reason := q.Allow(member, n, now)
		if ok {
			r.evaluated += n
			continue
		}
		r.refusals[reason]++
		r.lastReason, r.lastWait = reason, wait
		if wait > patience || wait <= 0 {
			break
		}
		now = now.Add(wait)
	}
	r.end = now
	return r
}

func TestQuotaStopsEnumeration(t *testing.T) {
	q := NewQuota(QuotaOptions{})
	// All 10,000,000 numbers of one area code, in full batches, as fast as
	// the quota lets through, over one day.
	const areaCode = 10_000_000
	r := drive(q, "mallory", areaCode, MaxBatch, t0, t0.Add(24*time.Hour), time.Hour)
	if r.evaluated > DefaultDaily {
		t.Errorf("%d evaluations in a day, want at most %d", r.evaluated, DefaultDaily)
	}
	if r.evaluated*10 > areaCode {
		t.Errorf("enumeration got %d of %d, want no more than a tenth", r.evaluated, areaCode)
	}
	if r.lastReason != ReasonDaily || r.lastWait < 23*time.Hour {
		t.Errorf("last refusal %q, retry after %v; want %q with about a day", r.lastReason, r.lastWait, ReasonDaily)
	}
	if r.refusals[ReasonRate] == 0 {
		t.Errorf("the rate limit never applied: %v", r.refusals)
	}
	// The cap is hit within minutes: (1,000,000 - 20,000) / 2,000 = 490 s.
	if got, want := r.end.Sub(t0), 490*time.Second; got != want {
		t.Errorf("cap reached after %v, want %v", got, want)
	}
	if got := q.Used("mallory", r.end); got != DefaultDaily {
		t.Errorf("Used = %d, want %d", got, DefaultDaily)
	}

	// Waiting out the retry-after lets the next batch through; asking
	// earlier does not.
	retry := r.end.Add(r.lastWait)
	if ok, _, _ := q.Allow("mallory", MaxBatch, retry.Add(-time.Second)); ok {
		t.Error("allowed a second before retry-after")
	}
	if ok, wait, reason := q.Allow("mallory", MaxBatch, retry); !ok {
		t.Errorf("refused at retry-after: %v %s", wait, reason)
	}

	// Ten days to enumerate the code: the cap, not the rate, is the limit.
	r = drive(NewQuota(QuotaOptions{}), "mallory", areaCode, MaxBatch, t0, t0.Add(30*24*time.Hour), 25*time.Hour)
	if days := r.end.Sub(t0).Hours() / 24; r.evaluated != areaCode || days < 9 {
		t.Errorf("enumerated %d in %.1f days, want %d in at least 9", r.evaluated, days, areaCode)
	}
}

func TestQuotaFitsNormalUse(t *testing.T) {
	q := NewQuota(QuotaOptions{})
	const workers, identifiers = 50_000, 5
	day := t0
	for d := range 3 {
		// Each day's full re-check, in full batches.
		r := drive(q, "acme", workers*identifiers, MaxBatch, day, day.Add(time.Hour), time.Minute)
		if r.evaluated != workers*identifiers {
			t.Fatalf("day %d: %d of %d evaluated, refusals %v", d, r.evaluated, workers*identifiers, r.refusals)
		}
		if r.refusals[ReasonDaily] > 0 {
			t.Errorf("day %d: the daily cap refused normal use", d)
		}
		// (250,000 - 20,000) / 2,000 = 115 s.
		if got := r.end.Sub(day); got > 2*time.Minute {
			t.Errorf("day %d: took %v, want at most 2 minutes", d, got)
		}
		day = day.Add(24 * time.Hour)
	}

	// A rotation day: the re-check under both epochs, plus onboarding.
	q = NewQuota(QuotaOptions{})
	r := drive(q, "acme", 2*workers*identifiers+80_000, MaxBatch, t0, t0.Add(time.Hour), time.Minute)
	if r.evaluated != 2*workers*identifiers+80_000 || r.refusals[ReasonDaily] > 0 {
		t.Errorf("rotation day: %d evaluated, refusals %v", r.evaluated, r.refusals)
	}

	// One member's use does not count against another's.
	if ok, _, reason := q.Allow("globex", MaxBatch, r.end); !ok {
		t.Errorf("another member refused: %s", reason)
	}
}

func TestQuotaRollingDay(t *testing.T) {
	q := NewQuota(QuotaOptions{Rate: 1_000_000, Burst: 1000, Daily: 3000})
	for i, h := range []int{0, 5, 10} {
		if ok, _, reason := q.Allow("m", 1000, t0.Add(time.Duration(h)*time.Hour)); !ok {
			t.Fatalf("batch %d refused: %s", i, reason)
		}
	}
	now := t0.Add(20 * time.Hour)
	ok, wait, reason := q.Allow("m", 1000, now)
	if ok || reason != ReasonDaily || wait != 4*time.Hour {
		t.Errorf("Allow at +20h = %v %v %q, want refused for 4h (the 09:00 hour leaves at 09:00 next day)", ok, wait, reason)
	}
	// 2000 need the two oldest hours to leave.
	if _, wait, _ := q.Allow("m", 1000, now); wait != 4*time.Hour {
		t.Errorf("wait = %v", wait)
	}
	q2 := NewQuota(QuotaOptions{Rate: 1_000_000, Burst: 2000, Daily: 3000})
	for _, h := range []int{0, 5, 10} {
		q2.Allow("m", 1000, t0.Add(time.Duration(h)*time.Hour))
	}
	if _, wait, _ := q2.Allow("m", 2000, now); wait != 9*time.Hour {
		t.Errorf("wait for 2000 = %v, want 9h", wait)
	}
	if got := q.Used("m", t0.Add(24*time.Hour)); got != 2000 {
		t.Errorf("Used at +24h = %d, want 2000", got)
	}
	if got := q.Used("m", t0.Add(35*time.Hour)); got != 0 {
		t.Errorf("Used at +35h = %d, want 0", got)
	}
}

func TestQuotaRefusals(t *testing.T) {
	q := NewQuota(QuotaOptions{Rate: 10, Burst: 100, Daily: 1000, MaxMembers: 2})
	tests := []struct {
		member string
		n      int
		at     time.Duration
		ok     bool
		wait   time.Duration
		reason string
	}{
		{"a", 0, 0, false, 0, ReasonBatch},
		{"a", -1, 0, false, 0, ReasonBatch},
		{"a", 101, 0, false, 0, ReasonBatch},
		{"a", 100, 0, true, 0, ""},
		{"a", 1, 0, false, 100 * time.Millisecond, ReasonRate},
		{"a", 50, 0, false, 5 * time.Second, ReasonRate},
		{"a", 50, 5 * time.Second, true, 0, ""},
		{"b", 1, 0, true, 0, ""},
		{"c", 1, 0, false, time.Minute, ReasonMembers},
		// A day later a and b have nothing to account for and are forgotten.
		{"c", 1, 25 * time.Hour, true, 0, ""},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d: %s asks for %d at +%v", i, tt.member, tt.n, tt.at), func(t *testing.T) {
			ok, wait, reason := q.Allow(tt.member, tt.n, t0.Add(tt.at))
			if ok != tt.ok || wait != tt.wait || reason != tt.reason {
				t.Errorf("Allow = %v %v %q, want %v %v %q", ok, wait, reason, tt.ok, tt.wait, tt.reason)
			}
		})
	}
	if n := len(q.members); n > 2 {
		t.Errorf("%d members tracked, want at most 2", n)
	}
}

func TestQuotaRestore(t *testing.T) {
	q := NewQuota(QuotaOptions{Daily: 1000, Burst: 500})
	q.Restore("m", 900, t0)
	if got := q.Used("m", t0); got != 900 {
		t.Errorf("Used after Restore = %d, want 900", got)
	}
	if ok, _, reason := q.Allow("m", 200, t0.Add(time.Hour)); ok || reason != ReasonDaily {
		t.Errorf("Allow(200) after restoring 900 of 1000 = %v %q, want refused %q", ok, reason, ReasonDaily)
	}
	if ok, _, _ := q.Allow("m", 100, t0.Add(time.Hour)); !ok {
		t.Error("Allow(100) after restoring 900 of 1000 refused")
	}
}

func TestQuotaToleratesOddClocks(t *testing.T) {
	q := NewQuota(QuotaOptions{Rate: 10, Burst: 10, Daily: 100})
	if ok, _, _ := q.Allow("m", 10, t0); !ok {
		t.Fatal("refused")
	}
	// The clock goes back an hour: what was counted still counts.
	if ok, _, reason := q.Allow("m", 10, t0.Add(-time.Hour)); ok {
		t.Error("a clock going back refilled the bucket")
	} else if reason != ReasonRate {
		t.Errorf("reason %q", reason)
	}
	if got := q.Used("m", t0.Add(-time.Hour)); got != 10 {
		t.Errorf("Used with the clock back = %d, want 10", got)
	}
	// The zero time and times before 1970 do not panic.
	q.Allow("z", 1, time.Time{})
	q.Allow("z", 1, time.Unix(-1, 0))
	q.Used("z", time.Time{})
}
