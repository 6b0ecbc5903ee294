package farm

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// signInFindings reports anonymized_signin and impossible_travel per user.
func (a *Analyzer) signInFindings(r *run) []Finding {
	var out []Finding
	for ui := range a.users {
		u := &a.users[ui]
		usr := int32(ui)
		if l := a.evidence[evKey{evAnon, usr}]; l != nil && u.anon > 0 && (u.astrill > 0 || u.anon >= 2) {
			out = append(out, a.anonFinding(r, usr, l))
		}
		if l := a.evidence[evKey{evTravel, usr}]; l != nil && u.travelEvents > 0 {
			out = append(out, a.travelFinding(r, usr, l))
		}
	}
	return out
}

func (a *Analyzer) userFinding(r *run, kind string, usr int32, l *evList) Finding {
	h := r.userHolder(usr)
	subj := r.holderSubject(h)
	f := Finding{ID: findingID(kind, "subject "+subj), Kind: kind, Subjects: []string{subj}}
	if l != nil {
		r.fillEvidence(&f, l)
	}
	return f
}

func (a *Analyzer) anonFinding(r *run, usr int32, l *evList) Finding {
	u := &a.users[usr]
	f := a.userFinding(r, KindAnonymizedSignIn, usr, l)
	share := float64(u.anon) / float64(max(u.signins, 1))
	pct := int(share*100 + 0.5)
	who := r.holderText(r.userHolder(usr))
	if u.astrill > 0 {
		f.Points = 40 + int(15*share+0.5)
		f.Explanation = fmt.Sprintf("%s signed in through Astrill VPN %d %s, and through anonymising or hosting "+
			"networks %d of %d successful sign-ins (%d%%) %s. Mandiant and Secureworks name Astrill as the "+
			"VPN DPRK IT workers use to reach their employers from China and Russia. Rule out travel to "+
			"China (where Astrill is popular) and a privacy habit; ask where the person works from.",
			who, u.astrill, plural(int(u.astrill), "time", "times"), u.anon, u.signins, pct, spanText(f.First, f.Last, f.Days))
		f.Source = "SIGNALS.md Network: Astrill VPN egress (B); Mandiant UNC5267 (2024-09-23); Secureworks"
	} else {
		f.Points = 10 + int(10*share+0.5)
		f.Explanation = fmt.Sprintf("%s signed in through anonymising VPNs, proxies or hosting networks %d of %d "+
			"successful sign-ins (%d%%) %s. DPRK IT workers hide where they are behind VPNs and rented servers, "+
			"but so do many privacy-minded staff: a hint to weigh with other evidence, not a finding alone.",
			who, u.anon, u.signins, pct, spanText(f.First, f.Last, f.Days))
		f.Source = "SIGNALS.md Network: other consumer VPNs, hosting ASNs (C); Okta securityContext.isProxy"
	}
	f.Level = levelOf(f.Points)
	return f
}

func (a *Analyzer) travelFinding(r *run, usr int32, l *evList) Finding {
	u := &a.users[usr]
	f := a.userFinding(r, KindImpossibleTravel, usr, l)
	n := int(u.travelEvents)
	f.Points = 45 + 5*min(n-1, 3)
	f.Level = levelOf(f.Points)
	f.Explanation = fmt.Sprintf("%s signed in from places too far apart for the time between them %d %s %s "+
		"(faster than 1,000 km/h, or two countries within an hour), leaving out the corporate egress and "+
		"addresses tagged as VPN or proxy. One account used from two places at once is what a worker abroad "+
		"and a laptop at a facilitator's house look like together. Rule out a personal VPN the intelligence "+
		"does not know, a mobile carrier's distant gateway, and a shared account.",
		r.holderText(r.userHolder(usr)), n, plural(n, "time", "times"), spanText(f.First, f.Last, f.Days))
	f.Source = "SIGNALS.md Network: impossible travel, many countries in a short time (B)"
	return f
}

// locationFindings reports devices (and users signing in without one)
// that were mostly somewhere other than their holder's home country or
// state.
func (a *Analyzer) locationFindings(r *run) []Finding {
	var out []Finding
	reported := map[int64]bool{}
	for dev := range a.devs {
		d := &a.devs[dev]
		h := r.holderOf(int32(dev))
		if h >= holderUser {
			continue
		}
		if f, ok := a.mismatch(r, &d.act, h, int32(dev)); ok {
			out = append(out, f)
			reported[h] = true
		}
	}
	for ui := range a.users {
		h := r.userHolder(int32(ui))
		if h >= holderUser || reported[h] {
			continue
		}
		if f, ok := a.mismatch(r, &a.users[ui].act, h, -1); ok {
			out = append(out, f)
		}
	}
	return out
}

