package farm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/risk"
)

// Report is the analyst's view of a set of findings: devices and people
// grouped by suspected farm location, each with a day-by-day timeline, and
// the other findings by person.
type Report struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Sites are the farm findings' locations, strongest first.
	Sites []Site `json:"sites"`
	// Others are the people (and devices) with findings outside any site.
	Others   []SubjectFindings `json:"others"`
	Findings []Finding         `json:"findings"`
}

// Site is one suspected farm location.
type Site struct {
	Finding     string       `json:"finding"` // the farm finding's id
	Level       string       `json:"level"`
	Points      int          `json:"points"`
	Location    string       `json:"location"`
	Spots       []string     `json:"spots,omitempty"`
	Explanation string       `json:"explanation"`
	People      []SitePerson `json:"people"`
	Devices     []SiteDevice `json:"devices"`
	// Timeline has a row for each day a member device was online at the
	// site.
	Timeline []SiteDay `json:"timeline"`
}

// SitePerson is a member of a site.
type SitePerson struct {
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Home    string   `json:"home,omitempty"`
	Devices []string `json:"devices,omitempty"`
}

// SiteDevice is a device of a site: when it was seen at all and at the
// site, and which findings touch it.
type SiteDevice struct {
	Device  string    `json:"device"`
	Subject string    `json:"subject,omitempty"`
	First   time.Time `json:"first,omitzero"` // anywhere
	Last    time.Time `json:"last,omitzero"`
	// AtSite* are the first and last events at the site's spots.
	AtSiteFirst time.Time `json:"at_site_first,omitzero"`
	AtSiteLast  time.Time `json:"at_site_last,omitzero"`
	DaysAtSite  int       `json:"days_at_site"`
	Findings    []string  `json:"findings,omitempty"` // "ip_kvm-… (high)"
}

// SiteDay lists the member devices online at the site on one day, and
// those seen at another address (and not at the site) that day.
type SiteDay struct {
	Date      string   `json:"date"`
	Online    []string `json:"online"`
	Elsewhere []string `json:"elsewhere,omitempty"`
}

// SubjectFindings are one subject's findings outside any site.
type SubjectFindings struct {
	Subject  string   `json:"subject"`
	Name     string   `json:"name,omitempty"`
	Level    string   `json:"level"`
	Findings []string `json:"findings"`
}

