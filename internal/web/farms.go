package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/farm"
	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
)

// farmsPage is the stored laptop-farm findings that pass the filter,
// strongest first.
type farmsPage struct {
	Findings []farmFinding
	Kinds    []farmKind
	Kind     string
	MinLevel string
	// Stored counts the findings stored, filtered or not, so that the page
	// can tell "none yet" from "none match".
	Stored int
}

// farmKind is a choice of the kind filter.
type farmKind struct{ Kind, Label string }

// farmFinding is one finding: the rows the store keeps for each stored
// subject it names, joined again.
type farmFinding struct {
	ID, Kind, Level string
	Points          int
	Location        string
	People          []farmPerson
	Devices         []string
	First, Last     time.Time
	Days            int
	Explanation     string
	// Source is the SIGNALS.md row and the reporting the finding rests on.
	Source string
}

// farmPerson is a person a finding names: a stored subject, or a user of
// the identity provider tied to none ("user:<login>"), which has no page.
type farmPerson struct {
	ID     string
	Stored bool
}

// farmDetail is what farm.StoreFindings keeps in a row's Detail.
type farmDetail struct {
	Location  string   `json:"location"`
	Subjects  []string `json:"subjects"`
	DeviceIDs []string `json:"device_ids"`
	Days      int      `json:"days"`
	Source    string   `json:"source"`
}

// farmKindLabels name the finding kinds for people; the kind itself is
// what the CLI and the API print.
var farmKindLabels = map[string]string{
	farm.KindFarm:             "laptop farm",
	farm.KindIPKVM:            "IP-KVM",
	farm.KindRemoteAccess:     "remote access",
	farm.KindAnonymizedSignIn: "anonymised sign-in",
	farm.KindImpossibleTravel: "impossible travel",
	farm.KindLocationMismatch: "location mismatch",
	farm.KindOffHours:         "off-hours work",
	farm.KindShipMismatch:     "shipped elsewhere",
	farm.KindNeverEnrolled:    "never enrolled",
}

func farmKindLabel(kind string) string { return cmp.Or(farmKindLabels[kind], kind) }

// farmsObject is the audit object of views of the farm findings.
const farmsObject = "farms"

func (u *ui) farms(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := farmsPage{Kind: strings.TrimSpace(q.Get("kind")), MinLevel: strings.TrimSpace(q.Get("min_level"))}
	for _, k := range farm.Kinds {
		d.Kinds = append(d.Kinds, farmKind{k, farmKindLabel(k)})
	}
	if d.Kind != "" && !slices.Contains(farm.Kinds, d.Kind) {
		return badRequest("kind must be one of %s, or empty for all", strings.Join(farm.Kinds, ", "))
	}
	if d.MinLevel == "" {
		d.MinLevel = risk.Low // context-only findings are clear; the page is for what to act on
	}
	if risk.Rank(d.MinLevel) < 0 {
		return badRequest("min_level must be one of %s", strings.Join(risk.Levels, ", "))
	}
	rows, err := u.Store.Findings(ctx, store.FindingQuery{Source: store.SourceFarm})
	if err != nil {
		return err
	}
	all := groupFarmFindings(rows)
	d.Stored = len(all)
	var shown []string
	for _, f := range all {
		// An unknown level counts as clear: it is shown rather than lost.
		if (d.Kind != "" && f.Kind != d.Kind) || max(risk.Rank(f.Level), 0) < risk.Rank(d.MinLevel) {
			continue
		}
		d.Findings = append(d.Findings, f)
		for _, pp := range f.People {
			if pp.Stored && !slices.Contains(shown, pp.ID) {
				shown = append(shown, pp.ID)
			}
		}
	}
	// The explanations name people, their homes and their devices: the
	// log says whose, and is written before anything is sent.
	if len(d.Findings) > 0 {
		if err := u.Desk.Audit(ctx, p.Name, "farms.read", farmsObject, "subjects: "+strings.Join(shown, ",")); err != nil {
			return err
		}
	}
	v := view{Title: "Laptop farms", Nav: "farms", User: p, D: d}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "farms" {
		return u.fragment(w, r, "farms", "farms-table", v)
	}
	return u.render(w, r, http.StatusOK, "farms", v)
}