func (a *Analyzer) mismatch(r *run, ac *activity, h int64, dev int32) (Finding, bool) {
	p := &a.people[h]
	homeCountry := countryCode(p.Home.Country)
	if homeCountry == "" || ac.locs[0].place == 0 {
		return Finding{}, false
	}
	homeState := ""
	if homeCountry == "US" {
		homeState, _, _ = usState(p.Home.Region)
	}
	var located, home, abroad uint64
	var best *locSlot
	bestDays := 0
	for i := range ac.locs {
		s := &ac.locs[i]
		if s.place == 0 {
			break
		}
		m := s.days.from(r.firstDay) & r.dayMask
		located |= m
		pl := &a.places[s.place-1]
		switch {
		case pl.country == "":
			continue
		case pl.country != homeCountry:
			abroad |= m
		case homeState == "" || pl.state == "" || pl.state == homeState:
			home |= m
			continue
		}
		if n := bits.OnesCount64(m); n > bestDays {
			best, bestDays = s, n
		}
	}
	away := located &^ home
	nAway, nLocated := bits.OnesCount64(away), bits.OnesCount64(located)
	if best == nil || nAway < 3 || 2*nAway <= nLocated {
		return Finding{}, false
	}
	pl := &a.places[best.place-1]
	country := abroad&away != 0 && bits.OnesCount64(abroad&away)*2 > nAway
	f := Finding{Kind: KindLocationMismatch, Subjects: []string{p.ID}, Location: pl.label(), Days: nAway}
	what := "managed device " + a.devKey(dev) + " was"
	key := "device " + a.devKey(dev)
	if dev >= 0 {
		f.Devices = []string{a.devs[dev].key}
	} else {
		what, key = "sign-ins were", "subject "+p.ID
	}
	f.ID = findingID(KindLocationMismatch, key)
	first, last := daySpan(away, r.firstDay)
	f.First, f.Last = first, last
	homeText := strings.Join(nonEmpty(p.Home.City, p.Home.Region, p.Home.Country), ", ")
	if country {
		f.Points = 45
		f.Explanation = fmt.Sprintf("%s's %s located in %s on %d of %d located days (%s to %s), while "+
			"%s's home address is in %s. Company laptops of DPRK IT workers sit in another country than the "+
			"worker, or the worker reaches them from abroad. Rule out a move, a long trip, and geolocation of "+
			"a mobile or satellite connection; ask the person.",
			p.Name, what, pl.label(), nAway, nLocated, dateText(first), dateText(last), p.Name, homeText)
		f.Source = "SIGNALS.md Interviews/Network: IP far from the claimed home (B); inconsistencies between claimed residence and observed location"
	} else {
		f.Points = 25
		f.Explanation = fmt.Sprintf("%s's %s located in %s on %d of %d located days (%s to %s), another "+
			"state than the home address (%s). A laptop kept in a facilitator's house shows up in the "+
			"facilitator's state, not the employee's; moves and long stays are the common reason, so this "+
			"weighs only with other evidence.",
			p.Name, what, pl.label(), nAway, nLocated, dateText(first), dateText(last), homeText)
		f.Source = "SIGNALS.md Network: inconsistencies between claimed residence and observed location (C)"
	}
	f.Level = levelOf(f.Points)
	var evs []Evidence
	for i := range ac.locs {
		s := &ac.locs[i]
		if s.place == 0 {
			break
		}
		m := s.days.from(r.firstDay) & r.dayMask
		if m == 0 {
			continue
		}
		a0, a1 := daySpan(m, r.firstDay)
		ev := Evidence{Time: time.Unix(s.t, 0).UTC(), Device: a.devKey(dev), Line: int(s.line),
			Detail: fmt.Sprintf("located in %s on %d days, %s to %s (this is the first event there)",
				a.places[s.place-1].label(), bits.OnesCount64(m), dateText(a0), dateText(a1))}
		if s.file >= 0 {
			ev.File = a.files[s.file]
		}
		evs = append(evs, ev)
	}
	sortEvidence(evs)
	capEvidence(&f, evs)
	return f, true
}

