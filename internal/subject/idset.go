package subject

import "github.com/cespare/xxhash/v2"

// ids remembers the ids seen so far to reject duplicates. It keeps 64-bit
// hashes in an open-addressing table (12 bytes a record, no per-entry
// allocation) rather than the ids in a map: a ten-million-record export
// then costs about 200 MB at most instead of gigabytes, and a million
// about 25 MB. A false duplicate needs a 64-bit collision (about 1 in 10^7
// for ten million ids); its message names the line of the first id so a
// person can check.
type ids struct {
	keys  []uint64 // 0 marks an empty slot
	lines []uint32
	n     int
}

func (s *ids) add(id string, line int) (first int, dup bool) {
	h := xxhash.Sum64String(id)
	if h == 0 {
		h = 1
	}
	if s.n >= len(s.keys)*3/4 {
		s.grow()
	}
	mask := uint64(len(s.keys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case 0:
			s.keys[i], s.lines[i] = h, uint32(min(line, 1<<32-1))
			s.n++
			return 0, false
		case h:
			return int(s.lines[i]), true
		}
	}
}

func (s *ids) grow() {
	size := 1024
	if len(s.keys) > 0 {
		size = 2 * len(s.keys)
	}
	old, oldLines := s.keys, s.lines
	s.keys, s.lines = make([]uint64, size), make([]uint32, size)
	mask := uint64(size - 1)
	for j, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.keys[i] != 0 {
			i = (i + 1) & mask
		}
		s.keys[i], s.lines[i] = h, oldLines[j]
	}
}
