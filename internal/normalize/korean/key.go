package korean

import (
	"bytes"
	"strings"
)

// A name is read as a sequence of segments: consonant classes and vowel
// classes. Each class is what the romanisation systems cannot agree on
// folded into one letter group:
//
//	initials  g k kk gg kh → K   d t tt dd th → T   b p pp bb ph → P
//	          j ch jj tch tj → C   s ss sh → S   h → H   m → M   n → N
//	          r l rh → N, or nothing before i and y (the ㄹ/ㄴ alternation:
//	          DPRK Ri Ryong Rim Ryu, ROK Lee Yong Lim Yu; DPRK Ro, ROK No)
//	finals    k g → K   t → T   p b → P   l → L   n → N   ng → NG   m → M
//	vowels    a → A   ae e → E   ya → YA   yae ye → YE
//	          o eo u eu oo ou woo (MR ŏ ŭ) → O   yo yeo yu you yoo yeu → YO
//	          i ee ie yi ui eui → I   oe oi we wae → WE   wa → WA
//	          wo weo → WO   wi → WI
//
// RR writes ㅓ eo, MR and the DPRK ŏ (o once the breve is folded), and
// passports u (Hyun, Sung, Chul); ㅗ is o and ㅜ u everywhere, ㅡ eu or ŭ.
// Folding ㅓ ㅗ ㅜ ㅡ into O is therefore the price of matching Chol, Cheol
// and Chul at all; the consonants, which the systems only disagree on by
// voicing and aspiration, keep names apart.
const (
	cK byte = 1 + iota
	cT
	cP
	cC
	cS
	cH
	cM
	cN
	cL
	cNG
	cLiquid // r, l or rh as an initial: N, or dropped before i and y
)

const (
	vA byte = 16 + iota
	vYA
	vO
	vYO
	vE
	vYE
	vI
	vWE
	vWA
	vWO
	vWI
)

var segNames = [...]string{
	cK: "K", cT: "T", cP: "P", cC: "C", cS: "S", cH: "H", cM: "M", cN: "N", cL: "L", cNG: "NG",
	vA: "A", vYA: "YA", vO: "O", vYO: "YO", vE: "E", vYE: "YE", vI: "I", vWE: "WE", vWA: "WA", vWO: "WO", vWI: "WI",
}

func isVowelSeg(b byte) bool { return b >= vA }

// closesSyllable reports whether a consonant alone between two vowels is
// shown closing the first syllable rather than opening the second. Only
// the key's spelling depends on it. m, n, ng and l end Korean name
// syllables far more often than k, t and p do, and k, p and t begin the
// common surnames Kim, Pak, Ko, Kang: with this rule 134 of the 146 Korean
// names of DPRK individuals on the SDN list are shown in exactly their
// written syllables (always closing: 119; always opening: 111).
func closesSyllable(b byte) bool { return b == cM || b == cN || b == cNG || b == cL }

// initialClass classifies the consonants written before a vowel.
func initialClass(s string) (byte, bool) {
	switch s {
	case "":
		return 0, true
	case "g", "k", "kk", "gg", "kh":
		return cK, true
	case "d", "t", "tt", "dd", "th":
		return cT, true
	case "b", "p", "pp", "bb", "ph":
		return cP, true
	case "j", "ch", "jj", "tch", "tj":
		return cC, true
	case "s", "ss", "sh":
		return cS, true
	case "h":
		return cH, true
	case "m":
		return cM, true
	case "n":
		return cN, true
	case "r", "l", "rh":
		return cLiquid, true
	}
	return 0, false
}

// finalClass classifies the consonants written after a vowel in the same
// syllable. Only what a romanisation writes is accepted (g and b for the
// passport spellings Seog and Seob); "hn", "rk", "th" as finals are not
// Korean, which is what sends John and Smith to the plain key.
func finalClass(s string) (byte, bool) {
	switch s {
	case "":
		return 0, true
	case "k", "g":
		return cK, true
	case "t":
		return cT, true
	case "p", "b":
		return cP, true
	case "l":
		return cL, true
	case "n":
		return cN, true
	case "ng":
		return cNG, true
	case "m":
		return cM, true
	}
	return 0, false
}

