// Package neardup finds near-duplicate resume texts across subjects without
// comparing every pair.
//
// DPRK IT-worker operators run many personas from one resume template,
// changing the name and a few words: Mandiant describes near-identical
// resumes reused across personas (UNC5267, September 2024), and the FBI's
// public service announcement of 16 May 2024 lists it among the signs of
// the scheme. Two ordinary applicants share phrases ("years of
// experience", a well-worn bullet point) but not a whole text, so the
// Jaccard similarity of their word shingles stays low while two renderings
// of one template stay high.
//
// # Method
//
// A text is cleaned (lower case, words of Unicode letters and digits, the
// subject's own name left out) and cut into shingles of 3 consecutive
// words (Shingles). Its signature is a MinHash sketch (Broder 1997): for
// each of 240 hash functions, a few bits of the shingle with the smallest
// hash (b-bit MinHash, Li and König 2010). The first 48 positions keep a
// byte, the other 192 keep 2 bits. A position agrees between two texts
// with probability J + (1-J)/2^b, where J is the Jaccard similarity of
// their shingle sets, which Similarity inverts.
//
// Resumes share stock phrases ("years of experience", a well-worn bullet
// point, a public template), and at scale those dominate: two ordinary
// resumes built from them agree on bands by the thousand. So a large input
// is read twice. The first pass counts in how many documents each shingle
// occurs (DocFreq, a count-min sketch of 8 MiB); the second signs each
// document with SignShingles, leaving out the shingles of more than
// DocFreq.Common documents, so that the signature reflects the personal
// content: employers and years, schools, the operator's own clauses. An
// operator reuses a template across a handful to a few dozen personas,
// far fewer than the documents that share a stock phrase, so a ring's
// text stays in. A resume with fewer than MinShingles shingles left is
// all stock text and is not signed: it is nobody's near-duplicate. Sign
// is the one-pass form, with every shingle kept.
//
// The Index cuts the byte positions into 12 bands of 4 and keeps, per band,
// the documents sorted by that band's bytes; documents that agree on a
// whole band are candidates (locality-sensitive hashing, Indyk and Motwani
// 1998), and candidates whose estimated similarity reaches Threshold are
// reported. A pair at J = 0.7 is a candidate with probability 0.96, at 0.8
// with 0.998.
//
// # Why these parameters
//
// Measured on synth.Generate with Seed 1 (TestCalibrate*, run with
// -calibrate). At N = 20000 (13465 resumes, 71 words on average) every pair
// was compared exactly, over all shingles:
//   - Shingles of 3 words. With 1 word, 4046 pairs of unrelated resumes
//     reach J >= 0.6, since everyone draws on the same phrase lists; with 2
//     words one pair does and 496 reach 0.5. With 3 words none reaches 0.6
//     and 5 reach 0.5, while 90% of the pairs of personas rendering one
//     template are at 0.6 or more; with 4 and 5 words that share falls to
//     85% and 83%.
//   - MinHash rather than SimHash (Charikar 2002) with pigeonhole block
//     tables (Manku, Jain and Das Sarma 2007). A 64-bit SimHash of the same
//     shingles needs Hamming distance 16 to keep 95% of the same-template
//     pairs at J >= 0.6, and 279123 unrelated pairs (41 per resume) are as
//     close, the closest at distance 5: no distance bound separates them,
//     and a bound of 16 means blocks of 3 or 4 bits, each shared by a
//     sixteenth of the index or more.
//   - The 2-bit positions. Signed over all shingles, at a million resumes
//     a query meets thousands of candidates at J 0.3 to 0.5, built from the
//     same stock phrases, and the estimate's noise lets some through. With
//     64 one-byte positions (standard error 0.062), 2.4% of ordinary
//     resumes matched someone of another name, nearly all at an exact J
//     between 0.35 and 0.6. With 48 one-byte and 192 two-bit positions
//     (standard error 0.037; 96 one-byte positions would give 0.051) that
//     falls to 0.24%.
//   - No cap on bucket size. Skipping band values shared by more than
//     1000 documents would cut query time by a factor of 6 at a million
//     resumes, but templates are made of the same stock phrases as everyone
//     else's resume, and recall fell from 98.6% to 90%. Leaving common
//     shingles out instead cuts it by a factor of more than 100 (below).
//   - Common is one document in 300 (3378 at a million resumes; never
//     below MinCommon = 100). At a million resumes the synthetic texts have
//     66 distinct shingles each, 45 of them in more than 10000 resumes and
//     2 in 1000 or fewer. A ring's template, drawn from the same phrase
//     lists, is told apart by combinations in 500 to 3000 resumes (an
//     employer with its years, a run of skills, a school). Leaving out
//     shingles above 1000 left template personas 9 shingles on average, 9%
//     of them fewer than MinShingles, and recall fell to 90.6%; from 2000 to
//     6000, recall was 99.8% to 99.98%, with no ordinary resume matching
//     another name and queries at 5 to 6 µs. One in 300 sits at two to
//     three times the edge where template text starts to go.
//   - MinShingles = 8. With Common at 1500 and 4 shingles enough to sign,
//     4.8% of ordinary resumes, signed on a few mid-frequency shingles,
//     matched another name (0.003% with 6); with 8, none did at any Common
//     from 1000 to 6000. With 10 and 12, recall fell when Common was low
//     (92.6% at 2000 with 12).
//   - DocFreq: 4 rows of 2^20 16-bit counters. Loaded as a million real
//     resumes might be (300 shingles of their own and 100 stock ones
//     from a skewed distribution over a million phrases, TestCalibrateDocFreq),
//     none of a million personal shingles, nor of the million stock phrases
//     at or below Common, was taken for common. The counters' noise and
//     Common both grow in proportion to the input, so the margin is the
//     same at any size up to 20 million documents, where Common stops
//     growing.
//
// At N = 1500000 (1013546 resumes), signed with the common shingles left
// out (11.4 kept a resume, 8 resumes refused), 99.98% of ring personas
// that used their ring's template found a ring-mate (30284 of 30289), and
// no ordinary resume of 97456 queried matched a resume under another name.
// A query reads 17 band table entries and takes 5.4 µs (BenchmarkIndexNear
// "filtered"), against 3181 and 632 µs with every shingle kept ("synth")
// and 12 and 4.7 µs for texts of random words ("random"). Per resume,
// Shingles takes 3 µs, DocFreq.Add 1.5 µs and SignShingles 2.5 to 3 µs
// (Sign, over every shingle, 12 µs). At N = 20000 (Common at MinCommon),
// 97.4% of template personas found a ring-mate (411 of 422; 98.6% over all
// shingles) and none of 12907 ordinary resumes matched another name.
//
// Signatures depend on every constant here and on the hash seeds; a change
// makes stored signatures incomparable with new ones.
package neardup

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