func (a *Analyzer) devKey(dev int32) string {
	if dev < 0 {
		return ""
	}
	return a.devs[dev].key
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// daySpan returns the first and the last day of a window mask as times.
func daySpan(m uint64, firstDay int32) (time.Time, time.Time) {
	if m == 0 {
		return time.Time{}, time.Time{}
	}
	lo := int64(firstDay) + int64(bits.TrailingZeros64(m))
	hi := int64(firstDay) + int64(63-bits.LeadingZeros64(m))
	return time.Unix(lo*86400, 0).UTC(), time.Unix(hi*86400, 0).UTC()
}

// Off-hours analysis thresholds.
const (
	offHoursMinEvents = 30
	offHoursMinDays   = 5
	offHoursPoints    = 10
)

// workShare is the share of activity between 08:00 and 19:00 local time
// at a UTC offset.
func workShare(h *[24]uint32, offset int) float64 {
	var in, all uint32
	for utc, n := range h {
		local := ((utc+offset)%24 + 24) % 24
		if local >= 8 && local < 19 {
			in += n
		}
		all += n
	}
	if all == 0 {
		return 0
	}
	return float64(in) / float64(all)
}

// offHoursFindings reports people whose activity fits UTC+8/+9 working
// hours rather than their home's. It is weak evidence (SIGNALS.md C:
// night owls exist, and farm laptops run around the clock anyway): the
// finding is always low with offHoursPoints, so that on its own it never
// raises anything, and it only sharpens stronger findings.
func (a *Analyzer) offHoursFindings(r *run) []Finding {
	type agg struct {
		signIn, seen [24]uint32
		nSignIn      uint32
		days         uint64
		devices      []string
	}
	per := map[int64]*agg{}
	get := func(h int64) *agg {
		g := per[h]
		if g == nil {
			g = &agg{}
			per[h] = g
		}
		return g
	}
	for ui := range a.users {
		u := &a.users[ui]
		if u.signins == 0 {
			continue
		}
		g := get(r.userHolder(int32(ui)))
		for i, n := range u.act.hours {
			g.signIn[i] += n
			g.nSignIn += n
		}
		g.days |= u.signDays.from(r.firstDay) & r.dayMask
	}
	for dev := range a.devs {
		d := &a.devs[dev]
		h := r.holderOf(int32(dev))
		if h >= holderUser {
			continue
		}
		g := get(h)
		for i, n := range d.act.hours {
			g.seen[i] += n
		}
		g.days |= d.days.from(r.firstDay) & r.dayMask
		g.devices = append(g.devices, d.key)
	}
	var out []Finding
	for h, g := range per {
		if h >= holderUser {
			continue
		}
		p := &a.people[h]
		home, ok := homeOffset(p.Home.Country, p.Home.Region)
		if !ok || home >= 5 {
			continue
		}
		hist, what := &g.signIn, "sign-ins"
		if g.nSignIn < offHoursMinEvents {
			hist, what = &g.seen, "device activity"
		}
		var total uint32
		for _, n := range hist {
			total += n
		}
		days := bits.OnesCount64(g.days)
		if total < offHoursMinEvents || days < offHoursMinDays {
			continue
		}
		asia := max(workShare(hist, 8), workShare(hist, 9))
		atHome := workShare(hist, home)
		if asia < 0.7 || atHome > 0.35 {
			continue
		}
		slices.Sort(g.devices)
		f := Finding{ID: findingID(KindOffHours, "subject "+p.ID), Kind: KindOffHours, Points: offHoursPoints,
			Level: levelOf(offHoursPoints), Subjects: []string{p.ID}, Devices: g.devices, Days: days}
		f.First, f.Last = daySpan(g.days, r.firstDay)
		f.Explanation = fmt.Sprintf("%d%% of %s's %s (%d events on %d days) fall within 08:00–19:00 at UTC+8/+9 "+
			"(China, North Korea), only %d%% within 08:00–19:00 at home (UTC%+d, %s). Working hours that fit "+
			"East Asia are reported for DPRK IT workers, but night owls and people working for other zones "+
			"exist: this is weak context (always low), never a reason to act alone.",
			int(asia*100+0.5), p.Name, what, total, days, int(atHome*100+0.5), home,
			strings.Join(nonEmpty(p.Home.Region, p.Home.Country), ", "))
		f.Source = "SIGNALS.md Network: activity hours fitting UTC+8/+9 instead of the claimed zone (C)"
		f.Evidence = []Evidence{{Time: f.First, Detail: fmt.Sprintf("%s by UTC hour: %v", what, hist[:])}}
		f.EvidenceTotal = 1
		out = append(out, f)
	}
	return out
}
