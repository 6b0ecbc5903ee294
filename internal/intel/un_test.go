package intel

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

const unListPath = "../../../shared/data/un/consolidated.xml"

func TestParseUNRealListMatchesAnIndependentScan(t *testing.T) {
	b := listsData(t, unListPath)
	res, err := ParseUN(context.Background(), bytes.NewReader(b), "consolidated.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	nonEmptyAlias := regexp.MustCompile(`<ALIAS_NAME>\s*[^<\s][^<]*</ALIAS_NAME>`)
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"individuals", res.Counts["individuals"], strings.Count(s, "<INDIVIDUAL>")},
		{"entities", res.Counts["entities"], strings.Count(s, "<ENTITY>")},
		{"entries", res.Entries, strings.Count(s, "<INDIVIDUAL>") + strings.Count(s, "<ENTITY>")},
		{"DPRK individuals (KPi.)", res.Counts["refs:KPi"], strings.Count(s, "<REFERENCE_NUMBER>KPi.")},
		{"DPRK entities (KPe.)", res.Counts["refs:KPe"], strings.Count(s, "<REFERENCE_NUMBER>KPe.")},
		{"entries of the DPRK regime", res.Counts["entries_dprk"], strings.Count(s, "<UN_LIST_TYPE>DPRK</UN_LIST_TYPE>")},
		{"aliases", res.Counts["aliases"], len(nonEmptyAlias.FindAllString(s, -1))},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d (independent scan)", c.what, c.got, c.want)
		}
		if c.want == 0 {
			t.Errorf("%s: the independent scan found none: has the format changed?", c.what)
		}
	}
	if res.Source != "un-consolidated" {
		t.Errorf("source: got %q, want un-consolidated", res.Source)
	}
	listsCheckIndicators(t, res)
	for _, in := range res.Indicators {
		if in.LastSeen.IsZero() || in.FirstSeen.IsZero() {
			t.Fatalf("indicator without first/last seen: %+v", in)
		}
	}
}

