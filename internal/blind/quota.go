package blind

import (
	"sync"
	"time"
)

// Default quota. The arithmetic, for one member:
//
// Normal use. The largest member we plan for employs 50,000 workers with 5
// identifiers each (document, phone, e-mail, bank account, address), so a
// full daily re-check is 250,000 evaluations. On the day of a
// key rotation the member registers under the new epoch as well: 500,000.
// Add onboarding, say 10,000 applicants a day with 8 identifiers: 80,000.
// The busiest day is therefore about 580,000 evaluations; the daily cap of
// 1,000,000 leaves 1.7 times that.
//
// Pace. At 2,000 evaluations a second after a burst of 20,000 (20 full
// batches), the daily 250,000 take (250,000 - 20,000) / 2,000 = 115 s, and
// the rotation day's 500,000 about 4 minutes. Evaluation costs the hub about
// 145 µs of one core per element in full batches (BenchmarkEvaluate), so a
// member at full pace takes 0.3 of a core: a few members running their
// daily jobs at once do not starve the others. The burst is at least
// MaxBatch, so that a full batch always fits.
//
// Enumeration. Trying every number of one telephone area code is 10^7
// evaluations. At most 1,000,000 pass in any 24 hours, so the member is
// stopped a tenth of the way, within 490 s, with a retry-after of about a
// day. The whole code takes ten days of running at the cap, which normal use
// never reaches: the hub should alert on sustained use near it (Used).
// Larger spaces (all numbers of a country, SSN × birth date) are out of
// reach. Hubs whose members are smaller should lower Daily to a few times
// their largest workforce × identifiers.
const (
	// DefaultRate is the default sustained evaluations per second per member.
	DefaultRate = 2_000
	// DefaultBurst is the default number of evaluations at once.
	DefaultBurst = 20_000
	// DefaultDaily is the default cap of evaluations per rolling day.
	DefaultDaily = 1_000_000
	// DefaultMaxMembers is the default bound on members tracked at once.
	DefaultMaxMembers = 1024
)

// Reasons Allow gives for a refusal; stable, for metric labels and logs.
const (
	ReasonRate    = "rate"    // faster than Rate per second beyond Burst
	ReasonDaily   = "daily"   // more than Daily in the last 24 hours
	ReasonBatch   = "batch"   // n is not positive, or larger than Burst or Daily: never allowed
	ReasonMembers = "members" // MaxMembers members are active; retry after a minute
)

// QuotaOptions configures a Quota. Zero or negative fields take the
// defaults above.
type QuotaOptions struct {
	// Rate is the sustained number of evaluations per second per member.
	Rate int
	// Burst is how many evaluations a member may make at once after being
	// idle.
	Burst int
	// Daily caps a member's evaluations in a rolling 24 hours.
	Daily int
	// MaxMembers bounds the members tracked at once. When it is reached,
	// members with nothing left to account for are forgotten (which loses
	// nothing); if there are none, new members are refused.
	MaxMembers int
}

// Quota accounts for the hub's evaluations per member: a token bucket of
// Rate per second and Burst, and a cap of Daily evaluated elements in a
// rolling 24 hours counted in one-hour slots (so the window is between 23
// and 24 hours long). It lives in memory; a hub that wants the daily counts
// to survive a restart saves Used and replays it with Restore. A Quota is
// safe for concurrent use. Time comes from the caller, so tests use a fixed
// clock.
type Quota struct {
	interval   time.Duration // one evaluation's share of a second: 1/Rate
	tolerance  time.Duration // Burst intervals
	burst      int
	daily      int
	maxMembers int

	mu      sync.Mutex
	members map[string]*usage
}

// slots is the number of one-hour slots in the rolling day.
const slots = 24

// usage is one member's account: the token bucket as a theoretical
// arrival time (the generic cell rate algorithm, which is a token bucket
// kept in integer time), and evaluations per hour for the last 24 hours.
type usage struct {
	tat  time.Time // when the bucket will be full again
	hour [slots]int64
	n    [slots]int
}

// NewQuota returns a Quota with options o, defaults filling zero fields.
func NewQuota(o QuotaOptions) *Quota {
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Daily <= 0 {
		o.Daily = DefaultDaily
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultMaxMembers
	}
	interval := max(time.Second/time.Duration(o.Rate), 1)
	return &Quota{
		interval:   interval,
		tolerance:  interval * time.Duration(o.Burst),
		burst:      o.Burst,
		daily:      o.Daily,
		maxMembers: o.MaxMembers,
		members:    make(map[string]*usage),
	}
}

