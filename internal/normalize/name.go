package normalize

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"

	"github.com/ringfence/ringfence/internal/normalize/korean"
)

// Limits on a name. Personal names are far shorter, but sanctions lists
// name ministries and front companies in up to twenty words ("MINISTRY OF
// LAND AND MARITIME TRANSPORTATION OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF
// KOREA"); the limits bound the work per value and keep junk out of keys.
const (
	maxNameBytes = 400
	maxNameWords = 32
)

// Name canonicalises a personal name.
//
// The canonical form is the name's words in written order, lower case (full
// Unicode case folding after NFKC), diacritics folded (Chŏng → chong),
// apostrophes removed inside words (O'Brien → obrien; MR Ch'ŏl → chol),
// every other run of punctuation, hyphens and spaces one space (KIM,
// Jong-un → kim jong un), and leading titles (Mr, Dr, …) dropped. Hangul is
// romanised in the Revised Romanization (김정은 → kim jeongeun), since the
// lists we screen against are in Latin script.
//
// Keys:
//   - name_key: for a name whose every word reads as romanised Korean, the
//     romanisation-variant key of korean.Key ("CON-KON-KIM" for Kim Jong Un,
//     Gim Jeong-eun, Kim Chŏng-ŭn, 김정은 and Jong-un Kim alike), with the
//     fact korean=true; otherwise the words sorted ("john smith" for
//     SMITH, John). Either way word order does not matter.
//   - name_tokens: the words sorted, for fuzzy matching downstream.
//
// Facts: script, the script of the letters as written (latin, hangul, han,
// cyrillic, arabic, …, or mixed).
//
// Name rejects empty input, input without letters, more than 32 words and
// more than 400 bytes (before or after romanisation).
func Name(s string) (Value, error) {
	if err := checkInput(KindName, s); err != nil {
		return Value{}, err
	}
	if len(s) > maxNameBytes {
		return Value{}, invalid(KindName, s, "longer than %d bytes", maxNameBytes)
	}
	folded := foldName(s)
	script := nameScript(folded)
	if script == "hangul" || script == "mixed" {
		folded = romanizeHangul(folded)
	}
	clean, letters := cleanName(folded)
	if clean == "" {
		return Value{}, invalid(KindName, s, "empty")
	}
	if !letters {
		return Value{}, invalid(KindName, s, "no letters")
	}
	// Titles go only while a word remains, so that "Mr Mr" keeps one and
	// the canonical form re-normalises to itself.
	for {
		first, rest, more := strings.Cut(clean, " ")
		if !more || !isNameTitle(first) {
			break
		}
		clean = rest
	}
	if strings.Count(clean, " ") >= maxNameWords {
		return Value{}, invalid(KindName, s, "more than %d words", maxNameWords)
	}
	var wordBuf [maxNameWords]string
	words := wordBuf[:0]
	for rest := clean; ; {
		w, r, more := strings.Cut(rest, " ")
		words = append(words, w)
		if !more {
			break
		}
		rest = r
	}
	if len(clean) > maxNameBytes {
		return Value{}, invalid(KindName, s, "longer than %d bytes once romanised", maxNameBytes)
	}
	if !hasNameLetter(clean) {
		return Value{}, invalid(KindName, s, "no letters")
	}

	sorted := sortedWords(clean, words)
	v := Value{Kind: KindName, Canonical: clean, Facts: map[string]string{"script": script}}
	if key, ok := korean.Key(words); ok {
		v.Keys = []Key{{Kind: "name_key", Value: key}, {Kind: "name_tokens", Value: sorted}}
		v.Facts["korean"] = "true"
	} else {
		v.Keys = []Key{{Kind: "name_key", Value: sorted}, {Kind: "name_tokens", Value: sorted}}
	}
	return v, nil
}

