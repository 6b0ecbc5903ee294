package normalize

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldDiacritics applies NFKC, then removes combining marks after NFD, so
// "Ŏ" becomes "O" and "ﬁ" becomes "fi". Letters that are not a base letter
// plus a mark (ø, ß, ł) are mapped by hand because NFD leaves them alone.
func foldDiacritics(s string) string {
	if isASCII(s) {
		return s
	}
	t := foldChains.Get().(transform.Transformer)
	out, _, err := transform.String(t, s)
	foldChains.Put(t)
	if err != nil {
		out = s
	}
	if isASCII(out) {
		return out
	}
	return letterFolds.Replace(out)
}

// foldChains reuses transform chains: building one per call was most of
// what a sanctions-list import allocated. A chain is stateful, so each is
// used by one goroutine at a time; transform.String resets it first. This
// pool caches a pure function's machinery and never changes a result.
var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKC, norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

var letterFolds = strings.NewReplacer(
	"ß", "ss", "ø", "o", "Ø", "O", "ł", "l", "Ł", "L", "đ", "d", "Đ", "D",
	"æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE", "þ", "th", "Þ", "TH", "ı", "i",
	"’", "'", "‘", "'", "ʼ", "'", "ʻ", "'", "`", "'", "´", "'",
)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