// Report builds the analyst's report of findings (as Findings returned
// them) from the analyzer's aggregates.
func (a *Analyzer) Report(findings []Finding) Report {
	r := a.newRun()
	rep := Report{Findings: findings, Sites: []Site{}, Others: []SubjectFindings{}}
	if a.maxT != 0 {
		rep.From, rep.To = time.Unix(r.from, 0).UTC(), time.Unix(r.to, 0).UTC()
	}
	spotOf := map[string]int32{}
	for sp := range a.spots {
		spotOf[a.spotLabel(int32(sp))] = int32(sp)
	}
	personOf := map[string]int{}
	for i := range a.people {
		personOf[a.people[i].ID] = i
	}
	touching := func(dev, subject string) []string {
		var out []string
		for _, f := range findings {
			if f.Kind == KindFarm {
				continue
			}
			if slices.Contains(f.Devices, dev) || len(f.Devices) == 0 && subject != "" && slices.Contains(f.Subjects, subject) {
				out = append(out, f.ID+" "+f.Kind+" ("+f.Level+")")
			}
		}
		return out
	}
	inSite := map[string]bool{}
	for _, f := range findings {
		if f.Kind != KindFarm {
			continue
		}
		site := Site{Finding: f.ID, Level: f.Level, Points: f.Points, Location: f.Location, Spots: f.Spots,
			Explanation: f.Explanation, People: []SitePerson{}, Devices: []SiteDevice{}, Timeline: []SiteDay{}}
		if f.Level != risk.Low && f.Level != risk.Clear {
			for _, s := range f.Subjects {
				inSite[s] = true
			}
			for _, d := range f.Devices {
				inSite["device:"+d] = true
			}
		}
		var spots []int32
		for _, s := range f.Spots {
			if sp, ok := spotOf[s]; ok {
				spots = append(spots, sp)
			}
		}
		for _, s := range f.Subjects {
			sp := SitePerson{ID: s}
			if i, ok := personOf[s]; ok {
				p := &a.people[i]
				sp.Name = p.Name
				sp.Home = strings.Join(nonEmpty(p.Home.Line, p.Home.City, p.Home.Region, p.Home.Country), ", ")
			}
			site.People = append(site.People, sp)
		}
		var online [64][]string
		var elsewhere [64][]string
		for _, key := range f.Devices {
			dev, ok := a.devByKey[key]
			if !ok {
				continue
			}
			d := &a.devs[dev]
			sd := SiteDevice{Device: key, Subject: r.deviceSubject(dev)}
			if d.observed {
				sd.First, sd.Last = time.Unix(d.first, 0).UTC(), time.Unix(d.last, 0).UTC()
			}
			var at, away uint64
			for _, i := range r.pairsOf(dev) {
				pr := &a.pairs[i]
				if !slices.Contains(spots, pr.spot) {
					away |= pr.days.from(r.firstDay) & r.dayMask
					continue
				}
				at |= pr.days.from(r.firstDay) & r.dayMask
				if sd.AtSiteFirst.IsZero() || pr.first < sd.AtSiteFirst.Unix() {
					sd.AtSiteFirst = time.Unix(pr.first, 0).UTC()
				}
				if pr.last > sd.AtSiteLast.Unix() {
					sd.AtSiteLast = time.Unix(pr.last, 0).UTC()
				}
			}
			sd.DaysAtSite = bits.OnesCount64(at)
			sd.Findings = touching(key, sd.Subject)
			site.Devices = append(site.Devices, sd)
			for m := at; m != 0; m &= m - 1 {
				i := bits.TrailingZeros64(m)
				online[i] = append(online[i], key)
			}
			for m := away &^ at; m != 0; m &= m - 1 {
				i := bits.TrailingZeros64(m)
				elsewhere[i] = append(elsewhere[i], key)
			}
			for i := range site.People {
				if site.People[i].ID == sd.Subject {
					site.People[i].Devices = append(site.People[i].Devices, key)
				}
			}
		}
		for i := range online {
			if len(online[i]) == 0 {
				continue
			}
			day := time.Unix((int64(r.firstDay)+int64(i))*86400, 0).UTC()
			site.Timeline = append(site.Timeline, SiteDay{Date: dateText(day), Online: online[i], Elsewhere: elsewhere[i]})
		}
		rep.Sites = append(rep.Sites, site)
	}
	// Everything else, by subject.
	by := map[string]*SubjectFindings{}
	var order []string
	for _, f := range findings {
		if f.Kind == KindFarm {
			continue
		}
		subjects := f.Subjects
		if len(subjects) == 0 {
			for _, d := range f.Devices {
				subjects = append(subjects, "device:"+d)
			}
		}
		for _, s := range subjects {
			if inSite[s] {
				continue
			}
			sf := by[s]
			if sf == nil {
				sf = &SubjectFindings{Subject: s, Level: risk.Clear}
				if i, ok := personOf[s]; ok {
					sf.Name = a.people[i].Name
				}
				by[s] = sf
				order = append(order, s)
			}
			sf.Findings = append(sf.Findings, f.ID+" "+f.Kind+" ("+f.Level+")")
			if risk.Rank(f.Level) > risk.Rank(sf.Level) {
				sf.Level = f.Level
			}
		}
	}
	for _, s := range order {
		rep.Others = append(rep.Others, *by[s])
	}
	slices.SortStableFunc(rep.Others, func(x, y SubjectFindings) int {
		if c := risk.Rank(y.Level) - risk.Rank(x.Level); c != 0 {
			return c
		}
		return strings.Compare(x.Subject, y.Subject)
	})
	return rep
}

// WriteJSON writes the report as indented JSON.
func (rep Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write farm report: %w", err)
	}
	return nil
}

