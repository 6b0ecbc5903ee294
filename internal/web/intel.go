package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/live"
	"github.com/ringfence/ringfence/internal/store"
)

type indicatorsPage struct {
	Text, Kind, Source string
	Searched           bool
	Results            []store.Indicator
	More               bool
	Kinds              []string
	Imported           []importSummary
}

type importSummary struct {
	Source     string
	Format     string
	Indicators int
	Entries    int
	Warnings   []string
	// WarningsMore counts the warnings past those listed.
	WarningsMore int
}

// indicatorKinds are offered as suggestions in the search form; any kind
// may be typed.
var indicatorKinds = []string{"name", "email", "email_domain", "domain", "url", "phone", "ip", "wallet",
	"bank_account", "id_document", "address", "device", store.KindBirthDate, store.KindNationality,
	store.KindProgram, intel.KindSWIFT, intel.KindSoftware, intel.KindVPNProvider, intel.KindUSBDevice}

const indicatorsShown = 200

func (u *ui) indicators(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	d := indicatorsPage{Text: strings.TrimSpace(q.Get("q")), Kind: strings.TrimSpace(q.Get("kind")),
		Source: strings.TrimSpace(q.Get("source")), Kinds: indicatorKinds}
	if err := u.searchIndicators(r, &d); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "indicators", view{Title: "Indicators", Nav: "indicators", User: p, D: d})
}

// searchIndicators fills in the results when the form asked for some: a
// bare visit lists nothing, as a scan of every indicator is slow.
func (u *ui) searchIndicators(r *http.Request, d *indicatorsPage) error {
	if d.Text == "" && d.Kind == "" && d.Source == "" {
		return nil
	}
	d.Searched = true
	var err error
	d.Results, d.More, err = u.Engine.SearchIndicators(r.Context(), live.IndicatorSearch{Text: d.Text, Kind: d.Kind,
		Source: d.Source, Limit: indicatorsShown})
	return err
}

func (u *ui) importIntel(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	name, _, data, err := formFile(r, 0)
	if errors.Is(err, http.ErrMissingFile) {
		return badRequest("choose an intelligence file to import")
	}
	if err != nil {
		return err
	}
	results, err := u.Engine.ImportIntel(r.Context(), name, data)
	// Sources loaded before a failure are stored: say so, and log them.
	d := indicatorsPage{Kinds: indicatorKinds}
	for _, res := range results {
		s := importSummary{Source: res.Source, Format: res.Format, Indicators: len(res.Indicators), Entries: res.Entries}
		s.Warnings = res.Warnings
		if len(s.Warnings) > 20 {
			s.Warnings, s.WarningsMore = s.Warnings[:20], len(s.Warnings)-20
		}
		d.Imported = append(d.Imported, s)
		detail := fmt.Sprintf("%d indicators (%s)", s.Indicators, s.Format)
		if aerr := u.Desk.Audit(r.Context(), p.Name, "intel.import", "source:"+res.Source, detail); aerr != nil {
			return aerr
		}
	}
	if err != nil {
		var pe *intel.ParseError
		if errors.As(err, &pe) || errors.Is(err, store.ErrInvalid) {
			v := view{Title: "Indicators", Nav: "indicators", User: p, D: d, FlashError: true,
				Flash: "Import refused: " + err.Error()}
			return u.render(w, r, http.StatusBadRequest, "indicators", v)
		}
		return err
	}
	n := 0
	for _, s := range d.Imported {
		n += s.Indicators
	}
	v := view{Title: "Indicators", Nav: "indicators", User: p, D: d,
		Flash: fmt.Sprintf("Imported %d indicators from %d source(s); screening uses them from now on.", n, len(d.Imported))}
	return u.render(w, r, http.StatusOK, "indicators", v)
}