// vowelAt matches the longest vowel group at w[i:] and returns its class and
// length, or length 0.
func vowelAt(w string, i int) (byte, int) {
	at := func(k int) byte {
		if i+k < len(w) {
			return w[i+k]
		}
		return 0
	}
	switch w[i] {
	case 'a':
		if at(1) == 'e' {
			return vE, 2
		}
		return vA, 1
	case 'e':
		switch at(1) {
		case 'o':
			return vO, 2
		case 'u':
			if at(2) == 'i' {
				return vI, 3 // eui: ㅢ
			}
			return vO, 2
		case 'e':
			return vI, 2 // Lee, Hee
		}
		return vE, 1
	case 'i':
		if at(1) == 'e' {
			return vI, 2 // Rie
		}
		return vI, 1
	case 'o':
		switch at(1) {
		case 'e', 'i':
			return vWE, 2 // Choe, Choi
		case 'o', 'u':
			return vO, 2 // Moon, Joo
		}
		return vO, 1
	case 'u':
		if at(1) == 'i' {
			return vI, 2 // ui, MR ŭi: ㅢ
		}
		return vO, 1
	case 'y':
		switch at(1) {
		case 'a':
			if at(2) == 'e' {
				return vYE, 3
			}
			return vYA, 2
		case 'e':
			if at(2) == 'o' || at(2) == 'u' {
				return vYO, 3
			}
			return vYE, 2
		case 'o':
			if at(2) == 'u' || at(2) == 'o' {
				return vYO, 3 // Young, Yoo
			}
			return vYO, 2
		case 'u':
			return vYO, 2
		case 'i':
			return vI, 2 // Yi
		}
	case 'w':
		switch at(1) {
		case 'a':
			if at(2) == 'e' {
				return vWE, 3
			}
			return vWA, 2
		case 'e':
			if at(2) == 'o' {
				return vWO, 3
			}
			return vWE, 2
		case 'o':
			if at(2) == 'o' {
				return vO, 3 // Woo: ㅜ
			}
			return vWO, 2
		case 'u':
			return vO, 2
		case 'i':
			return vWI, 2
		}
	}
	return 0, 0
}

func nextVowel(w string, i int) int {
	for i < len(w) && !isVowelStart(w[i]) {
		i++
	}
	return i
}

// splitCluster divides the consonants c written between two vowels of one
// word into the final of the first syllable and the initial of the second.
// A joined word has no written boundary, so the rule must be fixed and must
// agree with the spaced and hyphenated spellings of real names:
//
//   - "ng" is never an initial: Jongun is Jong-un, Kyongae Kyong-ae.
//   - a lone l is a final: Cholu is Chol-u (ㄹ between vowels is written r).
//   - k, t, p before h are a final and h: RR Seokho is Seok-ho. DPRK
//     aspirates (Thae) therefore need a space or hyphen before them.
//   - a doubled final letter is split: MR Sŏkkyŏng is Sŏk-kyŏng, Chollyong
//     is Chol-lyong.
//   - otherwise the longest possible initial: Hyonsop is Hyon-sop, Kinam
//     Ki-nam. Which side a lone n, m, k, t or p falls on does not change the
//     key, which ignores syllable boundaries.
func splitCluster(c string) (fin, ini string, ok bool) {
	switch {
	case strings.HasPrefix(c, "ng"):
		return "ng", c[2:], true
	case c == "l":
		return "l", "", true
	case len(c) == 2 && c[1] == 'h' && (c[0] == 'k' || c[0] == 't' || c[0] == 'p'):
		return c[:1], "h", true
	case len(c) == 2 && c[0] == c[1]:
		if _, ok := finalClass(c[:1]); ok {
			return c[:1], c[1:], true
		}
	}
	for i := 0; i <= len(c); i++ {
		if _, ok := finalClass(c[:i]); !ok {
			continue
		}
		if _, ok := initialClass(c[i:]); ok {
			return c[:i], c[i:], true
		}
	}
	return "", "", false
}

// wordSpellings are whole-word passport spellings whose letters do not
// follow any system: an r or h that is not pronounced.
var wordSpellings = map[string]string{
	"park": "pak", "ahn": "an", "hahn": "han", "sohn": "son", "paik": "paek",
	"baik": "baek", "whang": "hwang",
}

// respell undoes the spellings of wordSpellings and drops the silent h at
// the end of Oh, Roh, Noh, Suh, Koh.
func respell(w string) string {
	if r, ok := wordSpellings[w]; ok {
		return r
	}
	if n := len(w); n >= 2 && w[n-1] == 'h' && isVowelLetter(w[n-2]) {
		return w[:n-1]
	}
	return w
}

// appendWord parses one romanised word into segments, appending to segs. If
// bounds is not nil, it also appends the index in segs where each written
// syllable starts. It reports false when w is not a sequence of Korean
// syllables in any romanisation.
func appendWord(segs []byte, bounds *[]int, w string) ([]byte, bool) {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return segs, false
		}
	}
	w = respell(w)
	j := nextVowel(w, 0)
	if j == len(w) {
		return segs, false
	}
	ini, ok := initialClass(w[:j])
	if !ok {
		return segs, false
	}
	for i := j; ; {
		v, n := vowelAt(w, i)
		if n == 0 {
			return segs, false
		}
		if bounds != nil {
			*bounds = append(*bounds, len(segs))
		}
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
		i += n
		j = nextVowel(w, i)
		if j == len(w) {
			f, ok := finalClass(w[i:])
			if !ok {
				return segs, false
			}
			if f != 0 {
				segs = append(segs, f)
			}
			return segs, true
		}
		fs, is, ok := splitCluster(w[i:j])
		if !ok {
			return segs, false
		}
		f, _ := finalClass(fs)
		if f != 0 {
			segs = append(segs, f)
		}
		ini, _ = initialClass(is)
		i = j
	}
}

