package subject

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DecodeStored reads back a record kept as its raw form (store.Subject.Raw):
// a JSON Lines record as it was given, or a CSV row kept as a JSON object
// of its cells, every one a string. The two are told apart by that: a
// record whose every field is a string reads the same either way, and a
// CSV row never holds anything else. The record is validated as a read
// record is; its Raw is raw.
func DecodeStored(raw []byte) (Record, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Record{}, fmt.Errorf("stored record: %w", err)
	}
	allStrings := true
	for _, v := range fields {
		if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '"' {
			allStrings = false
			break
		}
	}
	var rec Record
	var fe *fieldError
	if allStrings {
		c := &CSVReader{}
		row := make([]string, 0, len(fields))
		for k, v := range fields {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return Record{}, fmt.Errorf("stored record: field %s: %w", k, err)
			}
			c.header = append(c.header, k)
			row = append(row, s)
		}
		rec, fe = c.decode(row)
	} else if r, ok := decodeFast(raw); ok {
		rec = r
	} else {
		rec, fe = decodeJSON(raw)
	}
	if fe == nil {
		fe = validate(&rec)
	}
	if fe != nil {
		return Record{}, fmt.Errorf("stored record: field %s: %s", fe.field, fe.reason)
	}
	rec.Raw = raw
	return rec, nil
}
