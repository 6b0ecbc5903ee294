package intel

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringfence/ringfence/internal/store"
)

// indicatorCSVColumns are the columns of an indicator spreadsheet
// (DESIGN.md, "Indicator CSV"): type and value are required, the others
// optional.
var indicatorCSVColumns = []string{"type", "value", "label", "severity", "source", "confidence", "tlp", "valid_until"}

// indicatorCSVTypes are the values of the type column: the identifier
// kinds, the e-mail-domain key, and the attribute kinds a watchlist entry
// carries.
var indicatorCSVTypes = map[string]bool{
	"name": true, "email": true, "email_domain": true, "domain": true, "url": true, "phone": true,
	"ip": true, "wallet": true, "bank_account": true, "id_document": true, "address": true, "device": true,
	KindBirthDate: true, KindNationality: true, KindProgram: true, KindSWIFT: true,
}

// ParseIndicatorCSV reads an indicator spreadsheet: a header naming the
// columns type and value and, optionally, label, severity, source,
// confidence, tlp and valid_until, in any order and any case (a UTF-8 byte
// order mark is fine), then one indicator a row. An unknown column is an
// error, so that a misspelt "confidnce" is not silently ignored.
//
//   - type: name, email, email_domain, domain, url, phone, ip (an address
//     or a CIDR), wallet, bank_account, id_document, address, device,
//     birth_date, nationality, program or swift_bic. A phone must carry its
//     country code (E.164, or 00…): there is no region to assume.
//   - severity: one of Severities, default medium.
//   - confidence: 0–100, default 50.
//   - tlp: clear, green, amber, amber+strict or red, with or without a
//     "TLP:" prefix; TLP 1.0's white is clear. Default clear.
//   - valid_until: RFC 3339, or YYYY-MM-DD meaning through that day (UTC).
//   - source: the source the row loads into, default "csv:<file base name>";
//     one Result is returned per source, in order of first appearance.
//   - label: default the value as written.
//
// A spreadsheet is made by hand, so any bad row — a value that does not
// normalise, an unknown type, a bad severity, confidence, TLP or date —
// fails the whole file with a *ParseError naming its line and column, and
// nothing is imported. SourceRef is "line N".
func ParseIndicatorCSV(ctx context.Context, r io.Reader, file string) ([]*Result, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &ParseError{File: file, Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()}
		}
		return fmt.Errorf("read %s: %w", file, err)
	}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{File: file, Line: 1, Reason: "empty: expected a header such as type,value,label,severity,source"}
	}
	if err != nil {
		return nil, csvErr(err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(indicatorCSVColumns, name) {
			return nil, &ParseError{File: file, Line: 1, Field: h, Reason: "unknown column; the columns are " + strings.Join(indicatorCSVColumns, ", ")}
		}
		if _, dup := col[name]; dup {
			return nil, &ParseError{File: file, Line: 1, Field: h, Reason: "column named twice"}
		}
		col[name] = i
	}
	for _, req := range []string{"type", "value"} {
		if _, ok := col[req]; !ok {
			return nil, &ParseError{File: file, Line: 1, Field: req, Reason: "required column missing; the header must name type and value"}
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}

	base := filepath.Base(file)
	defaultSource := "csv:" + strings.TrimSuffix(base, filepath.Ext(base))
	var results []*Result
	bySource := map[string]*Result{}
	var lastSource string
	var last *Result
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line at the end of a hand-made file
		}
		bad := func(field, reason string) error {
			return &ParseError{File: file, Line: line, Field: field, Reason: reason}
		}
		kind := strings.ToLower(get(rec, "type"))
		if !indicatorCSVTypes[kind] {
			return nil, bad("type", fmt.Sprintf("%q is not a type: use name, email, email_domain, domain, url, phone, ip, wallet, bank_account, id_document, address, device, birth_date, nationality, program or swift_bic", get(rec, "type")))
		}
		raw := get(rec, "value")
		value, err := Canonical(kind, raw)
		if err != nil {
			return nil, bad("value", err.Error())
		}
		in := store.Indicator{Kind: kind, Value: value, Label: get(rec, "label"), Severity: "medium",
			Confidence: 50, TLP: "clear", SourceRef: "line " + strconv.Itoa(line)}
		if in.Label == "" {
			in.Label = raw
		}
		if s := get(rec, "severity"); s != "" {
			in.Severity = strings.ToLower(s)
			if !slices.Contains(Severities, in.Severity) {
				return nil, bad("severity", fmt.Sprintf("%q is not one of %s", s, strings.Join(Severities, ", ")))
			}
		}
		if s := get(rec, "confidence"); s != "" {
			c, err := strconv.Atoi(s)
			if err != nil || c < 0 || c > 100 {
				return nil, bad("confidence", fmt.Sprintf("%q is not a whole number from 0 to 100", s))
			}
			in.Confidence = c
		}
		if s := get(rec, "tlp"); s != "" {
			t, ok := csvTLP(s)
			if !ok {
				return nil, bad("tlp", fmt.Sprintf("%q is not a TLP marking (clear, green, amber, amber+strict, red; TLP 1.0's white)", s))
			}
			in.TLP = t
		}
		if s := get(rec, "valid_until"); s != "" {
			t, ok := csvValidUntil(s)
			if !ok {
				return nil, bad("valid_until", fmt.Sprintf("%q is not a date: use YYYY-MM-DD or RFC 3339 (2026-12-31T23:59:59Z)", s))
			}
			in.ValidUntil = t
		}
		source := get(rec, "source")
		if source == "" {
			source = defaultSource
		}
		if source != lastSource || last == nil {
			res, ok := bySource[source]
			if !ok {
				res = &Result{Source: source, Format: "indicator-csv"}
				bySource[source] = res
				results = append(results, res)
			}
			lastSource, last = source, res
		}
		in.Source = source
		last.Entries++
		last.Indicators = append(last.Indicators, in)
	}
	if len(results) == 0 {
		return nil, &ParseError{File: file, Line: 2, Reason: "no rows: a header and no indicators"}
	}
	for _, res := range results {
		for _, in := range res.Indicators {
			res.Count("kind:"+in.Kind, 1)
		}
	}
	return results, nil
}

// csvTLP reads a Traffic Light Protocol marking as people write it —
// "amber", "TLP:AMBER", "TLP: Amber+Strict" — and returns it as one of
// store.TLPs. TLP 1.0's WHITE is TLP 2.0's CLEAR (FIRST, "TLP 2.0", 2022).
func csvTLP(s string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(t, "tlp"); ok {
		t = strings.TrimSpace(strings.TrimLeft(rest, ":-_ "))
	}
	t = strings.ReplaceAll(t, " ", "")
	if t == "white" {
		t = "clear"
	}
	if slices.Contains(store.TLPs, t) {
		return t, true
	}
	return "", false
}

// csvValidUntil reads RFC 3339, or a date meaning the whole of that day:
// it returns the start of the next day, UTC, since an indicator "valid
// until 31 Dec" still holds on 31 Dec.
func csvValidUntil(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.AddDate(0, 0, 1), true
	}
	return time.Time{}, false
}
