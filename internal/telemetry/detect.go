package telemetry

import (
	"bufio"
	"bytes"
	"encoding/json"
)

// Detect names the format from the first bytes of a file (up to 64 KiB,
// decompressed); "" when unknown. JSON is told apart by its member names —
// the first object's, and those of the first element of its array — and
// CSV by its header's column names:
//
//	okta     eventType with published, actor or uuid (a LogEvent, alone or in an array)
//	osquery  hostIdentifier, diffResults or snapshot, or name with columns
//	jamf     results (with totalCount or general/hardware/userAndLocation elements), or general with hardware or userAndLocation;
//	         CSV with Computer Name, Last Inventory Update, Jamf Pro/JSS Computer ID or Last Reported IP Address
//	intune   value (with @odata.context or managedDevice elements), or deviceName with lastSyncDateTime, enrolledDateTime or userPrincipalName;
//	         CSV with Device name, Primary user UPN, Primary user email address or Enrollment date
//	generic  time and type
func Detect(head []byte) string {
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	head = bytes.TrimPrefix(head, bom)
	switch firstByte(head) {
	case 0:
		return ""
	case '{', '[':
		return detectJSON(head)
	}
	return detectCSV(head)
}

// jsonShape is what Detect learns from the start of a JSON input: the
// member names of the top-level object and of the first object inside an
// array (the array itself, or an array member of the top-level object).
type jsonShape struct {
	top   byte
	keys  map[string]bool
	elems map[string]bool
}

func readShape(head []byte) jsonShape {
	sh := jsonShape{top: firstByte(head), keys: map[string]bool{}, elems: map[string]bool{}}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	type frame struct {
		delim     json.Delim
		expectKey bool
		inArray   bool // this object is an element of an array
	}
	var stack []frame
	firstElemDone := false
	for n := 0; n < 20000; n++ {
		tok, err := dec.Token()
		if err != nil {
			return sh // the end of the head, or of what is JSON in it
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				inArray := len(stack) > 0 && stack[len(stack)-1].delim == '['
				if len(stack) > 0 && stack[len(stack)-1].delim == '{' {
					stack[len(stack)-1].expectKey = true
				}
				stack = append(stack, frame{delim: d, expectKey: d == '{', inArray: inArray})
			case '}', ']':
				f := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if f.delim == '{' && f.inArray && len(stack) <= 2 {
					firstElemDone = true
				}
				if len(stack) == 0 {
					return sh // the first top-level value is complete
				}
			}
			continue
		}
		if len(stack) == 0 {
			return sh
		}
		top := &stack[len(stack)-1]
		if top.delim != '{' {
			continue
		}
		if !top.expectKey {
			top.expectKey = true // that was a value
			continue
		}
		top.expectKey = false
		k, _ := tok.(string)
		switch {
		case len(stack) == 1:
			sh.keys[k] = true
		case top.inArray && len(stack) <= 3 && !firstElemDone:
			sh.elems[k] = true
		}
	}
	return sh
}

func detectJSON(head []byte) string {
	sh := readShape(head)
	k, e := sh.keys, sh.elems
	any := func(m map[string]bool, names ...string) bool {
		for _, n := range names {
			if m[n] {
				return true
			}
		}
		return false
	}
	oktaEvent := func(m map[string]bool) bool {
		return m["eventType"] && any(m, "published", "actor", "uuid", "legacyEventType")
	}
	jamfComputer := func(m map[string]bool) bool {
		return any(m, "general", "hardware", "userAndLocation") && any(m, "general", "udid", "hardware", "userAndLocation", "id")
	}
	intuneDevice := func(m map[string]bool) bool {
		return m["deviceName"] && any(m, "lastSyncDateTime", "enrolledDateTime", "userPrincipalName", "managedDeviceOwnerType", "serialNumber")
	}
	if sh.top == '[' {
		switch {
		case oktaEvent(e):
			return FormatOkta
		case jamfComputer(e):
			return FormatJamf
		case intuneDevice(e):
			return FormatIntune
		}
		return ""
	}
	switch {
	case oktaEvent(k):
		return FormatOkta
	case k["hostIdentifier"] || k["diffResults"] || k["snapshot"] || (k["name"] && k["columns"]):
		return FormatOsquery
	case k["results"] && (k["totalCount"] || jamfComputer(e)):
		return FormatJamf
	case k["general"] && any(k, "hardware", "userAndLocation", "udid"):
		return FormatJamf
	case k["value"] && (k["@odata.context"] || intuneDevice(e)):
		return FormatIntune
	case intuneDevice(k):
		return FormatIntune
	case k["time"] && k["type"]:
		return FormatGeneric
	}
	return ""
}

func detectCSV(head []byte) string {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	cr := &csvReader{r: bufioFrom(line), delim: csvDelimiter(line)}
	fields, _, bad, err := cr.next()
	if err != nil || bad != "" {
		return ""
	}
	cols := map[string]bool{}
	for _, f := range fields {
		cols[foldColumn(f)] = true
	}
	score := func(names ...string) int {
		n := 0
		for _, c := range names {
			if cols[c] {
				n++
			}
		}
		return n
	}
	jamf := score("computername", "lastinventoryupdate", "jsscomputerid", "jamfprocomputerid", "lastreportedipaddress", "reportedipaddress", "lastcheckin", "lastenrollment")
	intune := score("devicename", "primaryuserupn", "primaryuseremailaddress", "primaryuserdisplayname", "enrollmentdate", "lastcheckin", "lastsyncdatetime", "enrolleddatetime", "userprincipalname")
	device := cols["serialnumber"] || cols["computername"] || cols["devicename"]
	switch {
	case !device:
		return ""
	case jamf > intune:
		return FormatJamf
	case intune > jamf:
		return FormatIntune
	}
	return ""
}

func bufioFrom(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
