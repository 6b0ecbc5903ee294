// Package korean romanises Hangul and computes a key under which the
// romanisations of one Korean name collide.
//
// Korean names reach a screening system spelt in at least four ways: the
// Revised Romanization of Korean (RR, Ministry of Culture and Tourism of the
// Republic of Korea, 2000: Kim Jeong-eun), McCune–Reischauer (MR, 1939:
// Kim Chŏng-ŭn, typed Kim Cho'ng-u'n), the DPRK's own 1992 "Romanization of
// Korean" (Sahoe Kwahagwŏn; updated 2002 and 2012: an adaptation of MR with
// j for ㅈ, kh th ph for the aspirates, oi for ㅚ, and the given name's
// syllables written apart, Kim Jong Un), and whatever a passport office or
// the person chose (Gim, Rhee, Park, Choi, Hyun, Young). Romanize
// writes Hangul in RR; Key reads any of these spellings back into a coarse
// phonetic form in which the spellings of one Hangul name agree and most
// different names still differ.
package korean

import (
	"strings"
	"unicode/utf8"
)

// The arithmetic of the Unicode Hangul Syllables block (U+AC00–U+D7A3):
// syllable = 0xAC00 + (initial*21 + medial)*28 + final.
const (
	hangulFirst = 0xAC00
	hangulLast  = 0xD7A3
	medials     = 21
	finals      = 28
)

// IsSyllable reports whether r is a precomposed Hangul syllable.
func IsSyllable(r rune) bool { return r >= hangulFirst && r <= hangulLast }

// RR spellings of the 19 initial consonants, in Unicode order.
var rrInitial = [...]string{
	"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h",
}

// RR spellings of the 21 vowels, in Unicode order.
var rrMedial = [...]string{
	"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i",
}

// RR spellings of the 27 final consonants and consonant clusters (index 0 is
// no final). A final is written as it is pronounced before a pause: ㅅ ㅆ ㅈ
// ㅊ ㅌ ㅎ are all "t"; a cluster is written as the consonant that is heard.
var rrFinal = [...]string{
	"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
}

// jamo splits a Hangul syllable into its initial, medial and final indices.
func jamo(r rune) (ini, med, fin int) {
	i := int(r - hangulFirst)
	return i / (medials * finals), i % (medials * finals) / finals, i % finals
}

// syllableRR returns the RR spelling of one Hangul syllable, written as if
// it stood alone: RR leaves sound changes in personal names untranscribed,
// so a name is the sum of its syllables.
func syllableRR(r rune) (ini, med, fin string) {
	i, m, f := jamo(r)
	return rrInitial[i], rrMedial[m], rrFinal[f]
}

// Romanize transcribes every Hangul syllable in s in the Revised
// Romanization, syllable by syllable, and leaves everything else unchanged.
// Inside a run of syllables it writes a hyphen where the joined spelling
// would be read back as different syllables — two vowels meeting (세운
// Se-un, not "seun"), n before g (인경 In-gyeong, not "ingyeong"), t before ch
// or j, a vowel before kk, tt or pp — as RR allows "to avoid confusion in pronunciation". The result is
// lower case.
func Romanize(s string) string {
	if !hasSyllable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	prevSyl := false
	for _, r := range s {
		if !IsSyllable(r) {
			b.WriteRune(r)
			prevSyl = false
			continue
		}
		ini, med, fin := syllableRR(r)
		if prevSyl && needsHyphen(b.String(), ini+med) {
			b.WriteByte('-')
		}
		b.WriteString(ini)
		b.WriteString(med)
		b.WriteString(fin)
		prevSyl = true
	}
	return b.String()
}

// needsHyphen reports whether writing next straight after prev would let a
// reader (Key's parser, and people) split the syllables differently.
func needsHyphen(prev, next string) bool {
	if prev == "" || next == "" {
		return false
	}
	p, n := prev[len(prev)-1], next[0]
	switch {
	case isVowelLetter(p) && isVowelStart(n):
		return true // 세운 se-un, 해운 hae-un: vowels would merge into one
	case p == 'n' && n == 'g' && !strings.HasSuffix(prev, "ng"):
		return true // 인경 in-gyeong: "ng" would be read as one final
	case p == 't' && (n == 'j' || strings.HasPrefix(next, "ch")):
		return true // "tj" and "tch" are themselves initials (ㅉ in MR)
	case isVowelLetter(p) && len(next) > 1 && next[0] == next[1] && (n == 'k' || n == 't' || n == 'p'):
		return true // 아까 a-kka: "kk" between vowels is read as two consonants (MR Sŏkkyŏng)
	}
	return false
}

