package intel

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/shareddata"
)

const (
	sdnXMLPath       = "../../../shared/data/ofac/sdn-advanced-2025-11-19/sdn_advanced.xml.bz2"
	sdnXMLWalletsDir = "../../../shared/data/wallets-2025-11-19"
)

// sdnXMLOpen opens the real SDN advanced XML, decompressing it as it is
// read; it fails in CI when the file is missing and skips elsewhere.
func sdnXMLOpen(t testing.TB) io.ReadCloser {
	t.Helper()
	f, err := os.Open(shareddata.Require(t, sdnXMLPath))
	if err != nil {
		t.Fatal(err)
	}
	return struct {
		io.Reader
		io.Closer
	}{bzip2.NewReader(bufio.NewReaderSize(f, 1<<20)), f}
}

// sdnXMLScan is what a plain line-by-line scan of the file counts,
// independently of the parser: the published file writes one element per
// line.
type sdnXMLScan struct {
	profiles    int
	aliases     int // <Alias … Primary="false">
	individuals int
	dca         int                        // Features of a "Digital Currency Address - …" type
	programs    map[string]map[string]bool // program → FixedRefs of the parties under it
}

var (
	scanPartyType    = regexp.MustCompile(`<PartyType ID="(\d+)">Individual</PartyType>`)
	scanPartySubType = regexp.MustCompile(`<PartySubType ID="(\d+)" PartyTypeID="(\d+)"`)
	scanDCAType      = regexp.MustCompile(`<FeatureType ID="(\d+)"[^>]*>Digital Currency Address - `)
	scanProgramType  = regexp.MustCompile(`<SanctionsType ID="(\d+)">Program</SanctionsType>`)
	scanParty        = regexp.MustCompile(`<DistinctParty FixedRef="(\d+)"`)
	scanProfile      = regexp.MustCompile(`<Profile ID="(\d+)" PartySubTypeID="(\d+)"`)
	scanFeature      = regexp.MustCompile(`<Feature ID="\d+" FeatureTypeID="(\d+)"`)
	scanEntry        = regexp.MustCompile(`<SanctionsEntry ID="\d+" ProfileID="(\d+)"`)
	scanMeasure      = regexp.MustCompile(`<SanctionsMeasure ID="\d+" SanctionsTypeID="(\d+)"`)
	scanComment      = regexp.MustCompile(`<Comment>([^<]+)</Comment>`)
)

func scanSDNXML(r io.Reader) (sdnXMLScan, error) {
	s := sdnXMLScan{programs: map[string]map[string]bool{}}
	individual, programType := "", ""
	subTypes := map[string]string{}
	dcaTypes := map[string]bool{}
	fixedRef := map[string]string{} // Profile ID → FixedRef
	var party, entryProfile string
	inProgram := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		l := sc.Text()
		if !strings.Contains(l, "<") {
			continue
		}
		switch {
		case strings.Contains(l, "<PartyType "):
			if m := scanPartyType.FindStringSubmatch(l); m != nil {
				individual = m[1]
			}
		case strings.Contains(l, "<PartySubType "):
			if m := scanPartySubType.FindStringSubmatch(l); m != nil {
				subTypes[m[1]] = m[2]
			}
		case strings.Contains(l, "<FeatureType "):
			if m := scanDCAType.FindStringSubmatch(l); m != nil {
				dcaTypes[m[1]] = true
			}
		case strings.Contains(l, "<SanctionsType "):
			if m := scanProgramType.FindStringSubmatch(l); m != nil {
				programType = m[1]
			}
		case strings.Contains(l, "<DistinctParty "):
			s.profiles++
			party = scanParty.FindStringSubmatch(l)[1]
		case strings.Contains(l, "<Profile "):
			m := scanProfile.FindStringSubmatch(l)
			fixedRef[m[1]] = party
			if subTypes[m[2]] == individual {
				s.individuals++
			}
		case strings.Contains(l, "<Alias "):
			if strings.Contains(l, `Primary="false"`) {
				s.aliases++
			}
		case strings.Contains(l, "<Feature "):
			if m := scanFeature.FindStringSubmatch(l); m != nil && dcaTypes[m[1]] {
				s.dca++
			}
		case strings.Contains(l, "<SanctionsEntry "):
			entryProfile = scanEntry.FindStringSubmatch(l)[1]
		case strings.Contains(l, "<SanctionsMeasure "):
			m := scanMeasure.FindStringSubmatch(l)
			inProgram = m != nil && m[1] == programType
		case strings.Contains(l, "</SanctionsMeasure>"):
			inProgram = false
		case inProgram && strings.Contains(l, "<Comment>"):
			prog := scanComment.FindStringSubmatch(l)[1]
			if s.programs[prog] == nil {
				s.programs[prog] = map[string]bool{}
			}
			s.programs[prog][fixedRef[entryProfile]] = true
		}
	}
	return s, sc.Err()
}

