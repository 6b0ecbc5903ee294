package telemetry

import (
	"strconv"
	"time"
)

// AppendGeneric appends ev as one line of the generic format (with its
// newline): what converters to the generic format and 'ringfence gen
// --telemetry' write. Reading the line back gives ev again, less File and
// Line.
func AppendGeneric(dst []byte, ev *Event) []byte {
	dst = append(dst, `{"time":`...)
	dst = strconv.AppendQuote(dst, ev.Time.UTC().Format(time.RFC3339Nano))
	dst = appendStr(dst, "type", ev.Type)
	dst = appendStr(dst, "user", ev.User)
	dst = appendStr(dst, "device", ev.Device)
	if ev.IP.IsValid() {
		dst = append(dst, `,"ip":"`...)
		dst = ev.IP.AppendTo(dst)
		dst = append(dst, '"')
	}
	if l := ev.Location; l.City != "" || l.Region != "" || l.Country != "" || l.HasCoords {
		dst = append(dst, `,"location":{`...)
		n := len(dst)
		dst = appendStr(dst, "city", l.City)
		dst = appendStr(dst, "region", l.Region)
		dst = appendStr(dst, "country", l.Country)
		if l.HasCoords {
			dst = append(dst, `,"lat":`...)
			dst = strconv.AppendFloat(dst, l.Lat, 'f', -1, 64)
			dst = append(dst, `,"lon":`...)
			dst = strconv.AppendFloat(dst, l.Lon, 'f', -1, 64)
		}
		dst = closeObject(dst, n)
	}
	switch {
	case ev.USBDevice != nil:
		u := ev.USBDevice
		dst = append(dst, `,"usb":{`...)
		n := len(dst)
		dst = appendStr(dst, "vendor_id", hex16(u.VendorID))
		dst = appendStr(dst, "product_id", hex16(u.ProductID))
		dst = appendStr(dst, "vendor", u.Vendor)
		dst = appendStr(dst, "product", u.Product)
		dst = appendStr(dst, "serial", u.Serial)
		dst = appendStr(dst, "class", u.Class)
		dst = appendStr(dst, "subclass", u.Subclass)
		dst = appendStr(dst, "protocol", u.Protocol)
		if u.Removable {
			dst = append(dst, `,"removable":true`...)
		}
		if len(u.Interfaces) > 0 {
			dst = append(dst, `,"interfaces":[`...)
			for i, s := range u.Interfaces {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = strconv.AppendQuote(dst, s)
			}
			dst = append(dst, ']')
		}
		dst = closeObject(dst, n)
	case ev.DisplayDev != nil:
		d := ev.DisplayDev
		dst = append(dst, `,"display":{`...)
		n := len(dst)
		dst = appendStr(dst, "name", d.Name)
		dst = appendStr(dst, "manufacturer", d.Manufacturer)
		if d.ProductID != 0 {
			dst = appendStr(dst, "product_id", hex16(d.ProductID))
		}
		dst = appendStr(dst, "serial", d.Serial)
		dst = closeObject(dst, n)
	case ev.ProgramApp != nil:
		p := ev.ProgramApp
		dst = append(dst, `,"program":{`...)
		n := len(dst)
		dst = appendStr(dst, "name", p.Name)
		dst = appendStr(dst, "version", p.Version)
		dst = appendStr(dst, "publisher", p.Publisher)
		dst = appendStr(dst, "path", p.Path)
		dst = appendStr(dst, "id", p.ID)
		dst = closeObject(dst, n)
	case ev.Network != nil:
		dst = append(dst, `,"wifi":{`...)
		n := len(dst)
		dst = appendStr(dst, "ssid", ev.Network.SSID)
		dst = appendStr(dst, "bssid", ev.Network.BSSID)
		dst = closeObject(dst, n)
	case ev.SignInInfo != nil:
		s := ev.SignInInfo
		dst = append(dst, `,"signin":{`...)
		n := len(dst)
		dst = appendStr(dst, "outcome", s.Outcome)
		if s.IsProxy {
			dst = append(dst, `,"is_proxy":true`...)
		}
		if s.ASN != 0 {
			dst = append(dst, `,"asn":`...)
			dst = strconv.AppendInt(dst, int64(s.ASN), 10)
		}
		dst = appendStr(dst, "as_org", s.ASOrg)
		dst = appendStr(dst, "isp", s.ISP)
		dst = appendStr(dst, "device_token", s.DeviceToken)
		dst = appendStr(dst, "user_agent", s.UserAgent)
		dst = closeObject(dst, n)
	case ev.ShipTo != nil:
		dst = append(dst, `,"shipment":{`...)
		n := len(dst)
		dst = appendStr(dst, "serial", ev.ShipTo.Serial)
		dst = appendStr(dst, "address", ev.ShipTo.Address)
		dst = closeObject(dst, n)
	}
	return append(dst, "}\n"...)
}

// appendStr appends ,"key":"value" when value is not empty.
func appendStr(dst []byte, key, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return strconv.AppendQuote(dst, value)
}

// closeObject ends an object whose fields, written from n on, each began
// with a comma: the first comma goes.
func closeObject(dst []byte, n int) []byte {
	if len(dst) > n && dst[n] == ',' {
		dst = append(dst[:n], dst[n+1:]...)
	}
	return append(dst, '}')
}

func hex16(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}