const (
	// Threshold is the least similarity Near reports. Renderings of one
	// template are mostly above 0.7; unrelated resumes stay below 0.6.
	Threshold = 0.6
	// MinWords is the fewest words, after cleaning, that Sign will judge.
	// A shorter text is boilerplate more than a resume, and two of them
	// match by accident.
	MinWords = 20
	// MinShingles is the fewest shingles SignShingles signs once the common
	// ones are left out.
	MinShingles = 8

	shingle = 3  // words a shingle
	size    = 96 // bytes a signature
	rows    = 4  // wide positions a band
	bands   = 12
	wide    = rows * bands      // positions kept as a byte, for bands and estimate
	narrow  = (size - wide) * 4 // positions kept as 2 bits, for the estimate
	funcs   = wide + narrow     // hash functions
)

// Signature is the MinHash sketch of a text: wide positions of one byte,
// which the Index bands, then narrow positions of 2 bits, four a byte,
// which sharpen the estimate. The zero Signature is what Sign returns for a
// text too short to judge.
type Signature [size]byte

// hashMul and hashAdd define the hash functions h -> a*h + b (mod 2^64) on
// the xxhash of a shingle; the minimum ranks shingles by the high bits of
// the product, a multiply-shift hash. They come from a fixed seed, so that
// signatures are stable across processes and machines, and are never
// written after initialisation.
var hashMul, hashAdd = hashParams()