// sdnXMLParsed parses the real file once for the tests that need it,
// scanning the same decompressed stream independently as it goes.
var sdnXMLParsed struct {
	once sync.Once
	res  *Result
	scan sdnXMLScan
	err  error
}

func parseRealSDNXML(t *testing.T) (*Result, sdnXMLScan) {
	t.Helper()
	rc := sdnXMLOpen(t)
	p := &sdnXMLParsed
	p.once.Do(func() {
		defer rc.Close()
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.scan, _ = scanSDNXML(pr)
			io.Copy(io.Discard, pr)
		}()
		p.res, p.err = ParseOFACAdvanced(context.Background(), io.TeeReader(rc, pw), "sdn_advanced.xml")
		pw.Close()
		<-done
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.res, p.scan
}

func TestParseOFACAdvancedRealFileMatchesAnIndependentScan(t *testing.T) {
	res, scan := parseRealSDNXML(t)
	if res.Source != "ofac-sdn" || res.Format != "ofac-advanced-xml" {
		t.Errorf("source, format: got %q, %q, want ofac-sdn, ofac-advanced-xml", res.Source, res.Format)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"entries", res.Entries, scan.profiles},
		{"profiles", res.Counts["profiles"], scan.profiles},
		{"aliases", res.Counts["aliases"], scan.aliases},
		{"individuals", res.Counts["individuals"], scan.individuals},
		{"digital_currency_addresses", res.Counts["digital_currency_addresses"], scan.dca},
	} {
		if c.got != c.want || c.want == 0 {
			t.Errorf("%s: got %d, the scan counts %d", c.name, c.got, c.want)
		}
	}
	t.Logf("profiles %d, aliases %d, individuals %d, digital-currency addresses %d, indicators %d",
		scan.profiles, scan.aliases, scan.individuals, scan.dca, len(res.Indicators))

	// Programs: the parties under each, by the parser's counts and by the
	// program indicators, against the scan.
	wantCounts := map[string]int{}
	for prog, refs := range scan.programs {
		wantCounts[prog] = len(refs)
	}
	gotCounts := map[string]int{}
	gotRefs := map[string]map[string]bool{}
	for k, n := range res.Counts {
		if prog, ok := strings.CutPrefix(k, "programs:"); ok {
			gotCounts[prog] = n
		}
	}
	for _, in := range res.Indicators {
		if in.Kind == KindProgram {
			if gotRefs[in.Value] == nil {
				gotRefs[in.Value] = map[string]bool{}
			}
			gotRefs[in.Value][in.SourceRef] = true
		}
	}
	if d := cmp.Diff(wantCounts, gotCounts); d != "" {
		t.Errorf("programs:* counts differ from the scan (-scan +parser):\n%s", d)
	}
	if d := cmp.Diff(scan.programs, gotRefs); d != "" {
		t.Errorf("parties per program differ from the scan (-scan +parser):\n%s", d)
	}

	// DPRK programmes (DPRK, DPRK2, DPRK3, DPRK4, DPRK-NKSPEA): the parties
	// under any of them.
	dprk := func(programs map[string]map[string]bool) map[string]bool {
		out := map[string]bool{}
		for prog, refs := range programs {
			if strings.HasPrefix(prog, "DPRK") {
				maps.Copy(out, refs)
			}
		}
		return out
	}
	wantDPRK, gotDPRK := dprk(scan.programs), dprk(gotRefs)
	if len(wantDPRK) == 0 || !maps.Equal(wantDPRK, gotDPRK) {
		t.Errorf("parties under a DPRK programme: got %d, the scan finds %d", len(gotDPRK), len(wantDPRK))
	}
	t.Logf("parties under a DPRK programme: %d", len(wantDPRK))

	for _, in := range res.Indicators {
		if in.Source != "ofac-sdn" || in.SourceRef == "" || in.Confidence == 0 || in.TLP != "clear" || in.FirstSeen.IsZero() {
			t.Fatalf("indicator without its provenance: %+v", in)
		}
		if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
			t.Fatalf("indicator %s %q is not canonical: %q, %v", in.Kind, in.Value, v, err)
		}
	}
	if n := len(res.Warnings); n > 100 {
		t.Errorf("%d warnings kept, want at most 100", n)
	}
}

func TestParseOFACAdvancedHasEverySanctionedAddressOfTheWalletLists(t *testing.T) {
	res, _ := parseRealSDNXML(t)
	have := map[string]bool{}
	for _, in := range res.Indicators {
		if in.Kind == "wallet" {
			have[in.Value] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(shareddata.Require(t, sdnXMLWalletsDir), "sanctioned_addresses_*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no wallet lists in %s", sdnXMLWalletsDir)
	}
	total := 0
	for _, path := range files {
		asset := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "sanctioned_addresses_"), ".txt")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			total++
			// The lists file addresses by OFAC's asset label; compare
			// canonical values, as the chain a canonicaliser reads.
			v, err := Canonical("wallet", strings.ToLower(asset)+":"+l)
			if err != nil {
				v, err = Canonical("wallet", l)
			}
			if err != nil {
				t.Errorf("%s: %q does not canonicalise: %v", asset, l, err)
				continue
			}
			if !have[v] {
				t.Errorf("%s address %s (canonical %s) is not among the parser's wallets", asset, l, v)
			}
		}
	}
	t.Logf("%d listed addresses, all among the %d wallet indicators", total, len(have))
}