// Syllables parses one romanised word into its written syllables, each
// shown as its classes: "hyeonseop" and "hyonsop" both give ["HYON",
// "SOP"], "ri" gives ["I"]. It reports false when the word is not
// Korean in any romanisation ("smith", "john"). The word must be lower-case
// ASCII letters.
func Syllables(word string) ([]string, bool) {
	var bounds []int
	segs, ok := appendWord(nil, &bounds, word)
	if !ok {
		return nil, false
	}
	out := make([]string, len(bounds))
	for k, start := range bounds {
		end := len(segs)
		if k+1 < len(bounds) {
			end = bounds[k+1]
		}
		var b strings.Builder
		for _, s := range segs[start:end] {
			b.WriteString(segNames[s])
		}
		out[k] = b.String()
	}
	return out, true
}

// Key returns the romanisation-variant key of a name given as its words
// (lower-case ASCII letters, any order, hyphenated parts as separate words
// or joined), and whether every word is Korean in some romanisation.
//
// The key is the name's segments read as a cycle, so that it does not
// depend on word order (Kim Jong Un, Jong Un Kim; SIM Hyon Sop, Hyeon-seop
// Shim) nor on where a joined word's syllables are cut (Chun Il, Chunil),
// while the order of the given name's syllables still counts (Kim Jong Un
// and Kim Un Jong differ). It is written as the cycle's syllables from the
// alphabetically first, joined by "-": "CON-KON-KIM", "HYON-SOP-SIM".
func Key(words []string) (string, bool) {
	var buf [256]byte
	segs := buf[:0]
	for _, w := range words {
		var ok bool
		if segs, ok = appendWord(segs, nil, w); !ok {
			return "", false
		}
	}
	if len(segs) == 0 {
		return "", false
	}
	var out [512]byte
	return render(foldJoins(out[:0], segs)), true
}

// foldJoins makes the key blind to two cuts that joined spellings leave
// ambiguous, reading the segments as a cycle like render does:
//   - ng before a vowel is read n + g: Mangon is Man-gon or Mang-on, and
//     written joined nothing tells which (RR writes Jeongeun for
//     Jeong-eun, the press Jongun);
//   - u or o before i is read as ㅢ: Puil and Suil are Pu-il and Su-il as
//     often as one syllable.
//
// Both merge names that differ only there (만곤 and 망온), a price paid for
// finding the listed RI Man Gon under Ri Mangon; birth dates keep namesakes
// apart.
func foldJoins(dst, segs []byte) []byte {
	n := len(segs)
	for i, s := range segs {
		next := segs[(i+1)%n]
		switch {
		case s == cNG && isVowelSeg(next):
			dst = append(dst, cN, cK)
		case s == vO && next == vI && n > 2:
			// ㅜ/ㅗ/ㅓ/ㅡ then ㅣ with no consonant between: read as ㅢ
		default:
			dst = append(dst, s)
		}
	}
	return dst
}

// render syllabifies the cycle of segments and writes it from its least
// rotation. The syllabification is a function of the cycle alone — two
// consonants are split one each side, a lone consonant goes by
// closesSyllable — so equal cycles render equally, and the rendering can be
// read back, so equal keys mean equal cycles.
func render(segs []byte) string {
	n := len(segs)
	var startBuf [128]int
	starts := startBuf[:0]
	for i, s := range segs {
		if !isVowelSeg(s) {
			continue
		}
		p := (i - 1 + n) % n
		if isVowelSeg(segs[p]) || p == i {
			starts = append(starts, i)
			continue
		}
		pp := (p - 1 + n) % n
		if isVowelSeg(segs[pp]) && closesSyllable(segs[p]) {
			starts = append(starts, i)
			continue
		}
		starts = append(starts, p)
	}
	// starts is in cyclic order (the first may be the last segment), which
	// is all the loop below needs. Each syllable is spelt once into text;
	// off[k] is where syllable k starts in it.
	var textBuf [512]byte
	var offBuf [129]int
	text, off := textBuf[:0], offBuf[:0]
	for k, st := range starts {
		off = append(off, len(text))
		end := starts[(k+1)%len(starts)]
		for i := st; ; i = (i + 1) % n {
			text = append(text, segNames[segs[i]]...)
			if (i+1)%n == end {
				break
			}
		}
	}
	off = append(off, len(text))
	syl := func(k int) []byte { k %= len(starts); return text[off[k]:off[k+1]] }
	best := 0
	for k := 1; k < len(starts); k++ {
		for j := range starts {
			if c := bytes.Compare(syl(k+j), syl(best+j)); c != 0 {
				if c < 0 {
					best = k
				}
				break
			}
		}
	}
	var out strings.Builder
	out.Grow(len(text) + len(starts))
	for j := range starts {
		if j > 0 {
			out.WriteByte('-')
		}
		out.Write(syl(best + j))
	}
	return out.String()
}