func hasSyllable(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsSyllable(r) {
			return true
		}
		i += n
	}
	return false
}

func isVowelLetter(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// isVowelStart reports whether c begins a vowel group: y and w are the
// glides of ㅑ ㅕ ㅛ ㅠ ㅘ ㅝ ….
func isVowelStart(c byte) bool { return isVowelLetter(c) || c == 'y' || c == 'w' }

// twoSyllableSurnames are the compound surnames common enough to split
// correctly when a full name is written as one Hangul word.
var twoSyllableSurnames = map[string]bool{
	"남궁": true, "선우": true, "제갈": true, "황보": true, "독고": true, "사공": true, "서문": true,
}

// surnameSpellings are the usual passport spellings of common surnames,
// used for display by RomanizeName. Each keys the same as its RR spelling
// (a test checks it), so the choice never changes matching.
var surnameSpellings = map[string]string{
	"김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang", "조": "Cho",
	"윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh", "서": "Seo", "신": "Shin",
	"권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song", "전": "Jeon", "홍": "Hong",
	"고": "Ko", "문": "Moon", "손": "Son", "양": "Yang", "배": "Bae", "백": "Baek", "허": "Heo",
	"노": "Noh", "남": "Nam", "심": "Shim", "곽": "Kwak", "성": "Sung", "차": "Cha", "주": "Joo",
	"우": "Woo", "구": "Koo", "민": "Min", "유": "Yoo", "류": "Ryu", "나": "Na", "진": "Jin",
	"지": "Ji", "엄": "Eom", "채": "Chae", "원": "Won", "천": "Cheon", "방": "Bang", "공": "Kong",
	"현": "Hyun", "함": "Ham", "변": "Byun", "염": "Yeom", "여": "Yeo", "추": "Choo", "도": "Do",
	"석": "Seok", "선": "Sun", "설": "Seol", "길": "Gil", "연": "Yeon", "표": "Pyo", "명": "Myung",
	"기": "Ki", "반": "Ban", "왕": "Wang", "금": "Keum", "옥": "Ok", "육": "Yook", "인": "In",
	"맹": "Maeng", "탁": "Tak", "국": "Kook", "경": "Kyung", "봉": "Bong", "리": "Ri", "림": "Rim",
	"황보": "Hwangbo", "남궁": "Namgoong", "선우": "Sunwoo", "제갈": "Jegal", "독고": "Dokgo",
	"사공": "Sagong", "서문": "Seomun",
}

// RomanizeName romanises a full name written as one Hangul word, surname
// first as Koreans write it: the surname (one syllable, or two for the
// compound surnames 남궁, 선우, 제갈, 황보, 독고, 사공, 서문 when three or more
// syllables follow) becomes its own word in its usual spelling (김 Kim, 이 Lee,
// 박 Park), the given name is RR with its syllables joined as in Romanize:
// 김정은 → "Kim Jeongeun", 박철 → "Park Cheol". Anything that is not a run of
// Hangul syllables is returned as Romanize would.
func RomanizeName(s string) string {
	n := 0
	for _, r := range s {
		if !IsSyllable(r) {
			return Romanize(s)
		}
		n++
	}
	if n < 2 {
		if sp, ok := surnameSpellings[s]; ok {
			return sp
		}
		return capitalise(Romanize(s))
	}
	cut := len(string([]rune(s)[:1]))
	if n >= 3 && twoSyllableSurnames[string([]rune(s)[:2])] {
		cut = len(string([]rune(s)[:2]))
	}
	sur, given := s[:cut], s[cut:]
	sp, ok := surnameSpellings[sur]
	if !ok {
		sp = capitalise(Romanize(sur))
	}
	return sp + " " + capitalise(Romanize(given))
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