// TestParseOFACAdvancedKnownEntries checks parties of the DPRK IT-worker
// network and its money laundering as the file lists them. Every
// expectation was read from sdn_advanced.xml of 2025-11-19 (bzcat … | grep),
// at the DistinctParty with the FixedRef given.
func TestParseOFACAdvancedKnownEntries(t *testing.T) {
	res, _ := parseRealSDNXML(t)
	entries := map[string]map[string][]string{}
	labels := map[string][]string{}
	for _, in := range res.Indicators {
		if entries[in.SourceRef] == nil {
			entries[in.SourceRef] = map[string][]string{}
		}
		entries[in.SourceRef][in.Kind] = append(entries[in.SourceRef][in.Kind], in.Value)
		if in.Kind == "name" {
			labels[in.SourceRef] = append(labels[in.SourceRef], in.Label)
		}
	}
	for _, c := range []struct {
		name   string
		ref    string
		want   map[string][]string // every value of these kinds
		labels []string            // among the names' labels
	}{
		{
			// DistinctParty 42498: "Sim" (Last Name) "Hyon Sop" (First
			// Name), a.k.a. "Sim Hyo'n-so'p"; SanctionsEntry 42498 has the
			// measure NPWMD only; Feature 60982 (Digital Currency Address -
			// ETH), 61088 (ARB) and 61089 (BSC) give one address; passport
			// 109484100 (IDRegDocument 32060).
			name: "SIM Hyon Sop is listed under NPWMD only, with his wallet and passport",
			ref:  "42498",
			want: map[string][]string{
				"name":          {"sim hyon sop"},
				KindProgram:     {"NPWMD"},
				KindEntityType:  {"INDIVIDUAL"},
				KindBirthDate:   {"1983-11-25"},
				KindNationality: {"KP"},
				"wallet":        {"0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"},
				"id_document":   {"passport:KP:109484100"},
			},
			labels: []string{"SIM, Hyon Sop"},
		},
		{
			// DistinctParty 43379, an entity with the Organization Type
			// "Other information technology and computer service
			// activities"; SanctionsEntry 43379: DPRK2.
			name: "Chinyong Information Technology Cooperation Company is listed under DPRK2",
			ref:  "43379",
			want: map[string][]string{
				"name":         {"chinyong information technology cooperation company", "jinyong it cooperation company"},
				KindProgram:    {"DPRK2"},
				KindEntityType: {"ENTITY"},
			},
			labels: []string{"Chinyong Information Technology Cooperation Company"},
		},
		{
			// DistinctParty 43377: "KIM, Sang Man", also written in
			// Hangul (김 상만); SanctionsEntry 43377: DPRK4; four
			// Digital Currency Address features (XBT, ETH, USDC) and three
			// passports.
			name: "KIM Sang Man is listed under DPRK4 with his wallets and passports",
			ref:  "43377",
			want: map[string][]string{
				"name":          {"kim sang man", "gim sangman", "kim sangman"},
				KindProgram:     {"DPRK4"},
				KindBirthDate:   {"1965-04-25"},
				KindNationality: {"KP"},
				"wallet": {"1D6gG9iKEhPitTcWRJiniuj1jYM2hNeAfJ", "0x97b1043abd9e6fc31681635166d430a458d14f9c",
					"0xb6f5ec1a0a9cd1526536d3f0426c429529471f40", "1FCNgfZWpYMeYhy9t18AAkTBu8AsdoAc1Z"},
				"id_document": {"passport:KP:109420132", "passport:KP:827220538", "passport:KP:563220082"},
			},
			labels: []string{"KIM, Sang Man", "김 상만"},
		},
		{
			// DistinctParty 24977 with nine aliases, among them a
			// Chinese and a Korean name; SanctionsEntry 24977: DPRK3 and
			// DPRK4.
			name: "Yanbian Silverstar is listed under DPRK3 and DPRK4 with its Chinese and Korean names",
			ref:  "24977",
			want: map[string][]string{
				KindProgram:    {"DPRK3", "DPRK4"},
				KindEntityType: {"ENTITY"},
			},
			labels: []string{"Yanbian Silverstar Network Technology Co., Ltd.", "延边银星网络科技有限公司", "은성인터네트기술회사", "Yanbian Silver Star"},
		},
		{
			// DistinctParty 24978, Yanbian Silverstar's Russian front;
			// SanctionsEntry 24978: DPRK3 and DPRK4.
			name: "Volasys Silver Star is listed under DPRK3 and DPRK4",
			ref:  "24978",
			want: map[string][]string{
				"name":      {"volasys silver star"},
				KindProgram: {"DPRK3", "DPRK4"},
			},
		},
		{
			// DistinctParty 44437: Website features https://sinbad.io
			// and an .onion address, two Email Address features, two
			// XBT addresses; SanctionsEntry 44437: CYBER2 and DPRK3.
			name: "the Sinbad mixer carries its websites, e-mail addresses and wallets",
			ref:  "44437",
			want: map[string][]string{
				KindProgram: {"CYBER2", "DPRK3"},
				"url":       {"https://sinbad.io/", "http://sinbadiovklgdbafpqvwfwjh2tfrisahtxmrskiovt62nirragcnkcad.onion/"},
				"email":     {"support@sinbad.io", "adv@sinbad.io"},
				"wallet":    {"bc1qq7p0es3dv5hcynjjf40f2xjjr6qp5py47d2f6n847vduuq9gvnyq7y9ecd", "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF"},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := entries[c.ref]
			if got == nil {
				t.Fatalf("no indicators with SourceRef %s", c.ref)
			}
			for kind, want := range c.want {
				if d := cmp.Diff(sortedCopy(want), sortedCopy(got[kind])); d != "" {
					t.Errorf("%s (-want +got):\n%s", kind, d)
				}
			}
			for _, l := range c.labels {
				if !slices.Contains(labels[c.ref], l) {
					t.Errorf("no name labelled %q among %q", l, labels[c.ref])
				}
			}
		})
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// sdnXMLDoc is a small document in the form of sdn_advanced.xml, with the
// reference values the seeds and table tests use; body goes after the
// reference value sets.
func sdnXMLDoc(body string) string {
	return `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">
  <DateOfIssue CalendarTypeID="1"><Year>2025</Year><Month>11</Month><Day>19</Day></DateOfIssue>
  <ReferenceValueSets>
    <AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>
    <CountryValues><Country ID="11120" ISO2="KP">Korea, North</Country><Country ID="11143" ISO2="CN">China</Country></CountryValues>
    <FeatureTypeValues>
      <FeatureType ID="8" FeatureTypeGroupID="1">Birthdate</FeatureType>
      <FeatureType ID="10" FeatureTypeGroupID="1">Nationality Country</FeatureType>
      <FeatureType ID="13" FeatureTypeGroupID="1">SWIFT/BIC</FeatureType>
      <FeatureType ID="14" FeatureTypeGroupID="1">Website</FeatureType>
      <FeatureType ID="21" FeatureTypeGroupID="1">Email Address</FeatureType>
      <FeatureType ID="25" FeatureTypeGroupID="1">Location</FeatureType>
      <FeatureType ID="344" FeatureTypeGroupID="1">Digital Currency Address - XBT</FeatureType>
      <FeatureType ID="444" FeatureTypeGroupID="1">Digital Currency Address - XMR</FeatureType>
      <FeatureType ID="524" FeatureTypeGroupID="1">Phone Number</FeatureType>
      <FeatureType ID="887" FeatureTypeGroupID="1">Digital Currency Address - USDT</FeatureType>
    </FeatureTypeValues>
    <IDRegDocTypeValues><IDRegDocType ID="1571">Passport</IDRegDocType><IDRegDocType ID="1626">Vessel Registration Identification</IDRegDocType></IDRegDocTypeValues>
    <ListValues><List ID="1550">SDN List</List><List ID="91512">Consolidated List</List></ListValues>
    <LocPartTypeValues><LocPartType ID="1">Unknown</LocPartType></LocPartTypeValues>
    <NamePartTypeValues><NamePartType ID="1520">Last Name</NamePartType><NamePartType ID="1521">First Name</NamePartType><NamePartType ID="1525">Entity Name</NamePartType></NamePartTypeValues>
    <PartySubTypeValues><PartySubType ID="1" PartyTypeID="4">Vessel</PartySubType><PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType><PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType></PartySubTypeValues>
    <PartyTypeValues><PartyType ID="1">Individual</PartyType><PartyType ID="2">Entity</PartyType><PartyType ID="4">Transport</PartyType></PartyTypeValues>
    <SanctionsTypeValues><SanctionsType ID="1705">Block</SanctionsType><SanctionsType ID="1">Program</SanctionsType></SanctionsTypeValues>
    <ScriptValues><Script ID="215" ScriptCode="Latin">Latin</Script><Script ID="286" ScriptCode="Hang">Hangul</Script></ScriptValues>
    <ValidityValues><Validity ID="1">Valid</Validity><Validity ID="2">Fraudulent</Validity></ValidityValues>
  </ReferenceValueSets>
` + body + `
</Sanctions>
`
}

// sdnXMLIndividual is one listed individual with a document, features and
// a sanctions entry, as the real file writes them.
const sdnXMLIndividual = `  <Locations>
    <Location ID="7"><LocationPart LocPartTypeID="1"><LocationPartValue Primary="true"><Comment /><Value>Korea, North</Value></LocationPartValue></LocationPart></Location>
    <Location ID="8"><LocationAreaCode AreaCodeID="11143" /><LocationCountry CountryID="11143" CountryRelevanceID="1413" /></Location>
  </Locations>
  <IDRegDocuments>
    <IDRegDocument ID="2" IDRegDocTypeID="1571" IdentityID="500" IssuedBy-CountryID="11120" ValidityID="2">
      <Comment /><IDRegistrationNo>836410070</IDRegistrationNo><IssuingAuthority />
    </IDRegDocument>
  </IDRegDocuments>
  <DistinctParties>
    <DistinctParty FixedRef="9001">
      <Comment />
      <Profile ID="9001" PartySubTypeID="4">
        <Identity ID="500" FixedRef="9001" Primary="true" False="false">
          <Alias FixedRef="9001" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="1" FixedRef="9001" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue NamePartGroupID="11" ScriptID="215">Pak</NamePartValue></DocumentedNamePart>
              <DocumentedNamePart><NamePartValue NamePartGroupID="12" ScriptID="215">Jin Hyok</NamePartValue></DocumentedNamePart>
            </DocumentedName>
            <DocumentedName ID="2" FixedRef="9001" DocNameStatusID="2">
              <DocumentedNamePart><NamePartValue NamePartGroupID="13" ScriptID="286">박진혁</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <Alias FixedRef="9001" AliasTypeID="1400" Primary="false" LowQuality="false">
            <DocumentedName ID="3" FixedRef="9001" DocNameStatusID="2">
              <DocumentedNamePart><NamePartValue NamePartGroupID="14" ScriptID="215">Pak Jin-hek</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <Alias FixedRef="9001" AliasTypeID="1400" Primary="false" LowQuality="true">
            <DocumentedName ID="4" FixedRef="9001" DocNameStatusID="2">
              <DocumentedNamePart><NamePartValue NamePartGroupID="15" ScriptID="215">Jin</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <NamePartGroups>
            <MasterNamePartGroup><NamePartGroup ID="11" NamePartTypeID="1520" /></MasterNamePartGroup>
            <MasterNamePartGroup><NamePartGroup ID="12" NamePartTypeID="1521" /></MasterNamePartGroup>
            <MasterNamePartGroup><NamePartGroup ID="13" NamePartTypeID="1521" /></MasterNamePartGroup>
            <MasterNamePartGroup><NamePartGroup ID="14" NamePartTypeID="1521" /></MasterNamePartGroup>
            <MasterNamePartGroup><NamePartGroup ID="15" NamePartTypeID="1521" /></MasterNamePartGroup>
          </NamePartGroups>
        </Identity>
        <Feature ID="1" FeatureTypeID="8"><FeatureVersion ID="1" ReliabilityID="1"><Comment />
          <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">
            <Start Approximate="false"><From><Year>1984</Year><Month>8</Month><Day>15</Day></From><To><Year>1984</Year><Month>8</Month><Day>15</Day></To></Start>
            <End Approximate="false"><From><Year>1984</Year><Month>8</Month><Day>15</Day></From><To><Year>1984</Year><Month>8</Month><Day>15</Day></To></End>
          </DatePeriod>
          <VersionDetail DetailTypeID="1430" /></FeatureVersion><IdentityReference IdentityID="500" /></Feature>
        <Feature ID="2" FeatureTypeID="8"><FeatureVersion ID="2" ReliabilityID="1">
          <DatePeriod CalendarTypeID="1">
            <Start Approximate="true"><From><Year>1960</Year><Month>1</Month><Day>1</Day></From><To><Year>1960</Year><Month>1</Month><Day>1</Day></To></Start>
            <End Approximate="true"><From><Year>1962</Year><Month>12</Month><Day>31</Day></From><To><Year>1962</Year><Month>12</Month><Day>31</Day></To></End>
          </DatePeriod></FeatureVersion></Feature>
        <Feature ID="3" FeatureTypeID="10"><FeatureVersion ID="3" ReliabilityID="1"><VersionDetail DetailTypeID="1433" /><VersionLocation LocationID="7" /></FeatureVersion></Feature>
        <Feature ID="4" FeatureTypeID="21"><FeatureVersion ID="4" ReliabilityID="1"><VersionDetail DetailTypeID="1432">Jin.Hyok@Example.com</VersionDetail></FeatureVersion></Feature>
        <Feature ID="5" FeatureTypeID="14"><FeatureVersion ID="5" ReliabilityID="1"><VersionDetail DetailTypeID="1432">www.example-front.com</VersionDetail></FeatureVersion></Feature>
        <Feature ID="6" FeatureTypeID="524"><FeatureVersion ID="6" ReliabilityID="1"><VersionDetail DetailTypeID="1432">8613621583465</VersionDetail></FeatureVersion></Feature>
        <Feature ID="7" FeatureTypeID="344"><FeatureVersion ID="7" ReliabilityID="1"><VersionDetail DetailTypeID="1432">1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn</VersionDetail></FeatureVersion></Feature>
        <Feature ID="8" FeatureTypeID="887"><FeatureVersion ID="8" ReliabilityID="1"><VersionDetail DetailTypeID="1432">TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM</VersionDetail></FeatureVersion></Feature>
        <Feature ID="9" FeatureTypeID="444"><FeatureVersion ID="9" ReliabilityID="1"><VersionDetail DetailTypeID="1432">5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320</VersionDetail></FeatureVersion></Feature>
        <Feature ID="10" FeatureTypeID="25"><FeatureVersion ID="10" ReliabilityID="1"><VersionLocation LocationID="8" /></FeatureVersion></Feature>
      </Profile>
    </DistinctParty>
    <DistinctParty FixedRef="9002">
      <Profile ID="9002" PartySubTypeID="3">
        <Identity ID="501" FixedRef="9002" Primary="true" False="false">
          <Alias FixedRef="9002" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="5" FixedRef="9002" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue NamePartGroupID="21" ScriptID="215">Front &amp; Partners Trading Co.</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <NamePartGroups><MasterNamePartGroup><NamePartGroup ID="21" NamePartTypeID="1525" /></MasterNamePartGroup></NamePartGroups>
        </Identity>
        <Feature ID="11" FeatureTypeID="13"><FeatureVersion ID="11" ReliabilityID="1"><VersionDetail DetailTypeID="1432">KYCBKPPY</VersionDetail></FeatureVersion></Feature>
      </Profile>
    </DistinctParty>
  </DistinctParties>
  <ProfileRelationships>
    <ProfileRelationship ID="1" From-ProfileID="9001" To-ProfileID="9002" RelationTypeID="15002" RelationQualityID="1" Former="false" SanctionsEntryID="9001" />
  </ProfileRelationships>
  <SanctionsEntries>
    <SanctionsEntry ID="9001" ProfileID="9001" ListID="1550">
      <EntryEvent ID="9001" EntryEventTypeID="1" LegalBasisID="1"><Comment /><Date CalendarTypeID="1"><Year>2018</Year><Month>9</Month><Day>6</Day></Date></EntryEvent>
      <SanctionsMeasure ID="1" SanctionsTypeID="1705"><DatePeriod CalendarTypeID="1" YearFixed="true" MonthFixed="true" DayFixed="true" /></SanctionsMeasure>
      <SanctionsMeasure ID="2" SanctionsTypeID="1"><Comment>DPRK3</Comment></SanctionsMeasure>
      <SanctionsMeasure ID="3" SanctionsTypeID="1"><Comment>CYBER2</Comment></SanctionsMeasure>
    </SanctionsEntry>
    <SanctionsEntry ID="9002" ProfileID="9002" ListID="1550">
      <SanctionsMeasure ID="4" SanctionsTypeID="1"><Comment>DPRK4</Comment></SanctionsMeasure>
    </SanctionsEntry>
  </SanctionsEntries>`

// sdnXMLIndicator is the part of an indicator the table test compares.
type sdnXMLIndicator struct {
	Ref, Kind, Value, Label, Severity string
	Confidence                        int
}

func TestParseOFACAdvancedSmallDocuments(t *testing.T) {
	for _, c := range []struct {
		name       string
		doc        string
		wantSource string
		want       []sdnXMLIndicator
		wantCounts map[string]int
	}{
		{
			name:       "an individual and a front company become their names, features, documents and programs",
			doc:        sdnXMLDoc(sdnXMLIndividual),
			wantSource: "ofac-sdn",
			want: []sdnXMLIndicator{
				{"9001", "entity_type", "INDIVIDUAL", "individual", "info", 100},
				{"9001", "name", "pak jin hyok", "PAK, Jin Hyok", "high", 100},
				{"9001", "name", "park jinhyeok", "박진혁", "high", 100},
				{"9001", "name", "pak jin hek", "Pak Jin-hek", "high", 100},
				{"9001", "name", "jin", "Jin", "medium", 50},
				{"9001", "birth_date", "1984-08-15", "1984-08-15", "info", 100},
				{"9001", "birth_date", "1960", "1960", "info", 100},
				{"9001", "birth_date", "1961", "1961", "info", 100},
				{"9001", "birth_date", "1962", "1962", "info", 100},
				{"9001", "nationality", "KP", "KP", "info", 100},
				{"9001", "email", "jin.hyok@example.com", "Jin.Hyok@Example.com", "critical", 100},
				{"9001", "url", "https://www.example-front.com/", "www.example-front.com", "critical", 100},
				{"9001", "phone", "+8613621583465", "8613621583465", "critical", 100},
				{"9001", "wallet", "1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn", "1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn", "critical", 100},
				{"9001", "wallet", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM", "TAYhjpL8pPs8T84FSM329nffQpc6jD8GBM", "critical", 100},
				{"9001", "wallet", "xmr:5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", "critical", 100},
				{"9001", "id_document", "passport:KP:836410070", "Passport 836410070 (fraudulent)", "critical", 100},
				{"9002", "entity_type", "ENTITY", "entity", "info", 100},
				{"9002", "name", "front partners trading co", "Front & Partners Trading Co.", "high", 100},
				{"9002", "swift_bic", "KYCBKPPY", "KYCBKPPY", "critical", 100},
				// Programs come from the sanctions entries at the end.
				{"9001", "program", "DPRK3", "DPRK3", "info", 100},
				{"9001", "program", "CYBER2", "CYBER2", "info", 100},
				{"9002", "program", "DPRK4", "DPRK4", "info", 100},
			},
			wantCounts: map[string]int{
				"profiles": 2, "aliases": 2, "aliases:weak": 1, "individuals": 1, "entities": 1,
				"digital_currency_addresses": 3, "programs:DPRK3": 1, "programs:CYBER2": 1, "programs:DPRK4": 1,
				"phone:country_code_assumed": 1,
			},
		},
		{
			name: "a list without SDN entries is the consolidated list, and unusable values are counted",
			doc: sdnXMLDoc(`<IDRegDocuments><IDRegDocument ID="1" IDRegDocTypeID="1626" IdentityID="70"><IDRegistrationNo>IMO 9000000</IDRegistrationNo></IDRegDocument></IDRegDocuments>
  <DistinctParties>
    <DistinctParty FixedRef="7"><Profile ID="7" PartySubTypeID="1">
      <Identity ID="70"><Alias AliasTypeID="1403" Primary="true"><DocumentedName ID="9"><DocumentedNamePart><NamePartValue NamePartGroupID="1">Ocean Star</NamePartValue></DocumentedNamePart></DocumentedName></Alias></Identity>
      <Feature ID="1" FeatureTypeID="524"><FeatureVersion><VersionDetail>0123</VersionDetail></FeatureVersion></Feature>
      <Feature ID="2" FeatureTypeID="344"><FeatureVersion><VersionDetail>not-an-address</VersionDetail></FeatureVersion></Feature>
    </Profile></DistinctParty>
  </DistinctParties>
  <SanctionsEntries><SanctionsEntry ID="7" ProfileID="7" ListID="91512"><SanctionsMeasure ID="1" SanctionsTypeID="1"><Comment>NS-PLC</Comment></SanctionsMeasure></SanctionsEntry></SanctionsEntries>`),
			wantSource: "ofac-consolidated",
			want: []sdnXMLIndicator{
				{"7", "entity_type", "VESSEL", "vessel", "info", 100},
				{"7", "name", "ocean star", "Ocean Star", "high", 100},
				{"7", "program", "NS-PLC", "NS-PLC", "info", 100},
			},
			wantCounts: map[string]int{
				"profiles": 1, "aliases": 0, "vessels": 1, "digital_currency_addresses": 1, "programs:NS-PLC": 1,
				"skipped:phone": 1, "skipped:wallet": 1, "skipped:id_document_type": 1, "warnings": 2,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ParseOFACAdvanced(context.Background(), strings.NewReader(c.doc), "small.xml")
			if err != nil {
				t.Fatal(err)
			}
			if res.Source != c.wantSource {
				t.Errorf("source: got %q, want %q", res.Source, c.wantSource)
			}
			var got []sdnXMLIndicator
			for _, in := range res.Indicators {
				got = append(got, sdnXMLIndicator{in.SourceRef, in.Kind, in.Value, in.Label, in.Severity, in.Confidence})
				if in.Source != c.wantSource || in.FirstSeen.Format("2006-01-02") != "2025-11-19" || in.TLP != "clear" {
					t.Errorf("%s %s: source %q, first seen %v, TLP %q", in.Kind, in.Value, in.Source, in.FirstSeen, in.TLP)
				}
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("indicators (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.wantCounts, res.Counts); d != "" {
				t.Errorf("counts (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseOFACAdvancedRejectsMalformedDocuments(t *testing.T) {
	full := sdnXMLDoc(sdnXMLIndividual)
	mismatched := sdnXMLDoc("<DistinctParties>\n</Locations>")
	entity := sdnXMLDoc("<Locations>\n<Location ID=\"1\"><LocationPart LocPartTypeID=\"1\"><LocationPartValue><Value>&nbsp;</Value></LocationPartValue></LocationPart></Location></Locations>")
	for _, c := range []struct {
		name     string
		doc      string
		wantLine int    // 0: any line
		wantIn   string // in the error message
	}{
		{"a truncated document", full[:len(full)*2/3], 0, "unexpected end of input"},
		{"a document cut inside a tag", full[:strings.Index(full, `<Feature ID="4"`)+12], 0, "unexpected end of input inside a tag"},
		{"an empty file", "", 1, "no root element"},
		{"text that is not XML", "name,program\nKIM,DPRK3\n", 1, "character data outside the root element"},
		{"JSON", `{"type": "bundle"}`, 1, "character data outside the root element"},
		{"another XML document", "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\n</CONSOLIDATED_LIST>\n", 2, "expected <Sanctions>"},
		{"mismatched tags", mismatched, lineOf(mismatched, "</Locations>"), "does not match"},
		{"an unknown entity", entity, lineOf(entity, "&nbsp;"), "unknown or invalid entity"},
		{"an unknown feature type", strings.Replace(full, `FeatureTypeID="21"`, `FeatureTypeID="99999"`, 1), lineOf(full, `FeatureTypeID="21"`), "unknown FeatureType ID 99999"},
		{"an unknown location", strings.Replace(full, `<VersionLocation LocationID="7" />`, `<VersionLocation LocationID="77" />`, 1), lineOf(full, `FeatureTypeID="10"`), "unknown Location ID 77"},
		{"an unknown party subtype", strings.Replace(full, `PartySubTypeID="3"`, `PartySubTypeID="33"`, 1), lineOf(full, `<DistinctParty FixedRef="9002">`), "unknown PartySubType ID 33"},
		{"an unknown list", strings.Replace(full, `ProfileID="9002" ListID="1550"`, `ProfileID="9002" ListID="4242"`, 1), lineOf(full, `<SanctionsEntry ID="9002"`), "unknown List ID 4242"},
		{"a sanctions entry for no profile", strings.Replace(full, `ProfileID="9002" ListID`, `ProfileID="9999" ListID`, 1), lineOf(full, `<SanctionsEntry ID="9002"`), "unknown Profile ID 9999"},
		{"a document of no identity", strings.Replace(full, `IdentityID="500" IssuedBy`, `IdentityID="5" IssuedBy`, 1), lineOf(full, `<IDRegDocument ID="2"`), "unknown Identity ID 5"},
		{"an ID that is not a number", strings.Replace(full, `<Profile ID="9002"`, `<Profile ID="x9002"`, 1), lineOf(full, `<Profile ID="9002"`), "expected a number"},
		{"sections out of the schema's order", strings.Replace(full, "<ProfileRelationships>", "<Locations></Locations>\n  <ProfileRelationships>", 1), lineOf(full, "<ProfileRelationships>"), "out of order"},
		{"a month 13", strings.Replace(full, `<Month>8</Month>`, `<Month>13</Month>`, 1), 0, "no such date"},
	} {
		t.Run(c.name+" is a ParseError with its line", func(t *testing.T) {
			res, err := ParseOFACAdvanced(context.Background(), strings.NewReader(c.doc), "bad.xml")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", res, err)
			}
			if res != nil {
				t.Errorf("a Result came with the error")
			}
			if pe.File != "bad.xml" || pe.Line == 0 && c.wantLine != 0 || c.wantLine != 0 && pe.Line != c.wantLine {
				t.Errorf("got %q (file %q, line %d), want line %d", err, pe.File, pe.Line, c.wantLine)
			}
			if pe.Line == 0 {
				t.Errorf("got %q without a line", err)
			}
			if !strings.Contains(err.Error(), c.wantIn) {
				t.Errorf("got %q, want it to say %q", err, c.wantIn)
			}
		})
	}
}

// lineOf is the line of doc on which s first occurs.
func lineOf(doc, s string) int {
	return strings.Count(doc[:strings.Index(doc, s)], "\n") + 1
}

func TestParseOFACAdvancedStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ParseOFACAdvanced(ctx, strings.NewReader(sdnXMLDoc(sdnXMLIndividual)), "small.xml")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func FuzzParseOFACAdvanced(f *testing.F) {
	full := sdnXMLDoc(sdnXMLIndividual)
	f.Add(full)
	f.Add(sdnXMLDoc(""))
	f.Add(full[:len(full)/2])
	f.Add(strings.Replace(full, "DPRK3", "DPRK3 &amp; &#x41;&#66;<![CDATA[ <x> ]]>", 1))
	f.Add(strings.Replace(full, `LocationID="7"`, `LocationID="8"`, 1))
	f.Add(`<Sanctions><DistinctParties><DistinctParty><Profile ID="1" PartySubTypeID="1"/></DistinctParty></DistinctParties></Sanctions>`)
	f.Add("<a/>")
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		res, err := ParseOFACAdvanced(context.Background(), strings.NewReader(doc), "fuzz.xml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if res != nil {
				t.Fatalf("a Result came with the error %v", err)
			}
			return
		}
		for _, in := range res.Indicators {
			if v, err := Canonical(in.Kind, in.Value); err != nil || v != in.Value {
				t.Fatalf("indicator %s %q is not canonical: %q, %v", in.Kind, in.Value, v, err)
			}
		}
	})
}

// BenchmarkParseOFACAdvanced parses the full SDN list from memory (the
// decompression is done once, outside the timing).
//
//	go test -run '^$' -bench BenchmarkParseOFACAdvanced -benchtime 5x ./internal/intel/
func BenchmarkParseOFACAdvanced(b *testing.B) {
	rc := sdnXMLOpen(b)
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		res, err = ParseOFACAdvanced(context.Background(), bytes.NewReader(data), "sdn_advanced.xml")
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-result-heap")
	runtime.KeepAlive(res)
}
