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
	keys, values, err := objectFields(raw)
	if err != nil {
		return Record{}, fmt.Errorf("stored record: %w", err)
	}
	allStrings := true
	for _, v := range values {
		if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '"' {
			allStrings = false
			break
		}
	}
	var rec Record
	var fe *fieldError
	if allStrings {
		// The columns in the order the row had them, so that addresses
		// and the first bad field come out as they did when it was read.
		c := &CSVReader{header: keys}
		row := make([]string, len(values))
		for i, v := range values {
			if err := json.Unmarshal(v, &row[i]); err != nil {
				return Record{}, fmt.Errorf("stored record: field %s: %w", keys[i], err)
			}
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

// objectFields returns the keys and values of a JSON object in the order it
// writes them; a key given twice keeps its last value, as encoding/json
// does.
func objectFields(raw []byte) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil {
		return nil, nil, err
	} else if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	var values []json.RawMessage
	at := map[string]int{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if i, ok := at[k]; ok {
			values[i] = v
			continue
		}
		at[k] = len(keys)
		keys = append(keys, k)
		values = append(values, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("data after the JSON object")
	}
	return keys, values, nil
}
