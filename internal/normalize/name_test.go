package normalize

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var nameTests = []struct {
	name      string
	in        string
	canonical string
	key       string
	korean    bool
}{
	{"an RR name with a hyphenated given name, given name first", "Hyeon-seop Shim", "hyeon seop shim", "HYON-SOP-SIM", true},
	{"the SDN spelling of the same name, surname and comma first", "SIM, Hyon Sop", "sim hyon sop", "HYON-SOP-SIM", true},
	{"a Hangul name is romanised surname first", "김정은", "kim jeongeun", "CON-KON-KIM", true},
	{"the DPRK spelling of that name", "Kim Jong Un", "kim jong un", "CON-KON-KIM", true},
	{"the press spelling, hyphenated", "KIM Jong-un", "kim jong un", "CON-KON-KIM", true},
	{"the RR spelling", "Gim Jeong-eun", "gim jeong eun", "CON-KON-KIM", true},
	{"the McCune–Reischauer spelling with breves", "Kim Chŏng-ŭn", "kim chong un", "CON-KON-KIM", true},
	{"MR typed with apostrophes for breves and aspiration", "Kim Cho'ng-u'n", "kim chong un", "CON-KON-KIM", true},
	{"a joined given name", "Kim Jongun", "kim jongun", "CON-KON-KIM", true},
	{"a two-syllable Hangul name", "박철", "park cheol", "COL-PAK", true},
	{"its DPRK spelling", "Pak Chol", "pak chol", "COL-PAK", true},
	{"its passport spelling", "Park Cheol", "park cheol", "COL-PAK", true},
	{"a passport spelling with u for ㅓ", "Park Chul", "park chul", "COL-PAK", true},
	{"the SDN list's typed MR", "CH'OE, So'k-min", "choe sok min", "CWE-SOK-MIN", true},
	{"curly apostrophes", "RI U’N SO’NG", "ri un song", "KI-ON-SON", true},
	{"Lee is the DPRK's Ri", "Lee Song Chol", "lee song chol", "COL-I-SONG", true},
	{"the DPRK's Ri", "RI, Song Chol", "ri song chol", "COL-I-SONG", true},
	{"Ryong is Yong after the initial r is dropped", "CHOE, Ryong Hae", "choe ryong hae", "CWE-YONG-HE", true},
	{"DPRK aspirate th is t", "RI, Thae Chol", "ri thae chol", "COL-I-TE", true},
	{"a Hangul name whose syllables must stay apart", "김하은", "kim ha eun", "HA-ON-KIM", true},
	{"Hangul and Latin mixed", "Kim 정은", "kim jeongeun", "CON-KON-KIM", true},
	{"full-width Latin is NFKC-folded", "ＫＩＭ　Ｊｏｎｇ　Ｕｎ", "kim jong un", "CON-KON-KIM", true},
	{"an English name gets the plain key", "John Smith", "john smith", "john smith", false},
	{"its near-homophone gets a different plain key", "Jon Smyth", "jon smyth", "jon smyth", false},
	{"surname-first English name sorts the same", "SMITH, John", "smith john", "john smith", false},
	{"a title goes and hyphens and apostrophes are handled", "Dr. Jean-Luc O'Brien", "jean luc obrien", "jean luc obrien", false},
	{"diacritics fold", "José Álvarez-Núñez", "jose alvarez nunez", "alvarez jose nunez", false},
	{"letters without a decomposition fold by hand", "Ægir Þórsson", "aegir thorsson", "aegir thorsson", false},
	{"a Russian name on the DPRK programme", "PISKLIN, Mikhail Yur'evich", "pisklin mikhail yurevich", "mikhail pisklin yurevich", false},
	{"Cyrillic stays Cyrillic", "ПАК Чол", "пак чол", "пак чол", false},
	{"Han characters are not read as Korean", "金正恩", "金正恩", "金正恩", false},
	{"a title alone is the name", "Mr Mr", "mr", "mr", false},
	{"a one-word Korean name", "Kim", "kim", "KIM", true},
}

