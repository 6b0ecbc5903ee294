package neardup

const (
	// MinCommon is the fewest documents in which a shingle counts as
	// common, however small the input: several times the personas one
	// operator runs from a template (a handful to a few dozen), so that a
	// ring's own text is never left out for being shared within the ring.
	MinCommon = 100
	// commonPer makes a shingle common in a large input when it is in more
	// than one document in commonPer. See the package doc for the
	// measurements behind 300.
	commonPer = 300

	dfRows = 4
	dfBits = 20 // log2 of the counters a row
	dfMax  = 1<<16 - 1
)

// dfMul are the multipliers of the rows' multiply-shift hashes: fixed, so
// that counts are the same in every process.
var dfMul = [dfRows]uint64{0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0xd6e8feb86659fd93}

// DocFreq estimates in how many documents each shingle occurs, in fixed
// memory: a count-min sketch (Cormode and Muthukrishnan 2005) of 4 rows of
// 2^20 16-bit counters, 8 MiB, with conservative update (Estan and
// Varghese 2002), which leaves a counter alone when another row already
// holds more. An estimate is never below the true count (up to 65535,
// where counters stop), and is rarely above it by enough to change a
// shingle's side of Common.
//
// Add is called from one goroutine. Once adding is done, Count, Common
// and SignShingles are safe for concurrent use.
type DocFreq struct {
	docs   int
	counts []uint16 // row r is counts[r<<dfBits : (r+1)<<dfBits]
}

// NewDocFreq returns a DocFreq that has seen no documents.
func NewDocFreq() *DocFreq { return &DocFreq{counts: make([]uint16, dfRows<<dfBits)} }

// Add counts one document, given its distinct shingles, as Shingles
// returns them. A shingle given twice is counted twice.
func (d *DocFreq) Add(shingles []uint64) {
	d.docs++
	for _, h := range shingles {
		var at [dfRows]uint32
		least := uint16(dfMax)
		for r := range dfRows {
			at[r] = slot(h, r)
			least = min(least, d.counts[at[r]])
		}
		if least == dfMax {
			continue // saturated: Count reports at least dfMax
		}
		for _, i := range at {
			if d.counts[i] == least {
				d.counts[i] = least + 1
			}
		}
	}
}

// Docs returns the number of documents added.
func (d *DocFreq) Docs() int { return d.docs }

// Count returns an estimate of the number of documents added that contain
// shingle: never fewer than the true number, except that counts saturate at
// 65535.
func (d *DocFreq) Count(shingle uint64) int {
	least := uint16(dfMax)
	for r := range dfRows {
		least = min(least, d.counts[slot(shingle, r)])
	}
	return int(least)
}

// Common returns the document count above which a shingle is stock text
// rather than personal content: one document in 300, and never fewer than
// MinCommon. At a million resumes that is 3333 documents, while a ring
// reusing one template is a few dozen at most. It stays below the
// counters' saturation, so from 20 million documents on it no longer
// grows.
func (d *DocFreq) Common() int {
	return min(max(MinCommon, d.docs/commonPer), dfMax-1)
}

// exceeds reports whether Count(shingle) > limit, reading rows only until
// one is at or below limit, as most are for a rare shingle.
func (d *DocFreq) exceeds(shingle uint64, limit int) bool {
	for r := range dfRows {
		if int(d.counts[slot(shingle, r)]) <= limit {
			return false
		}
	}
	return true
}

// slot returns the index in counts of shingle's counter in row r.
func slot(shingle uint64, r int) uint32 {
	return uint32(r)<<dfBits | uint32(shingle*dfMul[r]>>(64-dfBits))
}