func hashParams() (mul, add [funcs]uint64) {
	x := uint64(0x6e656172_64757031) // "neardup1"
	next := func() uint64 {          // splitmix64
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		return z ^ z>>31
	}
	for i := range funcs {
		mul[i] = next() | 1 // odd, so the map is a bijection of shingle hashes
		add[i] = next()
	}
	return mul, add
}

// Sign returns the signature of all the shingles of text, with the words
// of the subject's own name left out so that a template with the name
// changed still matches: SignShingles(Shingles(nil, text, name), nil). ok
// is false, and sig the zero Signature, when fewer than MinWords words
// remain: short texts never make near-duplicates.
func Sign(text, name string) (sig Signature, ok bool) {
	var buf [256]uint64
	hs, ok := Shingles(buf[:0], text, name)
	if !ok {
		return Signature{}, false
	}
	return SignShingles(hs, nil)
}

// Shingles appends to dst the distinct shingle hashes of text, with the
// words of name left out, in increasing order. ok is false, and dst
// returned unchanged, when the text has fewer than MinWords words after
// cleaning.
func Shingles(dst []uint64, text, name string) (_ []uint64, ok bool) {
	var dropBuf [8]uint64
	drop := dropBuf[:0]
	var wordBuf [64]byte
	for i := 0; i < len(name); {
		var w []byte
		w, i = nextWord(name, i, wordBuf[:0])
		if len(w) > 0 {
			drop = append(drop, xxhash.Sum64(w))
		}
	}
	start := len(dst)
next:
	for i := 0; i < len(text); {
		var w []byte
		w, i = nextWord(text, i, wordBuf[:0])
		if len(w) == 0 {
			continue
		}
		h := xxhash.Sum64(w)
		for _, d := range drop {
			if h == d {
				continue next
			}
		}
		dst = append(dst, h)
	}
	words := dst[start:]
	if len(words) < MinWords {
		return dst[:start], false
	}
	// Shingle hashes overwrite the word hashes in place: shingle i is read
	// from words i to i+2 before it is written to i.
	var sh [8 * shingle]byte
	hs := words[:len(words)-shingle+1]
	for i := range hs {
		for j := range shingle {
			binary.LittleEndian.PutUint64(sh[8*j:], words[i+j])
		}
		hs[i] = xxhash.Sum64(sh[:])
	}
	slices.Sort(hs)
	return dst[:start+len(slices.Compact(hs))], true
}

// SignShingles returns the signature of shingles, leaving out those that
// df counts in more than df.Common() documents: stock phrases and public
// templates, which unrelated resumes share. With df nil all are kept. ok
// is false, and sig the zero Signature, when no shingle is given, or when
// df is given and fewer than MinShingles remain: a resume made only of
// stock text is never a near-duplicate of anyone. Shingles need not be
// distinct or sorted.
func SignShingles(shingles []uint64, df *DocFreq) (sig Signature, ok bool) {
	hs := shingles
	if df != nil {
		var keptBuf [256]uint64
		hs = keptBuf[:0]
		common := df.Common()
		for _, h := range shingles {
			if !df.exceeds(h, common) {
				hs = append(hs, h)
			}
		}
		if len(hs) < MinShingles {
			return Signature{}, false
		}
	}
	if len(hs) == 0 {
		return Signature{}, false
	}
	var mins [funcs]uint64
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	// Four shingles a pass over the functions, for speed; the last pass
	// repeats a shingle, which leaves a minimum unchanged.
	for i := 0; i < len(hs); i += 4 {
		h0, h1, h2, h3 := hs[i], hs[min(i+1, len(hs)-1)], hs[min(i+2, len(hs)-1)], hs[min(i+3, len(hs)-1)]
		for k := range mins {
			m, a := hashMul[k], hashAdd[k]
			mins[k] = min(mins[k], m*h0+a, m*h1+a, m*h2+a, m*h3+a)
		}
	}
	// A minimum is small, so its high bits say little: the bits kept come
	// from a remix of the whole value. Equal shingles give equal bits;
	// different ones agree by chance 1 time in 256 (wide) or 4 (narrow).
	for k, m := range mins[:wide] {
		sig[k] = byte(mix(m) >> 56)
	}
	for k, m := range mins[wide:] {
		sig[wide+k/4] |= byte(mix(m)>>62) << (2 * (k % 4))
	}
	return sig, true
}