// foldName applies NFKC, folds diacritics and folds case, except on ASCII
// letters, which cleanName lower-cases on its way, and on Hangul syllables,
// which NFKC leaves alone and have no case. Folding case can expose marks
// or compatibility characters (İ folds to i and a combining dot), so the
// diacritic fold runs again until nothing changes.
func foldName(s string) string {
	if onlyASCIIOrHangul(s) {
		return s
	}
	t := foldDiacritics(s)
	for range 3 {
		if isASCII(t) {
			return t
		}
		// ToLower after Fold because x/text's Fold is not idempotent on
		// Cherokee (Ꭻ and ꭻ fold to each other's case pair).
		u := foldDiacritics(strings.ToLower(cases.Fold().String(t)))
		if u == t {
			break
		}
		t = u
	}
	return t
}

func onlyASCIIOrHangul(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !korean.IsSyllable(r) {
			return false
		}
		i += n
	}
	return true
}

// nameScript names the script of the letters in s, or "mixed".
func nameScript(s string) string {
	if isASCII(s) {
		return "latin" // or no letters at all, which Name rejects
	}
	script := ""
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		var sc string
		switch {
		case r < 0x250 || unicode.Is(unicode.Latin, r):
			sc = "latin"
		case unicode.Is(unicode.Hangul, r):
			sc = "hangul"
		case unicode.Is(unicode.Han, r):
			sc = "han"
		case unicode.Is(unicode.Cyrillic, r):
			sc = "cyrillic"
		case unicode.Is(unicode.Arabic, r):
			sc = "arabic"
		case unicode.Is(unicode.Greek, r):
			sc = "greek"
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			sc = "kana"
		default:
			sc = "other"
		}
		if script == "" {
			script = sc
		} else if script != sc {
			return "mixed"
		}
	}
	if script == "" {
		return "none"
	}
	return script
}

// romanizeHangul replaces Hangul with its Revised Romanization. A name that
// is a single Hangul word is read surname first, as Koreans write it
// (김정은 → kim jeongeun); otherwise each run of syllables is romanised as
// it stands.
func romanizeHangul(s string) string {
	t := strings.TrimFunc(s, isNameSeparator)
	single := t != ""
	for _, r := range t {
		if !korean.IsSyllable(r) {
			single = false
			break
		}
	}
	if single {
		return korean.RomanizeName(t)
	}
	// Romanize leaves non-Hangul alone; its hyphens become spaces below.
	return korean.Romanize(s)
}

// cleanName keeps letters, digits and marks, lower-cases ASCII letters,
// drops apostrophes inside words, and turns every other run of characters
// into one space. It also reports whether any letter was kept.
func cleanName(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	letters, pending := false, false
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case isApostrophe(r):
			// O'Brien, MR Ch'ŏl and the DPRK's typed breve So'k join
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			if pending && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pending = false
			if r <= 'Z' && r >= 'A' {
				r += 'a' - 'A'
			}
			letters = letters || r >= 'a'
			b.WriteByte(byte(r))
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			if pending && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pending = false
			letters = letters || unicode.IsLetter(r)
			b.WriteRune(r)
		default:
			pending = true
		}
	}
	return b.String(), letters
}

func hasNameLetter(s string) bool {
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= utf8.RuneSelf && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '’', '‘', 'ʼ', 'ʻ', '´', 'ʹ', '′':
		return true
	}
	return false
}

func isNameSeparator(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || isApostrophe(r))
}

// isNameTitle reports whether w is a courtesy or academic title, which is
// not part of the name.
func isNameTitle(w string) bool {
	switch w {
	case "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir":
		return true
	}
	return false
}

// sortedWords returns the words sorted and joined by spaces; clean is the
// words joined in written order, returned as it is when already sorted.
func sortedWords(clean string, words []string) string {
	if slices.IsSorted(words) {
		return clean
	}
	var buf [maxNameWords]string
	s := append(buf[:0], words...)
	slices.Sort(s)
	var b strings.Builder
	b.Grow(len(clean))
	for i, w := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}
