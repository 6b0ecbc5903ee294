package match

import "unicode/utf8"

// jaroWinkler returns the Jaro-Winkler similarity of a and b in [0,1],
// with the usual prefix scale 0.1 over at most four characters. It is our
// own rather than strutil's because it runs for every candidate of every
// query, and strutil's scores differ from Winkler's published values: it
// works on bytes when both strings are ASCII (canonical names almost always
// are) and needs no allocation for names up to 64 characters. The tests
// check it against Winkler's published examples.
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	if !isASCII(a) || !isASCII(b) {
		ra, rb := []rune(a), []rune(b)
		return jaroWinklerSeq(ra, rb, make([]bool, len(ra)), make([]bool, len(rb)))
	}
	if len(a) <= 64 && len(b) <= 64 {
		var ba, bb [64]byte
		var ma, mb [64]bool
		return jaroWinklerSeq(append(ba[:0], a...), append(bb[:0], b...), ma[:len(a)], mb[:len(b)])
	}
	return jaroWinklerSeq([]byte(a), []byte(b), make([]bool, len(a)), make([]bool, len(b)))
}

// jaroWinklerSeq is Jaro-Winkler over any sequence; fa and fb are zeroed
// scratch of the lengths of a and b, marking matched characters.
func jaroWinklerSeq[E comparable](a, b []E, fa, fb []bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		if len(a) == len(b) {
			return 1
		}
		return 0
	}
	window := max(max(len(a), len(b))/2-1, 0)
	matches := 0
	for i := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !fb[j] && a[i] == b[j] {
				fa[i], fb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := range a {
		if !fa[i] {
			continue
		}
		for !fb[j] {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(trans/2))/m) / 3
	prefix := 0
	for prefix < 4 && prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