// groupFarmFindings joins the rows of each finding and orders the
// findings strongest first, then latest, then by id.
func groupFarmFindings(rows []store.Finding) []farmFinding {
	byID := map[string]int{}
	stored := map[string]map[string]bool{}
	var out []farmFinding
	var details []farmDetail
	for _, row := range rows {
		i, ok := byID[row.ID]
		if !ok {
			var det farmDetail
			_ = json.Unmarshal(row.Detail, &det) // an unreadable detail leaves the row's own fields
			i = len(out)
			byID[row.ID] = i
			stored[row.ID] = map[string]bool{}
			details = append(details, det)
			out = append(out, farmFinding{ID: row.ID, Kind: row.Kind, Level: row.Level, Points: row.Points,
				Location: det.Location, Devices: det.DeviceIDs, First: row.First, Last: row.Last, Days: det.Days,
				Explanation: row.Explanation, Source: det.Source})
		}
		stored[row.ID][row.SubjectID] = true
	}
	for i := range out {
		f := &out[i]
		in := stored[f.ID]
		// The detail lists everyone in the analysis's order, users tied to
		// no stored subject included; the rows are the stored subjects.
		for _, s := range details[i].Subjects {
			f.People = append(f.People, farmPerson{ID: s, Stored: in[s]})
			delete(in, s)
		}
		rest := make([]string, 0, len(in))
		for s := range in {
			rest = append(rest, s)
		}
		slices.Sort(rest)
		for _, s := range rest {
			f.People = append(f.People, farmPerson{ID: s, Stored: true})
		}
	}
	slices.SortStableFunc(out, func(a, b farmFinding) int {
		return cmp.Or(cmp.Compare(b.Points, a.Points), b.Last.Compare(a.Last), strings.Compare(a.ID, b.ID))
	})
	return out
}

// otherFinding is a finding about one subject on its page.
type otherFinding struct {
	Source, Kind, Level string
	Points              int
	// What says what was found in a line: the finding's kind, or what the
	// consortium said of an identifier.
	What        string
	Explanation string
	// Link goes to the finding on its own page, if it has one.
	Link string
}

// consortiumDetail is what the consortium's findings keep in Detail.
type consortiumDetail struct {
	Identifier string `json:"identifier"`
	Attribute  string `json:"attribute"`
	Members    int    `json:"members"`
	Fraud      int    `json:"fraud"`
}

// otherEvidence turns a subject's findings into lines for its page,
// strongest first.
func otherEvidence(fs []store.Finding) []otherFinding {
	var out []otherFinding
	for _, f := range fs {
		o := otherFinding{Source: f.Source, Kind: f.Kind, Level: f.Level, Points: f.Points,
			What: f.Kind, Explanation: f.Explanation}
		switch f.Source {
		case store.SourceFarm:
			o.What = farmKindLabel(f.Kind)
			link := "/farms"
			if max(risk.Rank(f.Level), 0) < risk.Rank(risk.Low) {
				link += "?min_level=" + risk.Clear // the list hides clear findings unless asked
			}
			o.Link = link + "#" + url.PathEscape(f.ID)
		case store.SourceConsortium:
			var d consortiumDetail
			if json.Unmarshal(f.Detail, &d) == nil && d.Identifier != "" {
				o.What = consortiumText(d)
			}
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b otherFinding) int { return cmp.Compare(b.Points, a.Points) })
	return out
}

// consortiumText is what the hub said of an identifier, e.g. "identity
// document in id_documents[0]: held at 2 other members, confirmed fraud
// at 1".
func consortiumText(d consortiumDetail) string {
	s := cmp.Or(screen.IdentifierWords[d.Identifier], d.Identifier)
	if d.Attribute != "" {
		s += " in " + d.Attribute
	}
	s += ": held at " + strconv.Itoa(d.Members) + " other member"
	if d.Members != 1 {
		s += "s"
	}
	if d.Fraud > 0 {
		s += ", confirmed fraud at " + strconv.Itoa(d.Fraud)
	}
	return s
}
