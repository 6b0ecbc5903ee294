package korean

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRomanize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a full name is the sum of its syllables", "김정은", "gimjeongeun"},
		{"a final is written as heard before a pause", "박철", "bakcheol"},
		{"vowels meeting keep a hyphen as RR allows", "세운", "se-un"},
		{"n before g keeps a hyphen", "인경", "in-gyeong"},
		{"ng before a vowel needs none", "중앙", "jungang"},
		{"t before j keeps a hyphen", "곧장", "got-jang"},
		{"the DPRK's initial ㄹ is r", "리설주", "riseolju"},
		{"tense and aspirated initials", "쌍꺼풀", "ssangkkeopul"},
		{"a vowel before a tense initial keeps a hyphen", "아까", "a-kka"},
		{"compound vowels", "왜괴위의", "waegoe-wi-ui"},
		{"other text is left alone", "Kim 正恩 김", "Kim 正恩 gim"},
		{"no Hangul, no change", "Pak Chol", "Pak Chol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Romanize(tt.in); got != tt.want {
				t.Errorf("Romanize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRomanizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"the surname is split off and spelt as on passports", "김정은", "Kim Jeongeun"},
		{"a one-syllable given name", "박철", "Park Cheol"},
		{"the DPRK surname 리 stays Ri", "리영호", "Ri Yeongho"},
		{"a compound surname before a two-syllable given name", "남궁민수", "Namgoong Minsu"},
		{"a two-syllable name whose first syllable is a compound surname's", "남궁", "Nam Gung"},
		{"an unlisted surname is RR", "겸재영", "Gyeom Jae-yeong"},
		{"a lone syllable", "김", "Kim"},
		{"not all Hangul", "김 정은", "gim jeongeun"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RomanizeName(tt.in); got != tt.want {
				t.Errorf("RomanizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Classes of the jamo, stated independently of the parser, so that the
// parser's reading of RR is checked for all 11,172 syllables.
var (
	initialClasses = [19]byte{cK, cK, cN, cT, cT, cLiquid, cM, cP, cP, cS, cS, 0, cC, cC, cC, cK, cT, cP, cH}
	medialClasses  = [21]byte{vA, vE, vYA, vYE, vO, vE, vYO, vYE, vO, vWA, vWE, vWE, vYO, vO, vWO, vWE, vWI, vYO, vO, vI, vI}
	finalClasses   = [28]byte{0, cK, cK, cK, cN, cN, cN, cT, cL, cK, cM, cL, cL, cL, cP, cL, cM, cP, cP, cT, cT, cNG, cT, cT, cK, cT, cP, cT}
)

func jamoSegments(r rune) []byte {
	i, m, f := jamo(r)
	var segs []byte
	ini, v := initialClasses[i], medialClasses[m]
	if ini == cLiquid {
		ini = cN
		if v == vI || v == vYA || v == vYO || v == vYE {
			ini = 0
		}
	}
	if ini != 0 {
		segs = append(segs, ini)
	}
	segs = append(segs, v)
	if finalClasses[f] != 0 {
		segs = append(segs, finalClasses[f])
	}
	return segs
}

func TestEverySyllableReadsBackAsItsJamo(t *testing.T) {
	for r := rune(hangulFirst); r <= hangulLast; r++ {
		rr := Romanize(string(r))
		var bounds []int
		got, ok := appendWord(nil, &bounds, rr)
		if !ok || len(bounds) != 1 {
			t.Errorf("%c romanised %q parses as %d syllables (ok=%v), want 1", r, rr, len(bounds), ok)
			continue
		}
		if want := jamoSegments(r); string(got) != string(want) {
			t.Errorf("%c romanised %q has segments %v, want %v", r, rr, got, want)
		}
	}
}

// TestRomanizedPairsKeyAsTheirSyllables checks every kind of junction
// between two syllables: whatever Romanize writes (joined or hyphenated)
// must give the key of the two syllables read one by one, or Hangul input
// and its romanisation would not collide.
func TestRomanizedPairsKeyAsTheirSyllables(t *testing.T) {
	fails := 0
	for m1 := 0; m1 < medials; m1++ {
		for f1 := 0; f1 < finals; f1++ {
			first := rune(hangulFirst + (0*medials+m1)*finals + f1) // initial ㄱ
			for i2 := 0; i2 < 19; i2++ {
				for m2 := 0; m2 < medials; m2++ {
					for _, f2 := range []int{0, 4} { // no final, ㄴ
						second := rune(hangulFirst + (i2*medials+m2)*finals + f2)
						pair := string(first) + string(second)
						want := string(append(jamoSegments(first), jamoSegments(second)...))
						var got []byte
						ok := true
						for w := range strings.SplitSeq(Romanize(pair), "-") {
							if got, ok = appendWord(got, nil, w); !ok {
								break
							}
						}
						if !ok || string(got) != want {
							fails++
							if fails <= 20 {
								t.Errorf("%s romanised %q: segments %v (ok=%v), want %v", pair, Romanize(pair), got, ok, []byte(want))
							}
						}
					}
				}
			}
		}
	}
	if fails > 20 {
		t.Errorf("%d pairs in all", fails)
	}
}

func TestSurnameSpellingsKeyAsRR(t *testing.T) {
	for hangul, spelling := range surnameSpellings {
		want, ok1 := Key(strings.Split(Romanize(hangul), "-"))
		got, ok2 := Key([]string{strings.ToLower(spelling)})
		if !ok1 || !ok2 || got != want {
			t.Errorf("%s spelt %s keys %q (ok=%v), RR %q keys %q (ok=%v)", hangul, spelling, got, ok2, Romanize(hangul), want, ok1)
		}
	}
}

func TestSyllables(t *testing.T) {
	tests := []struct {
		name, word string
		want       []string
	}{
		{"RR vowels eo and eu are O", "hyeonseop", []string{"HYON", "SOP"}},
		{"the DPRK spelling agrees", "hyonsop", []string{"HYON", "SOP"}},
		{"ng before a vowel is a final", "jongun", []string{"CONG", "ON"}},
		{"a consonant between vowels opens the next syllable", "kinam", []string{"KI", "NAM"}},
		{"a lone l closes its syllable", "cholu", []string{"COL", "O"}},
		{"k before h is a final", "seokho", []string{"SOK", "HO"}},
		{"a doubled consonant is split", "sokkyong", []string{"SOK", "KYONG"}},
		{"MR assimilated ll and the dropped initial r", "chollyong", []string{"COL", "YONG"}},
		{"initial r before i is dropped", "ri", []string{"I"}},
		{"initial r before other vowels is n", "ro", []string{"NO"}},
		{"Lee is I", "lee", []string{"I"}},
		{"Rhee is I", "rhee", []string{"I"}},
		{"Choi and Choe are one", "choi", []string{"CWE"}},
		{"Park's r is silent", "park", []string{"PAK"}},
		{"Oh's h is silent", "oh", []string{"O"}},
		{"Young is ㅕ", "young", []string{"YONG"}},
		{"Woo is ㅜ", "woo", []string{"O"}},
		{"aspirated DPRK th", "thaek", []string{"TEK"}},
		{"MR tch", "tchang", []string{"CANG"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Syllables(tt.word)
			if !ok {
				t.Fatalf("Syllables(%q) not ok, want %v", tt.word, tt.want)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Syllables(%q) mismatch (-want +got):\n%s", tt.word, diff)
			}
		})
	}
}

func TestSyllablesRejectsWordsThatAreNotKorean(t *testing.T) {
	for _, w := range []string{"smith", "john", "smyth", "jon-", "mcdonald", "garcia2", "x", "strong", "brown", "fritz", "jim's", "", "ng", "kimm x"} {
		if got, ok := Syllables(w); ok {
			t.Errorf("Syllables(%q) = %v, want not Korean", w, got)
		}
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  string
	}{
		{"a surname-first name", []string{"kim", "jong", "un"}, "CON-KON-KIM"},
		{"the same name given name first", []string{"jong", "un", "kim"}, "CON-KON-KIM"},
		{"a joined given name", []string{"kim", "jongun"}, "CON-KON-KIM"},
		{"a one-syllable name", []string{"ri"}, "I"},
		{"the written syllables show where they can", []string{"ri", "song", "chol"}, "COL-I-SONG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Key(tt.words)
			if !ok || got != tt.want {
				t.Errorf("Key(%q) = %q, %v, want %q", tt.words, got, ok, tt.want)
			}
		})
	}
}

// The spellings in each group are of one Hangul name.
var sameNameGroups = [][]string{
	{"kim jong un", "jong un kim", "kim jongun", "jongun kim", "gim jeong eun", "kim chong un", "gim jeongeun", "kim jung eun"},
	{"shim hyeon seop", "sim hyon sop", "hyonsop sim", "shim hyun sup", "sim hyon sup", "hyeonseop shim"},
	{"pak chol", "park cheol", "bak cheol", "park chul", "pak chul", "chol pak"},
	{"ri song chol", "lee sung chul", "yi seong cheol", "rhee song chol", "i seong cheol", "rie sung chol", "li song chol"},
	{"choe ryong hae", "choi yong hae", "choe ryonghae", "choi ryong hae"},
	{"kim yong chol", "kim young cheol", "kim yong chul", "kim yeong cheol"},
	{"kang phyong guk", "kang pyong guk", "kang pyeong guk", "gang pyeong guk"},
	{"jung jong il", "jeong jeong il", "chong chong il", "jong jong il"},
	{"kim kwang il", "kim gwang il", "gim gwangil"},
	{"yu chol u", "yu cholu", "ryu chol u", "yoo cheol woo"},
	{"ri thae chol", "ri tae chol", "lee tae cheol"},
	{"ra kyong su", "na kyong su", "na gyeong su"},
	{"roh tu chol", "no tu chol", "ro tu chol", "noh du cheol"},
	{"im song sun", "rim song sun", "lim seong sun", "yim sung soon"},
	{"pak chun il", "pak chunil", "park chun il"},
	{"o kuk ryol", "oh kuk ryol", "o kukryol", "oh guk yeol"},
	{"hwang pyong so", "whang pyeong seo"},
	{"ahn chol", "an chol", "an cheol"},
	{"paek se bong", "paik se bong", "baek se bong", "paek se pong"},
}

func TestKeyCollidesForSpellingsOfOneName(t *testing.T) {
	for _, group := range sameNameGroups {
		t.Run(group[0], func(t *testing.T) {
			want, ok := Key(strings.Fields(group[0]))
			if !ok {
				t.Fatalf("Key(%q) not Korean", group[0])
			}
			for _, s := range group[1:] {
				if got, ok := Key(strings.Fields(s)); !ok || got != want {
					t.Errorf("Key(%q) = %q (ok=%v), want %q as for %q", s, got, ok, want, group[0])
				}
			}
		})
	}
}

// Each pair is of different names, which must not collide.
var differentNamePairs = [][2]string{
	{"kim jong un", "kim jong il"},
	{"kim jong un", "kim un jong"},
	{"kim jong un", "kim jong nam"},
	{"pak chol", "pak chun"},
	{"pak chol", "pak chon"},
	{"ri song chol", "ri song il"},
	{"ri chol", "ri chon"},
	{"kim yo jong", "kim yong jong"},
	{"kim kwang il", "kim kang il"},
	{"choe ryong hae", "choe ryong ho"},
	{"kim song", "kim son"},
	{"kim su", "kim sa"},
	{"paek se bong", "pae se bong"},
	{"jang song thaek", "jang song taek chol"},
	{"hyon kwang il", "hyon kwang ok"},
	{"pak hwa song", "pak hwa sang"},
	{"kim chol", "kim cho"},
	{"kang min", "kang mun"},
	{"ryu jin", "ryu jun"},
}

func TestKeyKeepsDifferentNamesApart(t *testing.T) {
	for _, p := range differentNamePairs {
		t.Run(p[0]+" is not "+p[1], func(t *testing.T) {
			a, ok1 := Key(strings.Fields(p[0]))
			b, ok2 := Key(strings.Fields(p[1]))
			if !ok1 || !ok2 {
				t.Fatalf("Key not Korean: %q %v, %q %v", p[0], ok1, p[1], ok2)
			}
			if a == b {
				t.Errorf("Key(%q) = Key(%q) = %q, want different", p[0], p[1], a)
			}
		})
	}
}

func TestKeyRejectsNamesThatAreNotKorean(t *testing.T) {
	for _, s := range []string{"john smith", "jon smyth", "kim smith", "mikhail pisklin", "kim jong-un", "KIM"} {
		if got, ok := Key(strings.Fields(s)); ok {
			t.Errorf("Key(%q) = %q, want not Korean", s, got)
		}
	}
}

func FuzzKoreanKey(f *testing.F) {
	for _, g := range sameNameGroups {
		for _, s := range g {
			f.Add(s)
		}
	}
	for _, p := range differentNamePairs {
		f.Add(p[0])
	}
	f.Add("김정은 박철")
	f.Add("ngng yyy www")
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(Romanize(s))
		key, ok := Key(words)
		if !ok {
			return
		}
		if key == "" || strings.ToUpper(key) != key {
			t.Fatalf("Key(%q) = %q, want non-empty upper case", words, key)
		}
		// Word order does not matter.
		rotated := append(append([]string{}, words[1:]...), words[0])
		if k2, ok := Key(rotated); !ok || k2 != key {
			t.Fatalf("Key(%q) = %q, Key(%q) = %q (ok=%v)", words, key, rotated, k2, ok)
		}
		for _, w := range words {
			if _, ok := Syllables(w); !ok {
				t.Fatalf("Key(%q) ok but Syllables(%q) not", words, w)
			}
		}
	})
}