func TestParseUNKnownDPRKEntries(t *testing.T) {
	b := listsData(t, unListPath)
	res, err := ParseUN(context.Background(), bytes.NewReader(b), "consolidated.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref string
		want      map[string][]string
	}{
		{
			name: "Kim Jong Sik, born between 1967 and 1969, has each year and his good-quality alias",
			ref:  "KPi.066",
			want: map[string][]string{
				"name":          {"kim jong sik", "kim chong sik"},
				KindBirthDate:   {"1967", "1968", "1969"},
				KindNationality: {"KP"},
				KindProgram:     {"DPRK"},
				KindEntityType:  {"INDIVIDUAL"},
			},
		},
		{
			name: "KOMID has its aliases and its Pyongyang street address",
			ref:  "KPe.001",
			want: map[string][]string{
				"name":         {"korea mining development trading corporation", "changgwang sinyong corporation", "komid"},
				"address":      {"CENTRAL DISTRICT, PYONGYANG, KP"},
				KindEntityType: {"ENTITY"},
			},
		},
		{
			name: "Jang Yong Son has his DPRK passport",
			ref:  "KPi.017",
			want: map[string][]string{
				"id_document":   {"passport:KP:563110024"},
				KindBirthDate:   {"1957-02-20"},
				KindNationality: {"KP"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listsEntry(res, tt.ref)
			entryHas(t, got, tt.want)
		})
	}
}

func TestParseUNSmallLists(t *testing.T) {
	const list = `<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
 <INDIVIDUALS><INDIVIDUAL>
  <DATAID>1</DATAID><FIRST_NAME>PAK</FIRST_NAME><SECOND_NAME>CHOL</SECOND_NAME>
  <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER><LISTED_ON>2017-06-02</LISTED_ON>
  <NAME_ORIGINAL_SCRIPT>박철</NAME_ORIGINAL_SCRIPT>
  <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Pak Cheol; Park Chul</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1970</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>Diplomatic Passport: 745310001</NUMBER><ISSUING_COUNTRY>Democratic People's Republic of Korea</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>111</NUMBER></INDIVIDUAL_DOCUMENT>
 </INDIVIDUAL></INDIVIDUALS>
</CONSOLIDATED_LIST>`
	res, err := ParseUN(context.Background(), strings.NewReader(list), "un.xml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range res.Indicators {
		got = append(got, in.Kind+" "+in.Value+" "+in.Severity)
	}
	want := []string{
		"name pak chol high",
		"name 박철 high",
		"entity_type INDIVIDUAL info",
		"program DPRK info",
		"name pak cheol medium",
		"name park chul medium",
		"birth_date 1970 info",
		"id_document passport:KP:745310001 critical",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		// The Hangul name's canonical form is the normaliser's business;
		// only its presence is checked here.
		if strings.HasPrefix(want[i], "name 박") {
			if !strings.HasPrefix(got[i], "name ") {
				t.Errorf("indicator %d: got %q, want the Hangul name", i, got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("indicator %d: got %q, want %q", i, got[i], want[i])
		}
	}
	first := res.Indicators[0]
	if want := time.Date(2017, 6, 2, 0, 0, 0, 0, time.UTC); !first.FirstSeen.Equal(want) {
		t.Errorf("first seen: got %v, want the listing date %v", first.FirstSeen, want)
	}
	if want := time.Date(2026, 2, 27, 0, 0, 9, 554e6, time.UTC); !first.LastSeen.Equal(want) {
		t.Errorf("last seen: got %v, want the list's dateGenerated %v", first.LastSeen, want)
	}
	if res.Counts["aliases"] != 1 || res.Counts["aliases_low"] != 1 || res.Counts["skipped:id_document"] != 1 {
		t.Errorf("counts: got %v, want aliases 1, aliases_low 1, skipped:id_document 1", res.Counts)
	}
}

func TestParseUNRejectsMalformedLists(t *testing.T) {
	tests := []struct{ name, xml, wantField string }{
		{"another XML document", `<stix/>`, "stix"},
		{"an empty list", `<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>`, "CONSOLIDATED_LIST"},
		{"an entry without a name", `<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>KPi.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`, "FIRST_NAME"},
		{"an entry without a reference", `<CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME>X</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>`, "REFERENCE_NUMBER"},
		{"a truncated file", `<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>X</FIRST`, "INDIVIDUAL"},
		{"not XML at all", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseUN(context.Background(), strings.NewReader(tt.xml), "un.xml")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", res, err)
			}
			if res != nil {
				t.Error("a partial result came back with the error")
			}
			if pe.File != "un.xml" || pe.Field != tt.wantField {
				t.Errorf("got %+v, want file un.xml, field %q", pe, tt.wantField)
			}
		})
	}
}

func FuzzParseUN(f *testing.F) {
	f.Add([]byte(`<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>KIM</FIRST_NAME><SECOND_NAME>JONG SIK</SECOND_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.066</REFERENCE_NUMBER><INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1967</FROM_YEAR><TO_YEAR>1969</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`))
	f.Add([]byte(`<CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME>KOMID</FIRST_NAME><REFERENCE_NUMBER>KPe.001</REFERENCE_NUMBER><ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>"KOMID" (x; y)</ALIAS_NAME></ENTITY_ALIAS><ENTITY_ADDRESS><STREET>Central District</STREET><COUNTRY>DPRK</COUNTRY></ENTITY_ADDRESS></ENTITY></ENTITIES></CONSOLIDATED_LIST>`))
	f.Add([]byte(`<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ParseUN(context.Background(), bytes.NewReader(b), "un.xml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if res != nil {
				t.Fatal("a result came back with the error")
			}
			return
		}
		for _, in := range res.Indicators {
			if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
				t.Fatalf("indicator %s %q does not re-canonicalise to itself: %q, %v", in.Kind, in.Value, v, err)
			}
		}
	})
}