// WriteText writes the report for a person to read.
func (rep Report) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "Laptop-farm report, window %s to %s\n", dateText(rep.From), dateText(rep.To))
	fmt.Fprintf(b, "%d %s, %d suspected farm %s\n", len(rep.Findings), plural(len(rep.Findings), "finding", "findings"),
		len(rep.Sites), plural(len(rep.Sites), "location", "locations"))
	for i, s := range rep.Sites {
		fmt.Fprintf(b, "\n== Site %d: %s — %s (%d points), finding %s\n", i+1, s.Location, strings.ToUpper(s.Level), s.Points, s.Finding)
		if len(s.Spots) > 1 {
			fmt.Fprintf(b, "Also seen at: %s\n", strings.Join(s.Spots[1:], "; "))
		}
		fmt.Fprintf(b, "%s\n", wrap(s.Explanation, 100))
		b.WriteString("\nPeople:\n")
		for _, p := range s.People {
			fmt.Fprintf(b, "  %-12s %-24s home: %s; devices: %s\n", p.ID, p.Name, orText(p.Home, "-"), orText(strings.Join(p.Devices, ", "), "-"))
		}
		b.WriteString("\nDevices:\n")
		for _, d := range s.Devices {
			fmt.Fprintf(b, "  %-16s %-12s at site %d days (%s to %s), seen %s to %s\n", d.Device, orText(d.Subject, "-"),
				d.DaysAtSite, stamp(d.AtSiteFirst), stamp(d.AtSiteLast), stamp(d.First), stamp(d.Last))
			for _, f := range d.Findings {
				fmt.Fprintf(b, "  %16s   %s\n", "", f)
			}
		}
		b.WriteString("\nTimeline (devices online at the site; elsewhere in brackets):\n")
		for _, day := range s.Timeline {
			fmt.Fprintf(b, "  %s  %d: %s", day.Date, len(day.Online), strings.Join(day.Online, " "))
			if len(day.Elsewhere) > 0 {
				fmt.Fprintf(b, "  [%s]", strings.Join(day.Elsewhere, " "))
			}
			b.WriteString("\n")
		}
	}
	if len(rep.Others) > 0 {
		b.WriteString("\n== Other findings by subject\n")
		for _, o := range rep.Others {
			name := ""
			if o.Name != "" {
				name = " " + o.Name
			}
			fmt.Fprintf(b, "  %s%s (%s): %s\n", o.Subject, name, o.Level, strings.Join(o.Findings, "; "))
		}
	}
	if len(rep.Findings) > 0 {
		b.WriteString("\n== Findings\n")
		for _, f := range rep.Findings {
			fmt.Fprintf(b, "\n%s %s — %s (%d points)\n", f.ID, f.Kind, strings.ToUpper(f.Level), f.Points)
			fmt.Fprintf(b, "  subjects: %s\n", orText(strings.Join(f.Subjects, ", "), "-"))
			if len(f.Devices) > 0 {
				fmt.Fprintf(b, "  devices: %s\n", strings.Join(f.Devices, ", "))
			}
			if f.Location != "" {
				fmt.Fprintf(b, "  location: %s\n", f.Location)
			}
			fmt.Fprintf(b, "  when: %s to %s, %d %s\n", stamp(f.First), stamp(f.Last), f.Days, plural(f.Days, "day", "days"))
			fmt.Fprintf(b, "%s\n", indent(wrap(f.Explanation, 98), "  "))
			fmt.Fprintf(b, "  source: %s\n", f.Source)
			fmt.Fprintf(b, "  evidence (%d of %d):\n", len(f.Evidence), f.EvidenceTotal)
			for _, ev := range f.Evidence {
				loc := ""
				if ev.File != "" {
					loc = fmt.Sprintf("%s:%d ", ev.File, ev.Line)
				}
				fmt.Fprintf(b, "    %s%s %s\n", loc, stamp(ev.Time), ev.Detail)
			}
		}
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write farm report: %w", err)
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// wrap breaks text into lines of at most width characters.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for w := range strings.FieldsSeq(s) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