// Allow reports whether member may have n elements evaluated at now, and if
// so counts them. If not, retryAfter says how long to wait before the same
// request can pass (zero when it never can) and reason is one of the Reason
// constants; nothing is counted.
func (q *Quota) Allow(member string, n int, now time.Time) (ok bool, retryAfter time.Duration, reason string) {
	if n <= 0 || n > q.burst || n > q.daily {
		return false, 0, ReasonBatch
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.members[member]
	if u == nil {
		if len(q.members) >= q.maxMembers {
			q.sweep(now)
		}
		if len(q.members) >= q.maxMembers {
			return false, time.Minute, ReasonMembers
		}
		u = &usage{}
		q.members[member] = u
	}

	// Token bucket: the request fits if, once its n intervals are added,
	// the bucket is not more than Burst intervals ahead of now.
	tat := u.tat
	if tat.Before(now) {
		tat = now
	}
	tat = tat.Add(time.Duration(n) * q.interval)
	if ahead := tat.Sub(now); ahead > q.tolerance {
		retryAfter, reason = ahead-q.tolerance, ReasonRate
	}

	// Daily cap: free enough of the oldest hours.
	h := hourOf(now)
	if used := u.used(h); used+n > q.daily {
		if wait := u.untilFree(h, used+n-q.daily, now); wait > retryAfter {
			retryAfter, reason = wait, ReasonDaily
		}
	}
	if reason != "" {
		return false, retryAfter, reason
	}
	u.tat = tat
	u.add(h, n)
	return true, 0, ""
}

// Used returns how many evaluations member had in the rolling day at now,
// for the hub to persist or to alert on.
func (q *Quota) Used(member string, now time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.members[member]
	if u == nil {
		return 0
	}
	return u.used(hourOf(now))
}

// Restore counts n evaluations for member in the current hour, as when a
// restarted hub replays the daily counts it saved. It is conservative: the
// evaluations leave the window 24 hours after now, not after they were made.
// It leaves the token bucket alone and ignores non-positive n. It is not
// bounded by MaxMembers: the hub calls it with its own list of members.
func (q *Quota) Restore(member string, n int, now time.Time) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.members[member]
	if u == nil {
		u = &usage{}
		q.members[member] = u
	}
	u.add(hourOf(now), n)
}

// sweep forgets members whose bucket is full and whose day is empty: their
// account is the same as a new member's.
func (q *Quota) sweep(now time.Time) {
	h := hourOf(now)
	for m, u := range q.members {
		if !u.tat.After(now) && u.used(h) == 0 {
			delete(q.members, m)
		}
	}
}

// hourOf numbers hours since the Unix epoch, rounding down.
func hourOf(t time.Time) int64 {
	s := t.Unix()
	h := s / 3600
	if s%3600 < 0 {
		h--
	}
	return h
}

// slotOf returns the slot that holds hour h.
func slotOf(h int64) int { return int(((h % slots) + slots) % slots) }

// live reports whether slot i counts in the day ending in hour h: it was
// written in one of the 23 hours before h, in h, or (if the clock went
// backwards) later, which keeps counting rather than being forgotten.
func (u *usage) live(i int, h int64) bool {
	return u.n[i] > 0 && u.hour[i] > h-slots
}

func (u *usage) used(h int64) int {
	sum := 0
	for i := range slots {
		if u.live(i, h) {
			sum += u.n[i]
		}
	}
	return sum
}

func (u *usage) add(h int64, n int) {
	i := slotOf(h)
	if u.hour[i] != h {
		u.hour[i], u.n[i] = h, 0
	}
	u.n[i] += n
}

// untilFree returns how long from now until at least need evaluations of
// the day ending in hour h have left the window.
func (u *usage) untilFree(h int64, need int, now time.Time) time.Duration {
	freed := 0
	for age := slots - 1; age >= 0; age-- { // oldest first
		hh := h - int64(age)
		i := slotOf(hh)
		if !u.live(i, h) || u.hour[i] != hh {
			continue
		}
		freed += u.n[i]
		if freed >= need {
			return time.Unix((hh+slots)*3600, 0).Sub(now)
		}
	}
	// Only when the clock went backwards past recorded hours; a day is the
	// longest anything stays.
	return slots * time.Hour
}