// nextWord appends to buf, lower-cased, the word of s that starts at or
// after i, and returns it with the index after it. A word is a run of
// letters, digits and combining marks (so that a decomposed "é" stays one
// word); everything else separates words. The word is empty at the end of s.
func nextWord(s string, i int, buf []byte) ([]byte, int) {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				buf = append(buf, c)
			case 'A' <= c && c <= 'Z':
				buf = append(buf, c+'a'-'A')
			default:
				if len(buf) > 0 {
					return buf, i + 1
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else if len(buf) > 0 {
			return buf, i + n
		}
		i += n
	}
	return buf, i
}

// mix is the MurmurHash3 64-bit finaliser.
func mix(z uint64) uint64 {
	z = (z ^ z>>33) * 0xff51afd7ed558ccd
	z = (z ^ z>>33) * 0xc4ceb9fe1a85ec53
	return z ^ z>>33
}

// Chance agreement of a position whose shingles differ, and the weight of
// the wide positions in the estimate: each kind gives an unbiased estimate
// of J, and the two are averaged with weights inverse to their variances
// at J = Threshold, where the decision is made.
const (
	chanceWide   = 1.0 / 256
	chanceNarrow = 1.0 / 4
	pWide        = Threshold + (1-Threshold)*chanceWide
	pNarrow      = Threshold + (1-Threshold)*chanceNarrow
	varWide      = pWide * (1 - pWide) / (wide * (1 - chanceWide) * (1 - chanceWide))
	varNarrow    = pNarrow * (1 - pNarrow) / (narrow * (1 - chanceNarrow) * (1 - chanceNarrow))
	weightWide   = varNarrow / (varWide + varNarrow)
)

// Similarity estimates the Jaccard similarity of the shingle sets behind
// two signatures, in [0,1]. Its standard error near Threshold is about
// 0.037; 96 one-byte positions would give 0.051.
func Similarity(a, b Signature) float64 {
	w, n := agree(&a, &b)
	jw := (float64(w)/wide - chanceWide) / (1 - chanceWide)
	jn := (float64(n)/narrow - chanceNarrow) / (1 - chanceNarrow)
	// Written so that equal signatures give exactly 1.
	return min(1, max(0, jn+weightWide*(jw-jn)))
}

// agree counts the wide and the narrow positions where a and b agree, eight
// bytes at a time: a byte of the XOR is zero where a wide position agrees,
// a pair of bits where a narrow one does.
func agree(a, b *Signature) (w, n int) {
	const lo7, hi, pairs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080, 0x5555555555555555
	w, n = wide, narrow
	for i := 0; i < wide; i += 8 {
		x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
		w -= bits.OnesCount64(((x & lo7) + lo7 | x) & hi)
	}
	for i := wide; i < size; i += 8 {
		x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
		n -= bits.OnesCount64((x | x>>1) & pairs)
	}
	return w, n
}

// band returns band i of s as a number.
func (s *Signature) band(i int) uint32 {
	return binary.BigEndian.Uint32(s[rows*i:])
}
