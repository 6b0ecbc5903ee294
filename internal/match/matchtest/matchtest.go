// Package matchtest holds what tests of name matching share: the real SDN
// list, parsed once per test binary, and the spelling variants of its DPRK
// individuals that matching and screening must both find.
package matchtest

import (
	"bufio"
	"compress/bzip2"
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ringfence/ringfence/internal/intel"
	"github.com/ringfence/ringfence/internal/normalize"
	"github.com/ringfence/ringfence/internal/shareddata"
)

// sdn caches the parsed SDN list: parsing takes about three seconds, and
// the tests and benchmarks of one run share it.
var sdn struct {
	once sync.Once
	res  *intel.Result
	err  error
}

func LoadSDN(t testing.TB) *intel.Result {
	t.Helper()
	path := shareddata.Path(t, "ofac/sdn-advanced-2025-11-19/sdn_advanced.xml.bz2")
	sdn.once.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			sdn.err = err
			return
		}
		defer f.Close()
		sdn.res, sdn.err = intel.ParseOFACAdvanced(context.Background(),
			bzip2.NewReader(bufio.NewReaderSize(f, 1<<20)), "sdn_advanced.xml")
	})
	if sdn.err != nil {
		t.Fatalf("parse SDN list: %v", sdn.err)
	}
	return sdn.res
}

// Variant is a spelling of a listed DPRK individual's primary name.
type Variant struct {
	Ref, How, Name, DOB string
}

// DPRKVariants returns, for every individual under a DPRK programme, the
// variants of its primary name (the first name the list gives): the
// Revised Romanization spelling, given name before surname, and the given
// name hyphenated or joined.
func DPRKVariants(res *intel.Result) []Variant {
	type person struct {
		primary, dob string
		dprk, indiv  bool
		foreign      bool // a nationality is listed, and it is not Korean
		korean       bool
	}
	people := map[string]*person{}
	var order []string
	for _, in := range res.Indicators {
		p := people[in.SourceRef]
		if p == nil {
			p = &person{}
			people[in.SourceRef] = p
			order = append(order, in.SourceRef)
		}
		switch in.Kind {
		case "name":
			if p.primary == "" {
				p.primary = in.Value
			}
		case "birth_date":
			if p.dob == "" {
				p.dob = in.Value
			}
		case "nationality":
			if in.Value == "KP" || in.Value == "KR" {
				p.korean = true
			} else {
				p.foreign = true
			}
		case "program":
			p.dprk = p.dprk || strings.HasPrefix(in.Value, "DPRK")
		case "entity_type":
			p.indiv = in.Value == "INDIVIDUAL"
		}
	}
	var out []Variant
	for _, ref := range order {
		p := people[ref]
		if !p.dprk || !p.indiv || p.primary == "" {
			continue
		}
		words := strings.Fields(p.primary)
		add := func(how string, ws []string) {
			out = append(out, Variant{ref, how, strings.Join(ws, " "), p.dob})
		}
		rr := make([]string, len(words))
		for i, w := range words {
			rr[i] = ToRR(w)
		}
		// Revised Romanization spells Korean: a Russian or Taiwanese
		// national under a DPRK programme has no RR spelling.
		if !p.foreign || p.korean {
			add("revised romanization", rr)
		}
		if len(words) > 1 {
			add("given name first", append(slices.Clone(words[1:]), words[0]))
		}
		if len(words) > 2 {
			add("given name hyphenated", []string{words[0], strings.Join(words[1:], "-")})
			add("given name joined", []string{words[0], strings.Join(words[1:], "")})
		}
	}
	return out
}

// ToRR respells a McCune–Reischauer or DPRK word the way the Revised
// Romanization would, deterministically where the systems are ambiguous:
// an o not part of oo, oe, oi, ou or eo becomes eo (ŏ; wrong for a true o,
// which is the point of testing), and initial k, t, p, ch become g, d, b,
// j. Words that are not Korean are left alone.
func ToRR(w string) string {
	if _, ok := keyOf(w); !ok || w == "park" {
		return w // not Korean, or a passport spelling RR has no rule for
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c == 'o' && (i+1 >= len(w) || !strings.ContainsRune("oeiu", rune(w[i+1]))) && (i == 0 || w[i-1] != 'o' && w[i-1] != 'e') {
			b.WriteString("eo")
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	for _, p := range [][2]string{{"ch", "j"}, {"k", "g"}, {"t", "d"}, {"p", "b"}} {
		if strings.HasPrefix(s, p[0]) && !strings.HasPrefix(s, p[0]+"h") {
			return p[1] + s[len(p[0]):]
		}
	}
	return s
}

func keyOf(w string) (string, bool) {
	v, err := normalize.Name(w)
	if err != nil || v.Facts["korean"] != "true" {
		return "", false
	}
	return v.Key("name_key"), true
}

// CommonKoreanNames are frequent full names in South Korea, none of them a
// listed person's identity.
var CommonKoreanNames = []string{
	"Kim Min-jun", "Lee Seo-yeon", "Park Ji-hoon", "Choi Seo-yun", "Jung Min-seo", "Kang Ji-woo",
	"Cho Ha-eun", "Yoon Do-yun", "Jang Ye-jun", "Lim Si-woo", "Han Ji-min", "Oh Hyun-woo",
	"Seo Ji-ho", "Shin Eun-ji", "Kwon Joon-young", "Hwang Seung-hyun", "Ahn Su-bin", "Song Min-ji",
	"Jeon Ji-hyun", "Hong Sung-min", "Kim Ji-hoon", "Lee Min-ho", "Park Seo-jun", "Choi Yu-jin",
	"Kim Young-ho", "Lee Jung-hoon", "Park Sung-ho", "Kim Sang-woo", "Lee Hyun-jung", "Kim Eun-ji",
	"Yoo Jae-suk", "Moon Jae-won", "Bae Soo-ji", "Baek Jong-won", "Nam Joo-hyuk", "Go Yoon-jung",
	"Kim Dong-hyun", "Lee Seung-gi", "Park Bo-young", "Jung Hae-in", "Kim Tae-ri", "Lee Ji-eun",
	"Kim Hyun-soo", "Lee Sang-hoon", "Park Jin-young", "Choi Woo-shik", "Kim Chol-su", "Ri Yong-ho",
	"Kim Yong-chol", "Pak Chol",
}