func TestName(t *testing.T) {
	for _, tt := range nameTests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Name(tt.in)
			if err != nil {
				t.Fatalf("Name(%q): %v", tt.in, err)
			}
			if v.Kind != KindName {
				t.Errorf("Name(%q).Kind = %q, want %q", tt.in, v.Kind, KindName)
			}
			if v.Canonical != tt.canonical {
				t.Errorf("Name(%q).Canonical = %q, want %q", tt.in, v.Canonical, tt.canonical)
			}
			if got := v.Key("name_key"); got != tt.key {
				t.Errorf("Name(%q) name_key = %q, want %q", tt.in, got, tt.key)
			}
			if got := v.Facts["korean"] == "true"; got != tt.korean {
				t.Errorf("Name(%q) korean fact = %v, want %v", tt.in, got, tt.korean)
			}
			again, err := Name(v.Canonical)
			if err != nil || again.Canonical != v.Canonical || again.Key("name_key") != v.Key("name_key") {
				t.Errorf("Name(%q) = %q, %q; re-normalised %q, %q, %v", tt.in, v.Canonical, v.Key("name_key"), again.Canonical, again.Key("name_key"), err)
			}
		})
	}
}

func TestNameFacts(t *testing.T) {
	tests := []struct{ in, script string }{
		{"Kim Jong Un", "latin"},
		{"김정은", "hangul"},
		{"Kim 정은", "mixed"},
		{"金正恩", "han"},
		{"Пак Чол", "cyrillic"},
	}
	for _, tt := range tests {
		v, err := Name(tt.in)
		if err != nil {
			t.Fatalf("Name(%q): %v", tt.in, err)
		}
		if got := v.Facts["script"]; got != tt.script {
			t.Errorf("Name(%q) script = %q, want %q", tt.in, got, tt.script)
		}
	}
}

func TestNameTokensAreSortedWords(t *testing.T) {
	v, err := Name("SIM, Hyon-Sop")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Key("name_tokens"), "hyon sim sop"; got != want {
		t.Errorf("name_tokens = %q, want %q", got, want)
	}
}

// nameCollisions are groups of spellings of one person's name, drawn from
// the SDN and UN lists (aliases included) and the brief.
var nameCollisions = [][]string{
	{"Hyeon-seop Shim", "SIM, Hyon Sop", "Shim Hyun-sup", "Sim Hyonsop", "심현섭"},
	{"김정은", "Kim Jong Un", "KIM Jong-un", "Gim Jeong-eun", "Kim Chŏng-ŭn", "Jong-un Kim", "Kim Jung Eun"},
	{"박철", "Pak Chol", "Park Cheol", "PARK, Chul", "Bak Cheol"},
	{"KIM, Yong Chol", "Kim Yong-Chol", "Kim Young-Chol", "Kim Young-Cheol", "김영철"},
	{"MIN BYONG CHOL", "Min Pyo’ng-ch’o’l", "Min Byong-chol", "민병철"},
	{"CHOE CHUN YONG", "Ch’oe Ch’un-yo’ng", "Choi Chun-young", "최춘영"},
	{"JO YONG CHOL", "Cho Yong Chol", "Jo Yong-chol", "조용철"},
	{"CHO YON CHUN", "Jo Yon Jun", "조연준"},
	{"RI PYONG CHUL", "Ri Pyo’ng-ch’o’l", "Ri Pyong Chol", "Lee Pyeong-cheol", "리병철", "이병철"},
	{"RI U’N SO’NG", "Ri Eun Song", "Ri Un Song", "Lee Eun-seong", "리은성"},
	{"CHU HYO’K", "Ju Hyok", "Joo Hyuk", "주혁"},
	{"PAK TO CHUN", "Pak Do Chun", "Pak To’-Ch’un", "박도춘"},
	{"KANG, Phyong Guk", "Kang Pyong-guk", "Gang Pyeong-guk", "강평국"},
	{"HYON KWANG IL", "Hyon Gwang Il", "Hyun Kwang-il", "현광일"},
	{"JANG BOM SU", "Jang Pom Su", "Chang Pom-su", "장범수"},
	{"PAEK SE BONG", "Paek Se Pong", "Baek Se-bong", "백세봉"},
	{"CHOE, Ryong Hae", "Choi Yong-hae", "Choe Ryong-hae", "최룡해"},
	{"RYU, Jin", "Yoo Jin", "류진"},
	{"IM, Song Sun", "Lim Sung-soon", "Rim Song Sun", "림성순", "임성순"},
	{"O, Kuk-Ryol", "Oh Kuk-ryol", "Oh Guk-yeol", "오극렬"},
}

func TestNameCollidesForSpellingsOfOneName(t *testing.T) {
	for _, group := range nameCollisions {
		t.Run(group[0]+" in every spelling", func(t *testing.T) {
			first, err := Name(group[0])
			if err != nil {
				t.Fatalf("Name(%q): %v", group[0], err)
			}
			want := first.Key("name_key")
			for _, s := range group[1:] {
				v, err := Name(s)
				if err != nil {
					t.Errorf("Name(%q): %v", s, err)
					continue
				}
				if got := v.Key("name_key"); got != want {
					t.Errorf("name_key of %q = %q, want %q as for %q", s, got, want, group[0])
				}
			}
		})
	}
}

// nameDistinct are pairs of different people's names.
var nameDistinct = [][2]string{
	{"Kim Jong Un", "Kim Jong Il"},
	{"Kim Jong Un", "Kim Un Jong"},
	{"Kim Jong Un", "Kim Jong Nam"},
	{"Kim Jong Un", "Kim Yo Jong"},
	{"Pak Chol", "Pak Chun"},
	{"Ri Song Chol", "Ri Song Il"},
	{"Ri Song Chol", "Ri Song Hyok"},
	{"KIM, Kwang Hyok", "KIM, Kyong Hyok"},
	{"KIM, Tong Chol", "KIM, Tong-ho"},
	{"JANG, Song Chol", "JANG, Song Thaek"},
	{"RI, Chun Hwan", "RI, Chun Song"},
	{"KIM, Kyong Il", "KIM, Kyong Ok"},
	{"John Smith", "Jon Smyth"},
	{"John Smith", "Joan Smith"},
	{"Kim Jong Un", "Kim Jong-un Smith"},
}

func TestNameKeepsDifferentNamesApart(t *testing.T) {
	for _, p := range nameDistinct {
		t.Run(p[0]+" is not "+p[1], func(t *testing.T) {
			a, err1 := Name(p[0])
			b, err2 := Name(p[1])
			if err1 != nil || err2 != nil {
				t.Fatalf("Name: %v, %v", err1, err2)
			}
			if a.Key("name_key") == b.Key("name_key") {
				t.Errorf("name_key of %q and %q are both %q, want different", p[0], p[1], a.Key("name_key"))
			}
		})
	}
}

func TestNameRejects(t *testing.T) {
	tests := []struct{ name, in, reason string }{
		{"empty input", "", "empty"},
		{"only spaces", "   ", "empty"},
		{"only punctuation", "-- , ''", "empty"},
		{"digits only", "12345", "no letters"},
		{"a title and digits", "Mr 123", "no letters"},
		{"thirty-three words", strings.Repeat("a ", 32) + "b", "more than 32 words"},
		{"over 400 bytes", strings.Repeat("kim", 134), "longer than 400 bytes"},
		{"not UTF-8", "kim\xff", "not valid UTF-8"},
		{"Hangul that romanises past 400 bytes", strings.Repeat("뛣", 80), "longer than 400 bytes once romanised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Name(tt.in)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Name(%q) error = %v, want an *Error", tt.in, err)
			}
			if e.Kind != KindName || e.Reason != tt.reason {
				t.Errorf("Name(%q) error = %v, want kind name, reason %q", tt.in, err, tt.reason)
			}
		})
	}
}

func FuzzName(f *testing.F) {
	for _, tt := range nameTests {
		f.Add(tt.in)
	}
	for _, g := range nameCollisions {
		for _, s := range g {
			f.Add(s)
		}
	}
	for _, s := range []string{"Mr Dr Kim", "İSTANBUL", "ΣΊΣΥΦΟΣ", "ﷺ", "ㄱㅏ", "a\u0903b", "O'", "'", "김-", "n-g", "Ꭻ", "ꭻ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Name(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Name(%q) error %v is not ErrInvalid", s, err)
			}
			return
		}
		if v.Canonical == "" || !utf8.ValidString(v.Canonical) || len(v.Canonical) > maxNameBytes {
			t.Fatalf("Name(%q).Canonical = %q", s, v.Canonical)
		}
		again, err := Name(v.Canonical)
		if err != nil {
			t.Fatalf("Name(%q) = %q, which does not re-normalise: %v", s, v.Canonical, err)
		}
		if again.Canonical != v.Canonical {
			t.Fatalf("Name(%q) = %q, re-normalised %q", s, v.Canonical, again.Canonical)
		}
		if again.Key("name_key") != v.Key("name_key") || again.Key("name_tokens") != v.Key("name_tokens") {
			t.Fatalf("Name(%q) keys %v, re-normalised %v", s, v.Keys, again.Keys)
		}
	})
}

var benchNames = []string{
	"KIM, Jong Un", "Hyeon-seop Shim", "CH'OE, So'k-min", "John Smith", "Mikhail Yur'evich Pisklin",
	"김정은", "José Álvarez-Núñez", "Park Cheol", "RI, Song Chol", "Jean-Luc O'Brien",
}

func BenchmarkName(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Name(benchNames[i%len(benchNames)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNameASCII(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Name("KIM, Jong Un"); err != nil {
			b.Fatal(err)
		}
	}
}
